"""Queries for bulk imports: one statement per chunk of rows, never one per row.

Like the repositories, these read and add; they never commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, delete, func, literal, or_, select, text, update
from sqlalchemy import insert as sql_insert
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from bascule.leads.vocabulary import OPEN_LEAD_STATUSES
from bascule.storage import tables as t

Row = dict[str, Any]


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_keys(session: Session, keys: Sequence[str]) -> None:
    """Take the advisory locks `repositories.serialize(session, *key.split("|"))` takes, for
    many keys in one statement (PostgreSQL; SQLite's write lock already serialises writers).

    Keys are locked in sorted order, so two imports sharing addresses cannot deadlock; a form
    submission locks one key and waits for the import's chunk to commit.
    """
    if not keys or not is_postgresql(session):
        return
    session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) "
            "FROM unnest(CAST(:keys AS text[])) AS k"
        ),
        {"keys": sorted(set(keys))},
    )


def _matching(session: Session, column: Any, keys: Sequence[str]) -> Any:
    """`column` is one of `keys`. PostgreSQL: a join with the unnested array, so the planner
    probes the column's index key by key; an IN list of thousands of values is planned as a
    scan of the whole table while its statistics are older than the import (they are, until
    autovacuum catches up), which grows with every chunk. SQLite probes the index for IN."""
    if not is_postgresql(session):
        return column.in_(keys)
    wanted = (
        func.unnest(bindparam(None, list(keys), type_=ARRAY(String)))
        .table_valued("key")
        .render_derived()
    )
    return column.in_(select(wanted.c.key).scalar_subquery())


def open_leads_matching(
    session: Session,
    email_keys: Sequence[str],
    external_ids: Sequence[str],
    *,
    lock: bool,
    closed_too: bool = False,
) -> list[t.Lead]:
    """Open leads with one of these e-mails or external ids (`lock`: for update, PostgreSQL).
    `closed_too`: a converted or disqualified lead is found by its external id too (a
    history file names its past leads again)."""
    found: dict[int, t.Lead] = {}
    for column, keys in ((t.Lead.email_key, email_keys), (t.Lead.external_id, external_ids)):
        if not keys:
            continue
        query = select(t.Lead).where(_matching(session, column, keys))
        if not (closed_too and column is t.Lead.external_id):
            query = query.where(t.Lead.status.in_(OPEN_LEAD_STATUSES))
        if lock and is_postgresql(session):
            query = query.with_for_update(of=t.Lead)
        for lead in session.scalars(query):
            found[lead.id] = lead
    return list(found.values())


def customer_contacts(session: Session, email_keys: Sequence[str]) -> dict[str, tuple[int, int]]:
    """{e-mail key: (contact id, account id)} for the contacts of customer accounts."""
    if not email_keys:
        return {}
    rows = session.execute(
        select(t.Contact.email_key, t.Contact.id, t.Account.id)
        .join(t.Account, t.Account.id == t.Contact.account_id)
        .where(_matching(session, t.Contact.email_key, email_keys))
        .where(t.Account.is_customer.is_(True))
    )
    return {key: (contact_id, account_id) for key, contact_id, account_id in rows if key}


def insert(
    session: Session, model: type[t.Base], rows: list[Row], *, with_ids: bool = False
) -> None:
    """One executemany INSERT of `rows`; with `with_ids`, each row gets its new `id`.

    SQLite: ids are numbered max(id) + 1, + 2... under the write lock taken at BEGIN (the
    demo writer's way: RETURNING would make SQLAlchemy insert one row at a time there).
    PostgreSQL: ids taken from the table's sequence in one query, in increasing order, then a
    plain executemany (INSERT ... RETURNING goes through SQLAlchemy's insertmanyvalues, whose
    statements of thousands of parameters psycopg spends longer parsing than the server
    spends inserting).
    """
    if not rows:
        return
    table = t.Base.metadata.tables[model.__tablename__]
    if with_ids and not is_postgresql(session):
        last = session.execute(select(func.max(table.c.id))).scalar() or 0
        for n, row in enumerate(rows, start=1):
            row["id"] = last + n
    elif with_ids:
        new_ids = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                "FROM generate_series(1, :count) ORDER BY 1"
            ),
            {"table": table.name, "count": len(rows)},
        ).scalars()
        for row, new_id in zip(rows, new_ids, strict=True):
            row["id"] = new_id
    session.execute(table.insert(), rows)


def _created_between(import_id: int, first_id: int, last_id: int) -> tuple[Any, ...]:
    # `import_id + 0`: read the primary key range, never the import_id index, whose one value
    # covers every lead of a large import (a scan growing with each chunk).
    return (t.Lead.id.between(first_id, last_id), (t.Lead.import_id + 0) == import_id)


def history_for_new_leads(
    session: Session, import_id: int, first_id: int, last_id: int, values: Row
) -> None:
    """One status history row per lead the import created with ids first_id..last_id (one
    INSERT ... SELECT: the rows are the same but for the lead id)."""
    history = t.LeadStatusHistory.__table__
    columns = list(values)
    source = select(
        t.Lead.id,
        *(literal(values[name], history.c[name].type) for name in columns),
    ).where(*_created_between(import_id, first_id, last_id))
    session.execute(sql_insert(t.LeadStatusHistory).from_select(["lead_id", *columns], source))


def tag_new_leads(
    session: Session, import_id: int, first_id: int, last_id: int, tag_id: int
) -> None:
    """Give one tag to every lead the import created with ids first_id..last_id."""
    source = select(t.Lead.id, literal(tag_id)).where(
        *_created_between(import_id, first_id, last_id)
    )
    session.execute(sql_insert(t.LeadTag).from_select(["lead_id", "tag_id"], source))


def attach_pending_signals(session: Session, import_id: int, email_keys: Sequence[str]) -> int:
    """Signals kept for these e-mails before anyone knew the person (SPEC §8) go to the leads
    this import has just created for them: one UPDATE for the chunk. The caller holds the
    e-mails' locks (`storage.signals.lock_emails`, exclusive)."""
    if not email_keys:
        return 0
    lead, signal = t.Lead.__table__.c, t.Signal.__table__.c
    new_lead = (
        select(lead.id)
        .where(lead.email_key == signal.email_key, lead.import_id == import_id)
        .where(lead.status.in_(OPEN_LEAD_STATUSES))
        .limit(1)
        .scalar_subquery()
    )
    result = session.execute(
        update(t.Signal)
        .where(_matching(session, signal.email_key, email_keys), signal.lead_id.is_(None))
        .where(signal.contact_id.is_(None))
        .values(lead_id=new_lead)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def leads_with_signals(session: Session, lead_ids: Sequence[int]) -> list[int]:
    """Which of these leads have signals (after ``attach_pending_signals``)."""
    found = session.scalars(
        select(t.Signal.lead_id).where(t.Signal.lead_id.in_(lead_ids)).distinct()
    )
    return [lead_id for lead_id in found if lead_id is not None]


def tag_names(session: Session, lead_ids: Sequence[int]) -> dict[int, set[str]]:
    result: dict[int, set[str]] = {i: set() for i in lead_ids}
    if not lead_ids:
        return result
    rows = session.execute(
        select(t.LeadTag.lead_id, t.Tag.name)
        .join(t.Tag, t.Tag.id == t.LeadTag.tag_id)
        .where(t.LeadTag.lead_id.in_(lead_ids))
    )
    for lead_id, name in rows:
        result[lead_id].add(name)
    return result


def remove_tags(session: Session, lead_id: int, names: Sequence[str]) -> None:
    if names:
        tag_ids = select(t.Tag.id).where(t.Tag.name.in_(names))
        session.execute(
            delete(t.LeadTag).where(t.LeadTag.lead_id == lead_id, t.LeadTag.tag_id.in_(tag_ids))
        )


def add_to_batch(session: Session, import_id: int, **counts: int) -> None:
    """Add to the counters of an import (rows_created=..., rows_rejected=...)."""
    columns = t.ImportBatch.__table__.c
    values = {name: columns[name] + count for name, count in counts.items()}
    session.execute(update(t.ImportBatch).where(t.ImportBatch.id == import_id).values(**values))


# --- undo -------------------------------------------------------------------------------------


def _worked_on(import_id: int, since: datetime) -> Any:
    """A lead someone has worked on since the import: edited after it, or a status change
    written by someone else than an import (live history) after it."""
    h = t.LeadStatusHistory
    live = (
        select(h.id)
        .where(h.lead_id == t.Lead.id, h.import_id.is_(None), h.changed_at > since)
        .exists()
    )
    return or_(t.Lead.updated_at > since, live)


def created_leads_worked_on(
    session: Session, import_id: int, since: datetime, limit: int
) -> tuple[list[tuple[int, str]], int]:
    """Leads created by an import that someone has worked on since: (id, status) of the first
    `limit`, and how many there are."""
    where = (t.Lead.import_id == import_id, _worked_on(import_id, since))
    count = session.execute(select(func.count()).select_from(t.Lead).where(*where)).scalar_one()
    rows = session.execute(select(t.Lead.id, t.Lead.status).where(*where).order_by(t.Lead.id))
    return [(i, s) for i, s in rows.fetchmany(limit)], int(count)


def delete_created_leads(session: Session, import_id: int, since: datetime) -> int:
    """Delete the leads an import created that nobody has worked on since (see _worked_on).
    Their history, tags and activities go with them (cascade)."""
    result = session.execute(
        delete(t.Lead)
        .where(t.Lead.import_id == import_id, ~_worked_on(import_id, since))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def import_changes(
    session: Session, import_id: int, actions: Sequence[str] = ("updated",)
) -> Iterator[t.ImportChange]:
    query = (
        select(t.ImportChange)
        .where(t.ImportChange.import_id == import_id, t.ImportChange.action.in_(actions))
        .order_by(t.ImportChange.id)
    )
    yield from session.scalars(query.execution_options(yield_per=500))


# --- reading --------------------------------------------------------------------------------


def row_errors(
    session: Session, import_id: int, *, after_id: int = 0, limit: int = 1000
) -> list[t.ImportRowError]:
    return list(
        session.scalars(
            select(t.ImportRowError)
            .where(t.ImportRowError.import_id == import_id, t.ImportRowError.id > after_id)
            .order_by(t.ImportRowError.id)
            .limit(limit)
        )
    )
