"""Signal queries: bulk insert, look-ups by batch, attaching pending signals.

Kept apart from ``repositories.py`` because this is the bulk path: Core statements, one
``IN`` query per chunk of keys and one ``executemany`` per batch, never a query per item.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.orm import Session

from bascule.leads.vocabulary import OPEN_LEAD_STATUSES
from bascule.storage import tables as t

IN_CHUNK = 1000  # keys per IN (...) query: far below every database's parameter limit
# Pending e-mails are guarded by 4096 PostgreSQL advisory lock "buckets" in their own lock
# space (the two-integer form, class below), so the two sides of "a signal for an unknown
# e-mail arrives while that person is being created" take turns.
_LOCK_CLASS = 0x5167
_BUCKETS = 4096

_OPEN = frozenset(OPEN_LEAD_STATUSES)


def lock_class() -> int:
    """The advisory lock space of pending e-mails (for a caller merging lock statements)."""
    return _LOCK_CLASS


def email_bucket(key: str) -> int:
    """The lock bucket guarding this pending e-mail."""
    return zlib.crc32(key.encode()) % _BUCKETS


signal_table = cast(Table, t.Signal.__table__)
_lead = cast(Table, t.Lead.__table__)
_contact = cast(Table, t.Contact.__table__)
K = TypeVar("K")


def _chunks(keys: Iterable[K]) -> Iterator[list[K]]:
    items = list(keys)
    for start in range(0, len(items), IN_CHUNK):
        yield items[start : start + IN_CHUNK]


def _rows(session: Session, query: Callable[[list[K]], Any], keys: Iterable[K]) -> list[Any]:
    found: list[Any] = []
    for chunk in _chunks(keys):
        found.extend(session.execute(query(chunk)).all())
    return found


def leads_by_id(session: Session, ids: Iterable[int]) -> dict[int, tuple[int | None, int | None]]:
    """lead id -> (contact_id, account_id): set once the lead is converted."""
    rows = _rows(
        session,
        lambda c: select(_lead.c.id, _lead.c.contact_id, _lead.c.account_id).where(
            _lead.c.id.in_(c)
        ),
        ids,
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def contacts_by_id(session: Session, ids: Iterable[int]) -> dict[int, int | None]:
    """contact id -> account_id."""
    rows = _rows(
        session,
        lambda c: select(_contact.c.id, _contact.c.account_id).where(_contact.c.id.in_(c)),
        ids,
    )
    return {r[0]: r[1] for r in rows}


def open_leads_by_email(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """e-mail key -> id of the open lead with that e-mail (at most one: uq_lead_open_email).

    The status is filtered here, not in SQL: given ``status IN (...)`` SQLite's planner walks
    the status index (every open lead) instead of the e-mail one."""
    rows = _rows(
        session,
        lambda c: select(_lead.c.email_key, _lead.c.id, _lead.c.status).where(
            _lead.c.email_key.in_(c)
        ),
        keys,
    )
    return {r[0]: r[1] for r in rows if r[2] in _OPEN}


def contacts_by_email(session: Session, keys: Iterable[str]) -> dict[str, tuple[int, int | None]]:
    """e-mail key -> (contact id, account id)."""
    rows = _rows(
        session,
        lambda c: select(_contact.c.email_key, _contact.c.id, _contact.c.account_id).where(
            _contact.c.email_key.in_(c)
        ),
        keys,
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def workspace_claims(
    session: Session, workspaces: Iterable[str]
) -> dict[str, tuple[int | None, int | None, int | None, str | None]]:
    """workspace -> (lead_id, contact_id, account_id, email_key) of its latest claim.

    A claim is a signal stored with its ``workspace`` column set (the freemium signup). Only
    claims set that column, so this reads a handful of rows per workspace, however much
    product usage the workspace has sent since.
    """
    s = signal_table.c
    rows = _rows(
        session,
        lambda c: (
            select(s.workspace, s.lead_id, s.contact_id, s.account_id, s.email_key)
            .where(s.workspace.in_(c))
            .order_by(s.id)
        ),
        workspaces,
    )
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}  # the latest claim wins


def insert_signals(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """One executemany for the rows (column name -> value)."""
    if rows:
        session.execute(insert(signal_table), rows)


def lock_emails(session: Session, keys: Iterable[str], *, shared: bool) -> bool:
    """Take the advisory locks guarding these pending e-mails until the transaction ends.

    Ingesting takes them shared (batches do not wait for each other); identifying a person
    takes its e-mail's exclusively. Returns False where nothing is needed: SQLite write
    transactions already hold the database lock from their BEGIN IMMEDIATE.
    """
    if session.get_bind().dialect.name != "postgresql":
        return False
    buckets = sorted({email_bucket(k) for k in keys})
    if not buckets:
        return True
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    session.execute(
        text(f"SELECT {fn}(:cls, b) FROM unnest(CAST(:buckets AS integer[])) AS b"),
        {"cls": _LOCK_CLASS, "buckets": buckets},
    )
    return True


def attach_pending(
    session: Session,
    email_key: str,
    *,
    lead_id: int | None,
    contact_id: int | None,
    account_id: int | None,
) -> int:
    """Attach the unattached signals of this e-mail (ix_signal_unattached_email); how many."""
    s = signal_table.c
    result = session.execute(
        update(signal_table)
        .where(s.email_key == email_key, s.lead_id.is_(None), s.contact_id.is_(None))
        .values(lead_id=lead_id, contact_id=contact_id, account_id=account_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
