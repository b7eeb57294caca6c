"""leads by account and by contact

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-05 08:00:00

The account and contact pages of the web UI list the leads converted into them
(``lead.account_id``, ``lead.contact_id``): without an index each page read the whole lead table.
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_lead_account_id"), "lead", ["account_id"])
    op.create_index(op.f("ix_lead_contact_id"), "lead", ["contact_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_lead_contact_id"), table_name="lead")
    op.drop_index(op.f("ix_lead_account_id"), table_name="lead")
