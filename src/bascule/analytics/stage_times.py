"""Portable SQL read model of the stage-time report (SPEC §16): stays in each lead status or
opportunity stage, from the history tables.

A *stay* starts at a history row that changed the status (rows that only record an assignment
or a signal keep it: same status before and after) and ends at the record's next such row;
the last stay of a record has not ended: the record is *in* that status now. Durations are
calendar hours. Medians and 90th percentiles are linear between the closest ranks: with
``percentile_cont`` on PostgreSQL, with ``ROW_NUMBER`` over the ordered durations on SQLite
(which has no percentile function); both give the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Subquery

from bascule.analytics.access import Readable
from bascule.analytics.queries import count_if, without_jit
from bascule.storage import tables as t
from bascule.storage.db import UTCDateTime

Pipeline = Literal["lead", "opportunity"]
PERCENTS = (50, 90)


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime
    now: datetime


def stays(pipeline: Pipeline, readable: Readable) -> Subquery:
    """``status``, ``entered_at``, ``left_at`` (None: still in it) and ``record_id`` (the
    lead or opportunity) of every stay."""
    parent: type[t.Lead] | type[t.Opportunity]
    if pipeline == "lead":
        h = t.LeadStatusHistory
        owner, status, before = h.lead_id, h.to_status, h.from_status
        parent, condition = t.Lead, readable.leads
    else:
        o = t.OpportunityStageHistory
        owner, status, before = o.opportunity_id, o.to_stage, o.from_stage
        parent, condition = t.Opportunity, readable.opportunities
    table = owner.class_
    following = func.lead(table.changed_at).over(
        partition_by=owner, order_by=(table.changed_at, table.id)
    )
    query = select(
        status.label("status"),
        table.changed_at.label("entered_at"),
        following.label("left_at"),
        owner.label("record_id"),
    ).where(or_(before.is_(None), before != status))
    if condition is not None:  # joined only when access narrows the records
        query = query.join(parent, parent.id == owner).where(condition)
    return query.subquery("stays")


def hours(stay: Subquery, is_sqlite: bool) -> ColumnElement[Any]:
    if is_sqlite:
        days = func.julianday(stay.c.left_at) - func.julianday(stay.c.entered_at)
        return days * 24.0
    # date_part is double precision, as percentile_cont wants it; extract would be numeric
    # (PostgreSQL 14 on), slower to compute and cast back for each of a million stays.
    return func.date_part("epoch", stay.c.left_at - stay.c.entered_at) / 3600.0


def _at(value: datetime) -> ColumnElement[Any]:
    return literal(value, UTCDateTime())


def stalled(s: Subquery, stall_after: Mapping[str, datetime]) -> ColumnElement[bool]:
    """A stay in a status since before ``stall_after[status]`` (the lists' ``stalled`` too)."""
    return or_(
        *(and_(s.c.status == key, s.c.entered_at < _at(at)) for key, at in stall_after.items())
    )


def counts(
    session: Session,
    *,
    pipeline: Pipeline,
    window: Window,
    stall_after: Mapping[str, datetime],
    readable: Readable,
    is_sqlite: bool,
) -> dict[str, dict[str, Any]]:
    """Per status: ``entered`` and ``left`` in the window, ``current`` and ``stalled`` now
    (in it since before ``stall_after[status]``; statuses without a threshold never stall).
    On PostgreSQL the same pass also gives the percentiles (``lo_50``, ``lo_90``, exact)."""
    s = stays(pipeline, readable)
    now_in = s.c.left_at.is_(None)
    ended = and_(s.c.left_at >= _at(window.since), s.c.left_at < _at(window.until))
    entered = and_(s.c.entered_at >= _at(window.since), s.c.entered_at < _at(window.until))
    stalled_ = stalled(s, stall_after)
    query = select(
        s.c.status,
        count_if(entered).label("entered"),
        count_if(ended).label("left"),
        count_if(now_in).label("current"),
        count_if(and_(now_in, stalled_) if stall_after else literal(False)).label("stalled"),
    ).group_by(s.c.status)
    if not is_sqlite:  # one pass over the stays: the percentiles of the ended ones too
        # Every percentile from one aggregate: the ended stays of a status are sorted once,
        # not once per percentile (the sort is most of this report's time at a million leads).
        fractions = postgresql.array([literal(p / 100) for p in PERCENTS])
        spent = hours(s, is_sqlite)
        query = query.add_columns(
            func.percentile_cont(fractions).within_group(spent).filter(ended).label("lo"),
            literal(True).label("exact"),
        )
    without_jit(session)
    found = {row.status: dict(row._mapping) for row in session.execute(query)}
    for row in found.values():
        values = row.pop("lo", None)
        if not is_sqlite:
            for p, value in zip(PERCENTS, values or [None] * len(PERCENTS), strict=True):
                row[f"lo_{p}"] = value
    return found


def ranked_percentiles(
    session: Session, *, pipeline: Pipeline, window: Window, readable: Readable
) -> dict[str, dict[str, Any]]:
    """SQLite, per status, over the stays that ended in the window: ``n`` and, for each
    percent p of ``PERCENTS``, the durations ``lo_p`` and ``hi_p`` around the percentile's
    position (for ``metrics.interpolate``)."""
    s = stays(pipeline, readable)
    ended = and_(s.c.left_at >= _at(window.since), s.c.left_at < _at(window.until))
    done = select(s.c.status, hours(s, True).label("hours")).where(ended).subquery("done")
    ranked = select(
        done.c.status,
        done.c.hours,
        (func.row_number().over(partition_by=done.c.status, order_by=done.c.hours) - 1).label("i"),
        func.count().over(partition_by=done.c.status).label("n"),
    ).subquery("ranked")
    columns = []
    for p in PERCENTS:
        low = (ranked.c.n - 1) * p // 100  # integer division: the exact index
        columns += [
            func.max(case((ranked.c.i == low, ranked.c.hours))).label(f"lo_{p}"),
            func.max(case((ranked.c.i == low + 1, ranked.c.hours))).label(f"hi_{p}"),
        ]
    query = select(ranked.c.status, ranked.c.n, *columns).group_by(ranked.c.status, ranked.c.n)
    return {row.status: dict(row._mapping) | {"exact": False} for row in session.execute(query)}
