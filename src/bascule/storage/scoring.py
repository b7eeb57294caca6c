"""Scoring queries: the leads of a batch with their score states, their recent signals, and
the states and scores written back.

Set-based, for batches of thousands of leads: one ``IN`` query per chunk of ids, one
statement for the states and one for the scores, never a query per lead. Lead rows are locked
``FOR NO KEY UPDATE`` on PostgreSQL (in id order): two batches scoring one lead take turns,
and the lock does not conflict with the key-share locks that inserting its signals takes. A
lead's state row (``lead_score_state``) is only written under its lead's lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bascule.storage import tables as t
from bascule.storage.signals import IN_CHUNK

_lead = cast(Table, t.Lead.__table__)
_state = cast(Table, t.LeadScoreState.__table__)
_signal = cast(Table, t.Signal.__table__)
_history = cast(Table, t.LeadStatusHistory.__table__)
STATE_COLUMNS = (
    _state.c.score.label("state_score"),
    _state.c.behaviour.label("state_behaviour"),
    _state.c.as_of.label("state_as_of"),
)
LEAD_COLUMNS = (
    _lead.c.id,
    _lead.c.status,
    _lead.c.owner_id,
    _lead.c.source,
    _lead.c.temperature,
    _lead.c.job_title,
    _lead.c.employees,
    _lead.c.sector,
    _lead.c.country,
    _lead.c.technology,
    _lead.c.score,
    _lead.c.score_explanation,
    *STATE_COLUMNS,
)
_WITH_STATE = _lead.outerjoin(_state, _state.c.lead_id == _lead.c.id)


class Stored(NamedTuple):
    """A lead's state row: the score it gave, each behaviour rule's points, their time."""

    score: int
    behaviour: dict[str, float]
    as_of: datetime | None


def stored_of(row: Any) -> Stored | None:
    """The state joined to a row of ``leads`` or ``lead_page`` (None: it has none)."""
    if row.state_score is None:
        return None
    return Stored(row.state_score, row.state_behaviour or {}, row.state_as_of)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    items = sorted(set(ids))
    return [items[i : i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]


def leads(session: Session, ids: Iterable[int], *, lock: bool) -> list[Any]:
    """The scoring columns of these leads, in id order, locked for the transaction."""
    found: list[Any] = []
    for chunk in _chunks(ids):
        query = (
            select(*LEAD_COLUMNS)
            .select_from(_WITH_STATE)
            .where(_lead.c.id.in_(chunk))
            .order_by(_lead.c.id)
        )
        if lock and _is_pg(session):
            query = query.with_for_update(key_share=True, of=_lead)
        found.extend(session.execute(query).all())
    return found


def lead_page(
    session: Session,
    *,
    after_id: int,
    limit: int,
    scored_only: bool,
    skip_locked: bool = False,
) -> list[Any]:
    """The next ``limit`` leads after ``after_id`` (keyset order), locked.

    ``skip_locked`` (PostgreSQL): leads another transaction is scoring right now are left out
    (that transaction writes them a current score anyway)."""
    query = select(*LEAD_COLUMNS).select_from(_WITH_STATE).where(_lead.c.id > after_id)
    if scored_only:
        query = query.where(_lead.c.score > 0)
    query = query.order_by(_lead.c.id).limit(limit)
    if _is_pg(session):
        query = query.with_for_update(key_share=True, skip_locked=skip_locked, of=_lead)
    return list(session.execute(query).all())


def count_leads(session: Session, *, scored_only: bool = False) -> int:
    query = select(func.count()).select_from(_lead)
    if scored_only:
        query = query.where(_lead.c.score > 0)
    return int(session.execute(query).scalar_one())


def signals_since(
    session: Session, lead_ids: Iterable[int], since: datetime
) -> list[tuple[int, str, datetime, str | None]]:
    """(lead id, type, occurred_at, form type) of these leads' signals since ``since``
    (ix_signal_lead_occurred); only the form type is read of the properties."""
    s = _signal.c
    form_type = s.properties["form_type"].as_string()
    found: list[tuple[int, str, datetime, str | None]] = []
    for chunk in _chunks(lead_ids):
        query = select(s.lead_id, s.type, s.occurred_at, form_type).where(
            s.lead_id.in_(chunk), s.occurred_at >= since
        )
        found.extend((r[0], r[1], r[2], r[3]) for r in session.execute(query))
    return found


def leads_with_workspace(session: Session, lead_ids: Iterable[int]) -> set[int]:
    """The leads among these that claimed a freemium workspace (signed up for a trial)."""
    s = _signal.c
    found: set[int] = set()
    for chunk in _chunks(lead_ids):
        query = select(s.lead_id).where(s.lead_id.in_(chunk), s.workspace.is_not(None)).distinct()
        found.update(session.execute(query).scalars())
    return found


def left_mql_by_hand(session: Session, lead_ids: Iterable[int]) -> set[int]:
    """The leads among these that a person once took out of ``mql``."""
    h = _history.c
    found: set[int] = set()
    for chunk in _chunks(lead_ids):
        query = (
            select(h.lead_id)
            .where(h.lead_id.in_(chunk), h.from_status == "mql", h.actor_user_id.is_not(None))
            .distinct()
        )
        found.update(session.execute(query).scalars())
    return found


_save_temperature = (
    update(_lead)
    .where(_lead.c.id == bindparam("b_id"))
    .values(temperature=bindparam("b_temperature"))
)


_PG_SAVE_SCORES = (
    "UPDATE lead SET score = v.score, score_explanation = CAST(v.explanation AS json) "
    "FROM unnest(%b::integer[], %b::integer[], %b::text[]) AS v(id, score, explanation) "
    "WHERE lead.id = v.id"
)


# Naive UTC, as ``UTCDateTime`` stores it (the statements below go straight to the driver).
# The arrays go in binary (%b): in text, the driver escapes each JSON text with a regular
# expression, which cost more than the statement itself.
_PG_SAVE_STATES = (
    "INSERT INTO lead_score_state (lead_id, score, behaviour, as_of) "
    "SELECT v.id, v.score, CAST(v.behaviour AS json), v.as_of "
    "FROM unnest(%b::integer[], %b::integer[], %b::text[], %b::timestamp[]) "
    "AS v(id, score, behaviour, as_of) "
    "ON CONFLICT (lead_id) DO UPDATE SET score = excluded.score, "
    "behaviour = excluded.behaviour, as_of = excluded.as_of"
)
_SQLITE_SAVE_STATES = (
    "INSERT INTO lead_score_state (lead_id, score, behaviour, as_of) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (lead_id) DO UPDATE SET score = excluded.score, "
    "behaviour = excluded.behaviour, as_of = excluded.as_of"
)


def _naive_utc(at: datetime | None) -> datetime | None:
    return None if at is None else at.astimezone(UTC).replace(tzinfo=None)


def save_states(session: Session, states: Sequence[tuple[int, int, str, datetime | None]]) -> None:
    """Write (lead id, score, behaviour as JSON text, as_of) into ``lead_score_state``,
    inserted or replaced: one statement for them all (SQLite: one executemany)."""
    if not states:
        return
    naive = [_naive_utc(as_of) for _, _, _, as_of in states]
    if _is_pg(session):
        ids = [lead_id for lead_id, _, _, _ in states]
        scores = [score for _, score, _, _ in states]
        texts = [text for _, _, text, _ in states]
        session.connection().exec_driver_sql(_PG_SAVE_STATES, (ids, scores, texts, naive))
    else:
        rows = [(i, score, text, at) for (i, score, text, _), at in zip(states, naive, strict=True)]
        session.connection().exec_driver_sql(_SQLITE_SAVE_STATES, rows)


def save(
    session: Session,
    scores: Sequence[tuple[int, int, str, list[Any] | None]],
    temperatures: Mapping[int, str | None],
) -> None:
    """Write (lead id, score, explanation as JSON text[, as a list]) and new temperatures:
    one executemany each.

    The scores go straight to the driver (thousands of rows a batch: the per-row work of a
    compiled statement would cost more than the database). Lead objects already loaded in
    the session get the same values, as if read back."""
    if scores and _is_pg(session):
        # One statement over three arrays: an executemany of thousands of UPDATEs is
        # thousands of statements for the server to plan and run, even pipelined.
        ids = [lead_id for lead_id, _, _, _ in scores]
        values = [score for _, score, _, _ in scores]
        texts = [text for _, _, text, _ in scores]
        session.connection().exec_driver_sql(_PG_SAVE_SCORES, (ids, values, texts))
    elif scores:
        sql = "UPDATE lead SET score = ?, score_explanation = ? WHERE id = ?"
        rows = [(score, text, lead_id) for lead_id, score, text, _ in scores]
        session.connection().exec_driver_sql(sql, rows)
    if temperatures:
        rows2 = [{"b_id": i, "b_temperature": v} for i, v in temperatures.items()]
        session.execute(_save_temperature, rows2, execution_options={"synchronize_session": False})
    if session.identity_map:
        for lead_id, score, text, explanation in scores:
            obj = session.identity_map.get(identity_key(t.Lead, lead_id))
            if obj is not None:
                set_committed_value(obj, "score", score)
                value = explanation if explanation is not None else json.loads(text)
                set_committed_value(obj, "score_explanation", value)
        for lead_id, temperature in temperatures.items():
            obj = session.identity_map.get(identity_key(t.Lead, lead_id))
            if obj is not None:
                set_committed_value(obj, "temperature", temperature)


def existing_alerts(session: Session, keys: Iterable[str]) -> set[str]:
    """The outbox idempotency keys among these that are taken already."""
    o = cast(Table, t.Outbox.__table__).c
    found: set[str] = set()
    items = list(keys)
    for start in range(0, len(items), IN_CHUNK):
        query = select(o.idempotency_key).where(
            o.idempotency_key.in_(items[start : start + IN_CHUNK])
        )
        found.update(session.execute(query).scalars())
    return found


def state_of_lead(
    session: Session, lead: t.Lead, *, lock: bool, read: bool
) -> tuple[bool, Stored | None]:
    """A lead in hand's state row, in one statement: (whether it was read, the row or None).
    ``lock``: the lead was loaded without a lock: on PostgreSQL the same statement locks it
    and reads its score again (SQLite's write transactions already hold the database).
    ``read``: the state is needed."""
    if lock and _is_pg(session):
        query = (
            select(_lead.c.score, _lead.c.score_explanation, *STATE_COLUMNS)
            .select_from(_WITH_STATE)
            .where(_lead.c.id == lead.id)
            .with_for_update(key_share=True, of=_lead)
        )
        row = session.execute(query).one()
        set_committed_value(lead, "score", row.score)
        set_committed_value(lead, "score_explanation", row.score_explanation)
        return True, stored_of(row)
    if not read:
        return False, None
    query = select(*STATE_COLUMNS).where(_state.c.lead_id == lead.id)
    found = session.execute(query).one_or_none()
    return True, stored_of(found) if found is not None else None


def lead_objects(session: Session, ids: Iterable[int]) -> dict[int, t.Lead]:
    """Lead objects (already locked by ``leads``), for the status change of a few of them."""
    found: dict[int, t.Lead] = {}
    for chunk in _chunks(ids):
        for lead in session.scalars(select(t.Lead).where(t.Lead.id.in_(chunk))):
            found[lead.id] = lead
    return found
