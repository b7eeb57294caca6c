"""privacy: consents per purpose, anonymised leads and contacts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 07:10:00

A person's consents are rows of ``consent`` (one per lead or contact and purpose: granted or
refused, when, from where). ``anonymised_at`` marks a lead or contact erased on request or by
retention, so that neither is done twice and the person cannot be found again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bascule.storage.db import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(lead_id IS NULL) <> (contact_id IS NULL)", name=op.f("ck_consent_one_person")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_consent_lead_id_lead"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_consent_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
        sa.UniqueConstraint("lead_id", "purpose", name="uq_consent_lead_purpose"),
        sa.UniqueConstraint("contact_id", "purpose", name="uq_consent_contact_purpose"),
    )
    with op.batch_alter_table("lead") as batch:
        batch.add_column(sa.Column("anonymised_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("anonymised_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("anonymised_at")
    with op.batch_alter_table("lead") as batch:
        batch.drop_column("anonymised_at")
    op.drop_table("consent")
