"""saved views of the lead list

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 07:00:00

A user names a lead list as they set it up (filters, sort, columns) and opens it again from
the list page: one ``saved_view`` row per view, the user's names unique.

The lead page lists the alerts raised about its lead: an index on the ``lead_id`` of the
outbox payload serves that look-up (an expression, written for each database; the query in
``storage.lead_page`` spells it the same way).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bascule.storage.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
PAYLOAD_LEAD_INDEX = "ix_outbox_payload_lead_id"


def upgrade() -> None:
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("sort", sa.String(length=40), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_saved_view_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_view")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_view_user_id_name")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {PAYLOAD_LEAD_INDEX} ON outbox ((payload ->> 'lead_id'))")
    else:
        op.execute(
            f"CREATE INDEX {PAYLOAD_LEAD_INDEX} ON outbox (json_extract(payload, '$.lead_id'))"
        )


def downgrade() -> None:
    op.execute(f"DROP INDEX {PAYLOAD_LEAD_INDEX}")
    op.drop_table("saved_view")
