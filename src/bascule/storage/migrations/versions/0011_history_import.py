"""history import: external ids and the creating import on opportunities, accounts, history
rows and owners; an imported opportunity may be worth 0

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05 07:20:00

A company bringing its past (SPEC §16) imports opportunities found again by their id in the
old system (`external_id`), accounts found by theirs, and status and stage history rows at the
dates of the file: each of those rows, and each owner an import creates, keeps the import
that wrote it (`import_id`), which is what an undo removes.

Exports hold lost deals worth 0 (a lost deal's "close value"): the amount check becomes
`amount >= 0`. On SQLite a CHECK can only change by rewriting the table's definition: copying
the table (batch mode) would drop the old one under PRAGMA foreign_keys=ON, which deletes the
stage history (cascade) and unlinks the leads (set null), and that pragma cannot be turned off
inside the migration's transaction. So the definition is edited in place, the documented
SQLite procedure for loosening a constraint (every stored row already meets the new one).

On SQLite the foreign keys are added by plain ADD COLUMN ... REFERENCES, so no table is copied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None

# (table, column of the external id or None): each gets import_id, most an external id too.
TABLES = (
    ("opportunity", "external_id"),
    ("account", "external_id"),
    ("lead_status_history", None),
    ("opportunity_stage_history", None),
    ("user", None),
)


def _add_import_id(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f'ALTER TABLE "{table}" ADD COLUMN import_id INTEGER '
            "REFERENCES import_batch (id) ON DELETE SET NULL"
        )
    else:
        op.add_column(table, sa.Column("import_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            f"fk_{table}_import_id_import_batch",
            table,
            "import_batch",
            ["import_id"],
            ["id"],
            ondelete="SET NULL",
        )


def _amount_check(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        version = op.get_bind().exec_driver_sql("PRAGMA schema_version").scalar_one()
        op.execute("PRAGMA writable_schema=ON")
        op.execute(
            "UPDATE sqlite_master SET sql = replace(sql, "
            f"'CHECK (amount {old} 0)', 'CHECK (amount {new} 0)') "
            "WHERE type = 'table' AND name = 'opportunity'"
        )
        op.execute(f"PRAGMA schema_version={int(version) + 1}")
        op.execute("PRAGMA writable_schema=OFF")
    else:
        op.drop_constraint(op.f("ck_opportunity_amount_positive"), "opportunity", type_="check")
        op.create_check_constraint(
            op.f("ck_opportunity_amount_positive"), "opportunity", f"amount {new} 0"
        )


def upgrade() -> None:
    for table, external in TABLES:
        _add_import_id(table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            if external:
                batch_op.add_column(sa.Column(external, sa.String(length=255), nullable=True))
                batch_op.create_index(batch_op.f(f"ix_{table}_{external}"), [external])
            batch_op.create_index(batch_op.f(f"ix_{table}_import_id"), ["import_id"])
    _amount_check(">", ">=")


def downgrade() -> None:
    _amount_check(">=", ">")
    for table, external in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_import_id"))
            if external:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{external}"))
                batch_op.drop_column(external)
            if op.get_bind().dialect.name != "sqlite":
                batch_op.drop_constraint(f"fk_{table}_import_id_import_batch", type_="foreignkey")
            batch_op.drop_column("import_id")
