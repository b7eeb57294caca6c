"""Outbox queries: alert rows written in the transaction of the change that caused them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bascule.storage import tables as t


def insert_once(session: Session, values: Mapping[str, Any]) -> bool:
    """Insert an outbox row unless one with its idempotency key exists; True when inserted.

    ``ON CONFLICT DO NOTHING`` on both databases, so two transactions raising the same alert
    at once write one row and neither fails.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(t.Outbox).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    result = session.execute(statement)
    return bool(getattr(result, "rowcount", 0))


def insert_many_once(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """``insert_once`` for many rows in one statement (an executemany): rows whose key
    exists are skipped, the others written."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = cast(Table, t.Outbox.__table__)
    statement = insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"])
    session.execute(statement, [dict(row) for row in rows])


def by_key(session: Session, idempotency_key: str) -> t.Outbox | None:
    return session.execute(
        select(t.Outbox).where(t.Outbox.idempotency_key == idempotency_key)
    ).scalar_one_or_none()


def id_by_key(session: Session, idempotency_key: str) -> int:
    """The id of the outbox row written under this key."""
    return int(
        session.execute(
            select(t.Outbox.id).where(t.Outbox.idempotency_key == idempotency_key)
        ).scalar_one()
    )
