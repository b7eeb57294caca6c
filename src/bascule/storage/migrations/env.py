"""Alembic environment: the connection is handed in by ``bascule.storage.migrate``."""

from __future__ import annotations

from alembic import context

from bascule.storage.tables import Base

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite can only change tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
