"""scores rewritten in place: drop the score index, leave room on PostgreSQL pages; history
read by kind and period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 09:00:00

Scoring rewrites the score of every lead a batch of signals touches. With ``score`` indexed,
PostgreSQL cannot update a row in place (a HOT update) and writes a new entry in each of the
lead table's indexes, the trigram index included: measured on 5,000 rows, 284 ms with the
index against 47 ms without. ``fillfactor = 70`` keeps room on each page for the new row
version. The reports on requalifications and assignments read history by kind and period.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_lead_score", table_name="lead")
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE lead SET (fillfactor = 70)")
    op.create_index(
        "ix_lead_status_history_kind_changed", "lead_status_history", ["kind", "changed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_lead_status_history_kind_changed", table_name="lead_status_history")
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE lead RESET (fillfactor)")
    op.create_index("ix_lead_score", "lead", ["score"])
