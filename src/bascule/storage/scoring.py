"""Scoring queries: the leads of a batch, their recent signals, and the scores written back.

Set-based, for batches of thousands of leads: one ``IN`` query per chunk of ids, one
``executemany`` for the scores, never a query per lead. Lead rows are locked ``FOR NO KEY
UPDATE`` on PostgreSQL (in id order): two batches scoring one lead take turns, and the lock
does not conflict with the key-share locks that inserting its signals takes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bascule.storage import tables as t
from bascule.storage.signals import IN_CHUNK

_lead = cast(Table, t.Lead.__table__)
_signal = cast(Table, t.Signal.__table__)
_history = cast(Table, t.LeadStatusHistory.__table__)
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
)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    items = sorted(set(ids))
    return [items[i : i + IN_CHUNK] for i in range(0, len(items), IN_CHUNK)]


def leads(session: Session, ids: Iterable[int], *, lock: bool) -> list[Any]:
    """The scoring columns of these leads, in id order, locked for the transaction."""
    found: list[Any] = []
    for chunk in _chunks(ids):
        query = select(*LEAD_COLUMNS).where(_lead.c.id.in_(chunk)).order_by(_lead.c.id)
        if lock and _is_pg(session):
            query = query.with_for_update(key_share=True)
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
    query = select(*LEAD_COLUMNS).where(_lead.c.id > after_id)
    if scored_only:
        query = query.where(_lead.c.score > 0)
    query = query.order_by(_lead.c.id).limit(limit)
    if _is_pg(session):
        query = query.with_for_update(key_share=True, skip_locked=skip_locked)
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
    "FROM unnest(%s::integer[], %s::integer[], %s::text[]) AS v(id, score, explanation) "
    "WHERE lead.id = v.id"
)


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


def lock(session: Session, lead: t.Lead) -> None:
    """Lock a lead loaded without a lock and re-read its score (PostgreSQL; SQLite's write
    transactions already hold the database)."""
    if _is_pg(session):
        session.refresh(lead, ["score", "score_explanation"], with_for_update={"key_share": True})


def lead_objects(session: Session, ids: Iterable[int]) -> dict[int, t.Lead]:
    """Lead objects (already locked by ``leads``), for the status change of a few of them."""
    found: dict[int, t.Lead] = {}
    for chunk in _chunks(ids):
        for lead in session.scalars(select(t.Lead).where(t.Lead.id.in_(chunk))):
            found[lead.id] = lead
    return found
