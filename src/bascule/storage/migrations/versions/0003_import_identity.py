"""imports: external ids, extra attributes and the creating import on leads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:05:40.083572

On SQLite `lead.import_id` is added by a plain ADD COLUMN with its REFERENCES clause, so the
lead table is not copied (batch mode would copy it to add the foreign key).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("report", sa.JSON(), nullable=True))

    with op.batch_alter_table("import_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_change_lead_id"), ["lead_id"], unique=False)

    with op.batch_alter_table("import_row_error", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rejected", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )

    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a REFERENCES clause in ADD COLUMN: no copy of the lead table.
        op.execute(
            "ALTER TABLE lead ADD COLUMN import_id INTEGER "
            "REFERENCES import_batch (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("lead", sa.Column("import_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_lead_import_id_import_batch",
            "lead",
            "import_batch",
            ["import_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("attributes", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_lead_external_id"), ["external_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_import_id"), ["import_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_import_id"))
        batch_op.drop_index(batch_op.f("ix_lead_external_id"))
        if op.get_bind().dialect.name != "sqlite":  # unnamed there; the copy drops it
            batch_op.drop_constraint("fk_lead_import_id_import_batch", type_="foreignkey")
        batch_op.drop_column("import_id")
        batch_op.drop_column("attributes")
        batch_op.drop_column("external_id")

    with op.batch_alter_table("import_row_error", schema=None) as batch_op:
        batch_op.drop_column("rejected")

    with op.batch_alter_table("import_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_change_lead_id"))

    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_column("report")
