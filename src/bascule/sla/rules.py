"""First-response SLA rules (SPEC §7, §9), pure: which rule a lead falls under, its deadline in
business time, what counts as a response, and what the worker does when a deadline passes.

The playbook's ``sla`` section, a ``BusinessCalendar`` and ``now`` are passed in: nothing here
reads a clock, a file or a database, so the same functions decide live and in reports.

- A rule matches when every condition it gives matches (``form_types``: the form that asked
  for contact; ``sources``; ``temperatures``); the first matching rule wins; no rule, no clock.
- The deadline is the rule's business time after the clock starts (the assignment).
- A response is an outbound activity of a kind in ``sla.response_kinds`` (SPEC §9: call,
  e-mail, meeting), whatever its outcome: a call nobody picked up is still a response.
- A breach alerts the owner; the escalation to the manager comes
  ``escalate_after_business_hours`` of business time after that alert, so an owner told on
  Friday evening has Monday morning to react before the manager hears of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bascule.playbook.sla import Sla, SlaRule
from bascule.sla.calendar import BusinessCalendar

# A running clock with at most this much business time left is "due soon" on the lead.
DUE_SOON = timedelta(hours=1)


class StopReason(StrEnum):
    """Why a clock stopped (``sla_clock.stopped_by``)."""

    RESPONSE = "response"  # the first outbound call, e-mail or meeting
    REASSIGNED = "reassigned"  # another owner took the lead: they get a clock of their own
    UNASSIGNED = "unassigned"  # nobody owns the lead any more
    CLOSED = "closed"  # converted, disqualified; an opportunity won or lost
    SUPERSEDED = "superseded"  # a new request with an earlier deadline replaced it


class SlaStatus(StrEnum):
    """Where a lead stands against its first-response deadline (the lead read model)."""

    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    ANSWERED = "answered"
    NONE = "none"


@dataclass(frozen=True)
class Request:
    """What a rule looks at: the form that asked for contact, the source, the temperature."""

    form_type: str | None
    source: str | None
    temperature: str | None


@dataclass(frozen=True)
class Deadline:
    rule: str
    started_at: datetime
    due_at: datetime


def matches(rule: SlaRule, request: Request) -> bool:
    """Every condition the rule gives holds; a condition left empty holds for everyone."""
    return (
        (not rule.form_types or request.form_type in rule.form_types)
        and (not rule.sources or request.source in rule.sources)
        and (not rule.temperatures or request.temperature in rule.temperatures)
    )


def rule_for(sla: Sla, request: Request) -> SlaRule | None:
    """The first rule the request matches; None when SLAs are off or no rule matches."""
    if not sla.enabled:
        return None
    return next((rule for rule in sla.rules if matches(rule, request)), None)


def rule_named(sla: Sla, key: str) -> SlaRule | None:
    return next((rule for rule in sla.rules if rule.key == key), None)


def allowance(rule: SlaRule, calendar: BusinessCalendar) -> timedelta:
    """The rule's business time (one business day: the calendar's full working day)."""
    return calendar.business_duration(hours=rule.business_hours, days=rule.business_days)


def deadline(
    sla: Sla, request: Request, *, start: datetime, calendar: BusinessCalendar
) -> Deadline | None:
    """The clock a request gets when it is assigned at ``start``; None: no SLA applies."""
    rule = rule_for(sla, request)
    if rule is None:
        return None
    return Deadline(rule.key, start, calendar.add(start, allowance(rule, calendar)))


def is_response(kind: str, direction: str | None, sla: Sla) -> bool:
    return direction == "out" and kind in sla.response_kinds


def response_at(occurred_at: datetime, *, started_at: datetime, now: datetime) -> datetime:
    """When a response stops the clock: when the activity happened as logged, kept between
    the clock's start (a call logged as made before the request cannot answer it early) and
    now (a call in the future has not happened)."""
    return min(max(occurred_at, started_at), max(now, started_at))


def is_due(due_at: datetime, now: datetime) -> bool:
    return due_at <= now


def supersedes(new: Deadline, running_due_at: datetime) -> bool:
    """A new request replaces the running clock only when it must be answered sooner (a
    "talk to an expert" arriving while a demo request waits): a later request never buys
    the owner time."""
    return new.due_at < running_due_at


def escalation_at(breached_at: datetime, sla: Sla, calendar: BusinessCalendar) -> datetime:
    """When the manager hears of a breach the owner was told of at ``breached_at``."""
    delay = calendar.business_duration(hours=sla.escalate_after_business_hours)
    return calendar.add(breached_at, delay) if delay > timedelta(0) else breached_at


def escalation_recipient(
    owner_id: int | None, *, manager_id: int | None, team_manager_id: int | None
) -> int | None:
    """The owner's manager, else the manager of the owner's team; nobody when that is the
    owner (a team manager's own breach has no one above it in the team)."""
    if owner_id is None:
        return None
    manager = manager_id if manager_id is not None else team_manager_id
    return manager if manager != owner_id else None


def status(
    *,
    due_at: datetime | None,
    answered_at: datetime | None,
    is_open: bool,
    now: datetime,
    calendar: BusinessCalendar,
    due_soon: timedelta = DUE_SOON,
) -> SlaStatus:
    """The lead's SLA status from its deadline and first response (business time left)."""
    if answered_at is not None and due_at is not None:
        return SlaStatus.ANSWERED
    if due_at is None or not is_open:
        return SlaStatus.NONE
    if is_due(due_at, now):
        return SlaStatus.BREACHED
    if calendar.elapsed(now, due_at) <= due_soon:
        return SlaStatus.DUE_SOON
    return SlaStatus.ON_TIME
