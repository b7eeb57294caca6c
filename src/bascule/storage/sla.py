"""SLA clock queries: the running clock of a lead or opportunity, the worker's due rows, and the
report's rows. Like the repositories, these read and write; they never commit.

The worker's two reads go through the partial indexes of migration 0006 and nothing else:
``ix_sla_clock_due`` (``due_at`` of running clocks not yet breached) and
``ix_sla_clock_escalate`` (``escalate_at`` of running clocks not yet escalated). Their WHERE
clauses repeat the index predicates word for word: SQLite uses a partial index only when it can
see that the query implies its predicate, term by term. On PostgreSQL the rows are claimed
``FOR UPDATE SKIP LOCKED``: two workers (or a worker and ``bascule sla tick``) never take the
same clock, and a row updated by the other meanwhile is re-checked and dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, select, update
from sqlalchemy.orm import Session, aliased

from bascule.storage import tables as t

_clock = cast(Table, t.SlaClock.__table__)
# The partial indexes' predicates (tables.SlaClock.__table_args__), as query terms.
RUNNING_NOT_BREACHED = and_(_clock.c.stopped_at.is_(None), _clock.c.breached_at.is_(None))
RUNNING_NOT_ESCALATED = and_(_clock.c.stopped_at.is_(None), _clock.c.escalated_at.is_(None))
DUE_COLUMNS = (
    _clock.c.id,
    _clock.c.lead_id,
    _clock.c.opportunity_id,
    _clock.c.rule,
    _clock.c.owner_id,
    _clock.c.due_at,
    _clock.c.breached_at,
)


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def running_clock(
    session: Session, *, lead_id: int | None = None, opportunity_id: int | None = None
) -> t.SlaClock | None:
    """The running clock of a lead or an opportunity (at most one runs at a time). The caller
    holds the lead's or opportunity's row lock, which serialises changes to its clocks."""
    column = t.SlaClock.lead_id if lead_id is not None else t.SlaClock.opportunity_id
    query = (
        select(t.SlaClock)
        .where(column == (lead_id if lead_id is not None else opportunity_id))
        .where(t.SlaClock.stopped_at.is_(None))
        .order_by(t.SlaClock.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def due_query(now: datetime, limit: int) -> Any:
    """Running clocks past due and not yet breached, oldest deadline first."""
    return (
        select(*DUE_COLUMNS)
        .where(RUNNING_NOT_BREACHED, _clock.c.due_at <= now)
        .order_by(_clock.c.due_at)
        .limit(limit)
    )


def escalation_query(now: datetime, limit: int) -> Any:
    """Running clocks whose escalation is due and not yet sent."""
    return (
        select(*DUE_COLUMNS)
        .where(RUNNING_NOT_ESCALATED, _clock.c.escalate_at <= now)
        .order_by(_clock.c.escalate_at)
        .limit(limit)
    )


def _claim(session: Session, query: Any) -> list[Any]:
    if _is_pg(session):
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).all())


def claim_due(session: Session, now: datetime, limit: int) -> list[Any]:
    return _claim(session, due_query(now, limit))


def claim_escalations(session: Session, now: datetime, limit: int) -> list[Any]:
    return _claim(session, escalation_query(now, limit))


def mark_breached(
    session: Session, ids: Sequence[int], *, breached_at: datetime, escalate_at: datetime
) -> None:
    if ids:
        session.execute(
            update(_clock)
            .where(_clock.c.id.in_(ids))
            .values(breached_at=breached_at, escalate_at=escalate_at)
        )


def mark_escalated(session: Session, ids: Sequence[int], *, at: datetime) -> None:
    if ids:
        session.execute(update(_clock).where(_clock.c.id.in_(ids)).values(escalated_at=at))


def drop_escalation(session: Session, ids: Sequence[int]) -> None:
    """Nobody to escalate to: the clock leaves the escalation index without being stamped."""
    if ids:
        session.execute(update(_clock).where(_clock.c.id.in_(ids)).values(escalate_at=None))


def managers(
    session: Session, owner_ids: Iterable[int]
) -> dict[int, tuple[int | None, int | None]]:
    """{owner id: (their manager, their team's manager)}."""
    wanted = sorted(set(owner_ids))
    if not wanted:
        return {}
    team = aliased(t.Team)
    query = (
        select(t.User.id, t.User.manager_id, team.manager_id)
        .outerjoin(team, team.id == t.User.team_id)
        .where(t.User.id.in_(wanted))
    )
    return {row[0]: (row[1], row[2]) for row in session.execute(query)}


def queue_managers(session: Session, lead_ids: Iterable[int]) -> dict[int, int]:
    """{lead id: the manager of the team whose queue holds it} for leads nobody owns."""
    wanted = sorted(set(lead_ids))
    if not wanted:
        return {}
    query = (
        select(t.Lead.id, t.Team.manager_id)
        .join(t.Team, t.Team.id == t.Lead.team_id)
        .where(t.Lead.id.in_(wanted), t.Team.manager_id.is_not(None))
    )
    return {lead: manager for lead, manager in session.execute(query) if manager is not None}


def clocks_started(
    session: Session, start: datetime, end: datetime, readable: Any = None
) -> list[Any]:
    """The report's rows: every clock started in [start, end) (index on started_at), those
    ``readable`` (a condition on ``owner_id``, ``access.service.where_owner``) when given."""
    query = select(
        _clock.c.rule,
        _clock.c.owner_id,
        _clock.c.started_at,
        _clock.c.due_at,
        _clock.c.stopped_at,
        _clock.c.stopped_by,
        _clock.c.escalated_at,
    ).where(_clock.c.started_at >= start, _clock.c.started_at < end)
    if readable is not None:
        query = query.where(readable)
    return list(session.execute(query).all())


def user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(t.User.id, t.User.name).where(t.User.id.in_(wanted))
    return {row[0]: row[1] for row in session.execute(query)}
