"""history indexes in the order the reports read them

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-05 10:00:00

The SPEC §16 reports read the history tables whole (a year of a million leads):
- the stage-time report walks each record's rows in time order (``lead()`` over
  ``(lead_id, changed_at, id)``) and needs only their statuses: the index holds all of it, so
  the walk reads no table row and sorts nothing. It replaces the one-column index on the
  record id, which its first column serves.
- the funnel needs, per lead, the highest step from mql on that its history holds: a partial
  index of only those rows (a fifth of the history) in lead order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

FUNNEL_ROWS = (
    "to_status IN ('mql', 'sql', 'converted') OR from_status IN ('mql', 'sql', 'converted')"
)


def upgrade() -> None:
    op.create_index(
        "ix_lead_status_history_lead_changed",
        "lead_status_history",
        ["lead_id", "changed_at", "id", "to_status", "from_status"],
    )
    op.drop_index("ix_lead_status_history_lead_id", table_name="lead_status_history")
    op.create_index(
        "ix_lead_status_history_reached",
        "lead_status_history",
        ["lead_id", "to_status", "from_status"],
        sqlite_where=sa.text(FUNNEL_ROWS),
        postgresql_where=sa.text(FUNNEL_ROWS),
    )
    op.create_index(
        "ix_opportunity_stage_history_opportunity_changed",
        "opportunity_stage_history",
        ["opportunity_id", "changed_at", "id", "to_stage", "from_stage"],
    )
    op.drop_index(
        "ix_opportunity_stage_history_opportunity_id", table_name="opportunity_stage_history"
    )


def downgrade() -> None:
    op.create_index(
        "ix_opportunity_stage_history_opportunity_id",
        "opportunity_stage_history",
        ["opportunity_id"],
    )
    op.drop_index(
        "ix_opportunity_stage_history_opportunity_changed", table_name="opportunity_stage_history"
    )
    op.drop_index("ix_lead_status_history_reached", table_name="lead_status_history")
    op.create_index("ix_lead_status_history_lead_id", "lead_status_history", ["lead_id"])
    op.drop_index("ix_lead_status_history_lead_changed", table_name="lead_status_history")
