"""predictive score: trained conversion models, and each lead's probability with its reasons

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:00:00

The three lead columns are plain nullable columns: SQLite adds them with ALTER TABLE ADD
COLUMN, the lead table is not copied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bascule.storage.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "predictive_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=True),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("excluded", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictive_model")),
        sa.UniqueConstraint("version", name="uq_predictive_model_version"),
    )
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversion_probability", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("conversion_reasons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("conversion_model_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_column("conversion_model_version")
        batch_op.drop_column("conversion_reasons")
        batch_op.drop_column("conversion_probability")
    op.drop_table("predictive_model")
