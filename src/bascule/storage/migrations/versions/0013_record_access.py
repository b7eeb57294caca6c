"""record-level access, tokens that end, the audit read

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:10:00

A lead nobody owns sits in its team's queue (``lead.team_id``); an API token has a short
``prefix`` to be named by, an end (``expires_at``) and a last use (``last_used_at``); the audit
log is read by period and by actor.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bascule.storage.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_lead_team_id_team"), "team", ["team_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(op.f("ix_lead_team_id"), ["team_id"])
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prefix", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("expires_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", UTCDateTime(), nullable=True))
        batch_op.create_index(op.f("ix_api_token_prefix"), ["prefix"])
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at", "id"])
        batch_op.create_index("ix_audit_log_actor", ["actor_user_id", "at"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_actor")
        batch_op.drop_index("ix_audit_log_at")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_api_token_prefix"))
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("prefix")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_lead_team_id"))
        batch_op.drop_constraint(op.f("fk_lead_team_id_team"), type_="foreignkey")
        batch_op.drop_column("team_id")
