"""Portable SQL read models of the funnel, pipeline and loss-reason reports (SPEC §16).

Each function aggregates in the database (GROUP BY with conditional counts) and returns one
plain row per group: nothing here loads records one by one. The group key is computed in an
inner query and grouped on in the outer one, so the month buckets' bound parameters appear once
(PostgreSQL refuses a GROUP BY expression whose parameters differ from the SELECT's).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    literal,
    null,
    select,
    text,
    true,
)
from sqlalchemy.orm import QueryableAttribute, Session

from bascule.analytics.access import Readable
from bascule.analytics.metrics import STEP_RANK
from bascule.storage import tables as t
from bascule.storage.db import UTCDateTime

Bands = Sequence[tuple[int, int | None]]
# A column of a table or an expression: what a group key or a bucket is computed from.
Column = ColumnElement[Any] | QueryableAttribute[Any]


def _one(value: int | float) -> ColumnElement[Any]:
    return literal(value)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def sum_if(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.sum(case((condition, value), else_=None))


def rank_of(status: Column) -> ColumnElement[int]:
    return case({s: r for s, r in STEP_RANK.items() if r}, value=status, else_=0)


def buckets(column: Column, starts: Sequence[tuple[str, Any]]) -> ColumnElement[Any]:
    """The key of the bucket holding ``column``: buckets are ``(key, start)`` in order, each
    running to the next start (the rows are already limited to the period)."""
    if not starts:
        return null()
    whens = [(column < nxt, key) for (key, _), (_, nxt) in pairwise(starts)]
    last = literal(starts[-1][0])
    return case(*whens, else_=last) if whens else last


def instants(starts: Sequence[tuple[str, datetime]]) -> list[tuple[str, Any]]:
    """Month starts as bound parameters of the stored UTC type."""
    return [(key, literal(at, UTCDateTime())) for key, at in starts]


def segment(employees: Column, bands: Bands) -> ColumnElement[Any]:
    """The company-size band (``10-49``, ``250+``) of the playbook's scoring bands."""
    whens = [
        (
            employees.between(low, high) if high is not None else employees >= low,
            f"{low}-{high}" if high is not None else f"{low}+",
        )
        for low, high in bands
    ]
    return case(*whens, else_=null()) if whens else null()


def _where(*conditions: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [c for c in conditions if c is not None]


def _span(session: Session, column: Any, where: list[ColumnElement[bool]]) -> tuple[Any, Any]:
    """The smallest and largest ``column`` among the rows ``where`` keeps."""
    first, last = session.execute(select(func.min(column), func.max(column)).where(*where)).one()
    return first, last


# --- funnel -----------------------------------------------------------------------------------


def lead_span(
    session: Session, since: datetime, until: datetime, readable: Readable
) -> tuple[datetime | None, datetime | None]:
    """First and last creation in the cohort: the months worth a bucket."""
    lead = t.Lead
    return _span(
        session,
        lead.created_at,
        _where(lead.created_at >= since, lead.created_at < until, readable.leads),
    )


def funnel(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    key: Column,
    readable: Readable,
) -> list[dict[str, Any]]:
    """Per group of the cohort (leads created in [since, until)): leads, and those that reached
    mql, sql, converted (by history: the highest step of any status it held), and whose
    opportunity is won or lost now. ``key`` is an expression over the ``lead`` table."""
    lead, history, opp = t.Lead, t.LeadStatusHistory, t.Opportunity
    cohort = _where(lead.created_at >= since, lead.created_at < until, readable.leads)
    # One line per lead: a requalified or recycled lead holds mql twice, counts once. Only the
    # rows from or to mql and beyond can lift a lead past new and contacted, which no measure
    # tells apart: the partial index of those rows (FUNNEL_ROWS, the same text) is all this
    # reads of the history, in lead order, however many leads the cohort holds.
    steps = (
        select(
            history.lead_id,
            func.max(rank_of(history.to_status)).label("to_rank"),
            func.max(rank_of(history.from_status)).label("from_rank"),
        )
        .where(text(t.FUNNEL_ROWS))
        .group_by(history.lead_id)
        .subquery("steps")
    )
    higher = case((steps.c.to_rank >= steps.c.from_rank, steps.c.to_rank), else_=steps.c.from_rank)
    per_lead = (
        select(
            key.label("key"),
            func.coalesce(higher, 0).label("reached"),
            case((opp.is_won.is_(true()), 1), else_=0).label("won"),
            case((and_(opp.is_closed.is_(true()), opp.is_won.is_(false())), 1), else_=0).label(
                "lost"
            ),
        )
        .select_from(lead)
        .outerjoin(steps, steps.c.lead_id == lead.id)
        .outerjoin(opp, opp.id == lead.opportunity_id)
        .where(*cohort)
        .subquery("per_lead")
    )
    r = per_lead.c.reached
    converted = r >= STEP_RANK["converted"]
    query = select(
        per_lead.c.key,
        func.count().label("leads"),
        count_if(r >= STEP_RANK["mql"]).label("mql"),
        count_if(r >= STEP_RANK["sql"]).label("sql"),
        count_if(converted).label("opportunities"),
        count_if(and_(converted, per_lead.c.won == 1)).label("won"),
        count_if(and_(converted, per_lead.c.lost == 1)).label("lost"),
    ).group_by(per_lead.c.key)
    without_jit(session)
    return _dicts(session, query)


# --- pipeline and losses ----------------------------------------------------------------------


def open_span(
    session: Session, start: date, end: date, readable: Readable
) -> tuple[date | None, date | None]:
    return _span(session, t.Opportunity.expected_close_date, _open(start, end, readable))


def closed_span(
    session: Session, since: datetime, until: datetime, readable: Readable
) -> tuple[datetime | None, datetime | None]:
    return _span(session, t.Opportunity.closed_at, _closed(since, until, readable))


def _open(start: date, end: date, readable: Readable) -> list[ColumnElement[bool]]:
    opp = t.Opportunity
    return _where(
        opp.is_closed.is_(false()),
        opp.expected_close_date >= start,
        opp.expected_close_date <= end,
        readable.opportunities,
    )


def _closed(since: datetime, until: datetime, readable: Readable) -> list[ColumnElement[bool]]:
    opp = t.Opportunity
    return _where(
        opp.is_closed.is_(true()),
        opp.closed_at >= since,
        opp.closed_at < until,
        readable.opportunities,
    )


def pipeline_open(
    session: Session, *, start: date, end: date, key: Column, readable: Readable
) -> list[dict[str, Any]]:
    """Open opportunities expected to close from ``start`` to ``end`` (days, included)."""
    opp = t.Opportunity
    inner = (
        select(
            key.label("key"),
            opp.amount.label("amount"),
            (opp.amount * opp.probability).label("weighted"),
        )
        .where(*_open(start, end, readable))
        .subquery("open")
    )
    query = select(
        inner.c.key,
        func.count().label("open_count"),
        func.sum(inner.c.amount).label("open_amount"),
        (func.sum(inner.c.weighted) / _one(100)).label("weighted_amount"),
    ).group_by(inner.c.key)
    return _dicts(session, query)


def pipeline_closed(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    key: Column,
    readable: Readable,
) -> list[dict[str, Any]]:
    """Opportunities won or lost in [since, until): counts and amounts of each outcome."""
    opp = t.Opportunity
    inner = (
        select(key.label("key"), opp.amount.label("amount"), opp.is_won.label("is_won"))
        .where(*_closed(since, until, readable))
        .subquery("closed")
    )
    won = inner.c.is_won.is_(true())
    query = select(
        inner.c.key,
        count_if(won).label("won_count"),
        sum_if(won, inner.c.amount).label("won_amount"),
        count_if(~won).label("lost_count"),
        sum_if(~won, inner.c.amount).label("lost_amount"),
    ).group_by(inner.c.key)
    return _dicts(session, query)


def losses(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    key: Column,
    readable: Readable,
) -> list[dict[str, Any]]:
    """Closed opportunities of [since, until) per group, outcome and loss reason (``None``
    for won): ``count`` and ``amount``."""
    opp = t.Opportunity
    reason = case((opp.is_won.is_(true()), null()), else_=opp.loss_reason)
    inner = (
        select(key.label("key"), reason.label("reason"), opp.amount.label("amount"),
               opp.is_won.label("is_won"))
        .where(*_closed(since, until, readable))
        .subquery("closed")
    )  # fmt: skip
    query = select(
        inner.c.key,
        inner.c.is_won,
        inner.c.reason,
        func.count().label("count"),
        func.sum(inner.c.amount).label("amount"),
    ).group_by(inner.c.key, inner.c.is_won, inner.c.reason)
    return _dicts(session, query)


def user_names(session: Session, ids: Sequence[Any]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    query = select(t.User.id, t.User.name).where(t.User.id.in_(wanted))
    return {row[0]: row[1] for row in session.execute(query)}


def without_jit(session: Session) -> None:
    """PostgreSQL compiles a statement over a million rows to machine code first (JIT):
    0.3 to 1 s for a report's statement, measured, with no faster run to show for it. The
    reports' transaction does without (``SET LOCAL``: only until it ends)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _dicts(session: Session, query: Select[Any]) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(query)]
