"""The reports' definitions as conditions on one lead or one opportunity, for the lists behind
a report's numbers (SPEC §16: every number links to the records it counts).

A list filtered by these conditions holds exactly the records a report counted, because each
condition is built from the report's own pieces: the funnel's step ranks (``metrics.STEP_RANK``,
``queries.rank_of``), its size segments (``queries.segment``), the period's instants in the
company's zone (``metrics.period_instants``), the stage-time report's stays and stall rule
(``stage_times.stays``, ``stage_times.stalled``, ``stall_limits``). What a list asks is plain
data (``LeadFilters``, ``OpportunityFilters``, read from an address by ``leads.listing`` and
``opportunities.listing``); here it becomes SQL, for ``GET /api/v1/leads`` and ``/opportunities``
and the web lists alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true

from bascule.analytics import queries
from bascule.analytics import stage_times as stays
from bascule.analytics.access import EVERYTHING
from bascule.analytics.metrics import STEP_RANK, period_instants
from bascule.leads.vocabulary import OPEN_LEAD_STATUSES
from bascule.playbook.schema import Playbook
from bascule.storage import tables as t

NONE = "none"  # a group without a value: no owner, no campaign, no source, unknown size
Pipeline = Literal["lead", "opportunity"]


def stall_limits(pipeline: Pipeline, playbook: Playbook, now: datetime) -> dict[str, datetime]:
    """Per open status or stage: a stay begun before this instant has stalled (the playbook's
    ``[analytics]`` thresholds). Closed statuses and stages never stall."""
    keys = OPEN_LEAD_STATUSES if pipeline == "lead" else playbook.open_stage_keys
    return {
        key: now - timedelta(days=playbook.analytics.stall_after_days(pipeline, key))
        for key in keys
    }


def segment_keys(playbook: Playbook) -> tuple[str, ...]:
    """The funnel's size segments (``10-49``, ``250+``), as its rows' keys."""
    return tuple(
        f"{b.min}-{b.max}" if b.max is not None else f"{b.min}+" for b in playbook.scoring.employees
    )


def _in_stay_now(pipeline: Pipeline, limits: dict[str, datetime] | None) -> Any:
    """The ids of the records whose stay now (their last change of status or stage) has
    stalled; ``limits`` None: every record with a stay."""
    s = stays.stays(pipeline, EVERYTHING)
    where: list[ColumnElement[bool]] = [s.c.left_at.is_(None)]
    if limits is not None:
        where.append(stays.stalled(s, limits) if limits else false())
    return select(s.c.record_id).where(*where)


def _stalled(pipeline: Pipeline, id_: Any, flag: bool, playbook: Playbook, now: datetime) -> Any:
    found = id_.in_(_in_stay_now(pipeline, stall_limits(pipeline, playbook, now)))
    return found if flag else not_(found)


def _text(column: Any, value: str | None) -> ColumnElement[bool] | None:
    if value is None:
        return None
    found: ColumnElement[bool] = column.is_(None) if value == NONE else column == value
    return found


def _among(column: Any, values: Sequence[str]) -> ColumnElement[bool] | None:
    if not values:
        return None
    known = [v for v in values if v != NONE]
    either = [column.in_(known)] if known else []
    if NONE in values:
        either.append(column.is_(None))
    return or_(*either)


def _days(column: Any, first: date | None, last: date | None, zone: str) -> list[Any]:
    """``column`` (an instant) on days ``first`` to ``last`` of the company's calendar."""
    out = []
    if first is not None:
        out.append(column >= period_instants(first, first, zone)[0])
    if last is not None:
        out.append(column < period_instants(last, last, zone)[1])
    return out


# --- leads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadFilters:
    """The report filters of the lead list (the others are ``storage``'s ``LeadFilter``).

    ``reached``: a funnel step (new, contacted, mql, sql, converted) the lead's history holds,
    or a later one; ``outcome``: won or lost, the funnel's outcome of a converted lead (its
    opportunity won, or closed and not won); ``segment``: a funnel size segment or ``none``;
    ``stalled``: in its status now for longer than the stage-time report's threshold.
    ``source``: set only when it holds ``none`` (no source), which storage's own filter cannot
    say."""

    unowned: bool = False
    source: tuple[str, ...] = ()
    campaign: str | None = None
    segment: str | None = None
    employees_min: int | None = None
    employees_max: int | None = None
    reached: str | None = None
    outcome: str | None = None
    stalled: bool | None = None


def reached(step: str) -> ColumnElement[bool]:
    """The lead's history holds ``step`` or a later one of the funnel's order: one of its rows
    went from or to a status of that rank or above (the funnel's highest rank per lead)."""
    rank = STEP_RANK[step]
    if rank == 0:
        return true()
    h = t.LeadStatusHistory
    # The statuses of that rank or above (``rank_of`` of the others is below): a plain IN,
    # which the database compares without computing a rank per row.
    steps = [status for status, r in STEP_RANK.items() if r >= rank]
    held = select(h.lead_id).where(or_(h.to_status.in_(steps), h.from_status.in_(steps)))
    return t.Lead.id.in_(held)


def outcome(kind: str) -> ColumnElement[bool]:
    """The funnel's won and lost: a converted lead whose opportunity is won now, or closed and
    not won."""
    opp = t.Opportunity
    if kind == "won":
        end = select(opp.id).where(opp.is_won.is_(true()))
    else:
        end = select(opp.id).where(opp.is_closed.is_(true()), opp.is_won.is_(false()))
    return and_(reached("converted"), t.Lead.opportunity_id.in_(end))


def lead_conditions(f: LeadFilters, *, playbook: Playbook, now: datetime) -> list[Any]:
    lead = t.Lead
    where: list[Any] = []
    if f.unowned:
        where.append(lead.owner_id.is_(None))
    where.append(_among(lead.source, f.source))
    where.append(_text(lead.campaign, f.campaign))
    if f.segment is not None:
        bands = [(b.min, b.max) for b in playbook.scoring.employees]
        key = queries.segment(lead.employees, bands)
        where.append(key.is_(None) if f.segment == NONE else key == f.segment)
    if f.employees_min is not None:
        where.append(lead.employees >= f.employees_min)
    if f.employees_max is not None:
        where.append(lead.employees <= f.employees_max)
    if f.reached is not None:
        where.append(reached(f.reached))
    if f.outcome is not None:
        where.append(outcome(f.outcome))
    if f.stalled is not None:
        where.append(_stalled("lead", lead.id, f.stalled, playbook, now))
    return [w for w in where if w is not None]


# --- opportunities ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpportunityFilters:
    """What the opportunity list asks (``opportunities.listing`` reads it from an address).

    ``state``: open, won, lost or all (the pipeline report's open and closed sides);
    ``expected_close_*``: days, both included; ``closed_*``: days of the company's calendar,
    both included (the reports' periods); ``stalled``: in its stage now for longer than the
    stage-time report's threshold. ``owner`` and ``source`` ``none``: without one."""

    account_id: int | None = None
    owner_id: int | None = None
    unowned: bool = False
    stage: tuple[str, ...] = ()
    type: str | None = None
    source: tuple[str, ...] = ()
    state: str = "all"
    is_closed: bool | None = None
    expected_close_from: date | None = None
    expected_close_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    loss_reason: str | None = None
    stalled: bool | None = None


def opportunity_conditions(
    f: OpportunityFilters, *, playbook: Playbook, now: datetime
) -> list[Any]:
    opp = t.Opportunity
    where: list[Any] = []
    if f.account_id is not None:
        where.append(opp.account_id == f.account_id)
    if f.owner_id is not None:
        where.append(opp.owner_id == f.owner_id)
    if f.unowned:
        where.append(opp.owner_id.is_(None))
    if f.stage:
        where.append(opp.stage.in_(f.stage))
    if f.type is not None:
        where.append(opp.type == f.type)
    where.append(_among(opp.lead_source, f.source))
    if f.state == "open":
        where.append(opp.is_closed.is_(false()))
    elif f.state in ("won", "lost"):
        where += [opp.is_closed.is_(true()), opp.is_won.is_(f.state == "won")]
    if f.is_closed is not None:
        where.append(opp.is_closed.is_(f.is_closed))
    if f.expected_close_from is not None:
        where.append(opp.expected_close_date >= f.expected_close_from)
    if f.expected_close_to is not None:
        where.append(opp.expected_close_date <= f.expected_close_to)
    where += _days(opp.closed_at, f.closed_from, f.closed_to, playbook.calendar.timezone)
    where.append(_text(opp.loss_reason, f.loss_reason))
    if f.stalled is not None:
        where.append(_stalled("opportunity", opp.id, f.stalled, playbook, now))
    return [w for w in where if w is not None]
