"""lead lists read in index order; a shared intake rate-limit bucket for several API processes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 09:00:00

A lead list is sorted ``created_at DESC, id DESC``. The one-column ``ix_lead_created_at`` could
not serve the tie-break on ``id``, so PostgreSQL read and sorted every matching lead to keep
ten. Each index below ends with ``(created_at, id)`` behind the columns a list is filtered on
(none, status, source, status and source, owner, owner and status): read backwards, it hands
the page over in order and the scan stops after ten rows.

``intake_rate_bucket`` holds the public forms' token buckets when the API runs as several
processes on PostgreSQL (SQLite keeps the in-process limiter and never writes it). It is
UNLOGGED there: a bucket is worth a minute at most, so it needs no write-ahead log and may be
emptied by a crash.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bascule.storage.db import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# name: columns, in the order of the list query's WHERE then ORDER BY.
LIST_INDEXES = {
    "ix_lead_created": ["created_at", "id"],
    "ix_lead_status_created": ["status", "created_at", "id"],
    "ix_lead_source_created": ["source", "created_at", "id"],
    "ix_lead_status_source_created": ["status", "source", "created_at", "id"],
    "ix_lead_owner_created": ["owner_id", "created_at", "id"],
    "ix_lead_owner_status_created": ["owner_id", "status", "created_at", "id"],
}
# What 0001 made and these replace.
REPLACED = {
    "ix_lead_created_at": ["created_at"],
    "ix_lead_status_source_created": ["status", "source", "created_at"],
    "ix_lead_owner_status": ["owner_id", "status"],
}


def upgrade() -> None:
    for name in REPLACED:
        op.drop_index(name, table_name="lead")
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "lead", columns)
    postgresql = op.get_context().dialect.name == "postgresql"
    op.create_table(
        "intake_rate_bucket",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("refilled_at", UTCDateTime(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_intake_rate_bucket")),
        prefixes=["UNLOGGED"] if postgresql else [],
    )
    op.create_index("ix_intake_rate_bucket_refilled_at", "intake_rate_bucket", ["refilled_at"])


def downgrade() -> None:
    op.drop_index("ix_intake_rate_bucket_refilled_at", table_name="intake_rate_bucket")
    op.drop_table("intake_rate_bucket")
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="lead")
    for name, columns in REPLACED.items():
        op.create_index(name, "lead", columns)
