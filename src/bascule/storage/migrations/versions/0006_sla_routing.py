"""SLAs, routing and mandatory conversion: SLA clocks, routing counters, out-of-office users,
the lead's form type, failed attempts and conversion deadline, an RFP opportunity's SLA

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 08:00:00

Every new column is nullable or has a server default: SQLite adds them with ALTER TABLE ADD
COLUMN, no table is copied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bascule.storage.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

RUNNING = "stopped_at IS NULL AND breached_at IS NULL"
NOT_ESCALATED = "stopped_at IS NULL AND escalated_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("absent_from", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("absent_until", UTCDateTime(), nullable=True))
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_type", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column("failed_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(sa.Column("ready_since", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("conversion_due_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "conversion_overdue", sa.Boolean(), server_default=sa.text("false"), nullable=False
            )
        )
        batch_op.add_column(sa.Column("conversion_overdue_at", UTCDateTime(), nullable=True))
    op.create_index(
        "ix_lead_conversion_due",
        "lead",
        ["conversion_due_at"],
        sqlite_where=sa.text("conversion_due_at IS NOT NULL AND conversion_overdue = 0"),
        postgresql_where=sa.text("conversion_due_at IS NOT NULL AND NOT conversion_overdue"),
    )
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_response_due_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("first_response_at", UTCDateTime(), nullable=True))
    op.create_table(
        "sla_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("stopped_by", sa.String(length=20), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("breached_at", UTCDateTime(), nullable=True),
        sa.Column("escalate_at", UTCDateTime(), nullable=True),
        sa.Column("escalated_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["lead.id"], name=op.f("fk_sla_clock_lead_id_lead"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunity.id"],
            name=op.f("fk_sla_clock_opportunity_id_opportunity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user.id"], name=op.f("fk_sla_clock_owner_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activity.id"],
            name=op.f("fk_sla_clock_activity_id_activity"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_clock")),
    )
    op.create_index(
        "ix_sla_clock_due",
        "sla_clock",
        ["due_at"],
        sqlite_where=sa.text(RUNNING),
        postgresql_where=sa.text(RUNNING),
    )
    op.create_index(
        "ix_sla_clock_escalate",
        "sla_clock",
        ["escalate_at"],
        sqlite_where=sa.text(NOT_ESCALATED),
        postgresql_where=sa.text(NOT_ESCALATED),
    )
    op.create_index("ix_sla_clock_started", "sla_clock", ["started_at"])
    op.create_index(op.f("ix_sla_clock_lead_id"), "sla_clock", ["lead_id"])
    op.create_index(op.f("ix_sla_clock_opportunity_id"), "sla_clock", ["opportunity_id"])
    op.create_index(op.f("ix_sla_clock_owner_id"), "sla_clock", ["owner_id"])
    op.create_table(
        "routing_counter",
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_routing_counter_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rule", "user_id", name=op.f("pk_routing_counter")),
    )


def downgrade() -> None:
    op.drop_table("routing_counter")
    op.drop_table("sla_clock")
    with op.batch_alter_table("opportunity", schema=None) as batch_op:
        batch_op.drop_column("first_response_at")
        batch_op.drop_column("first_response_due_at")
    op.drop_index("ix_lead_conversion_due", table_name="lead")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_column("conversion_overdue_at")
        batch_op.drop_column("conversion_overdue")
        batch_op.drop_column("conversion_due_at")
        batch_op.drop_column("ready_since")
        batch_op.drop_column("failed_attempts")
        batch_op.drop_column("form_type")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("absent_until")
        batch_op.drop_column("absent_from")
