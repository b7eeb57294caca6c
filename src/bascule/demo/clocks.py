"""What the SLA rules make of a demo lead's life (SPEC §4, §9), replayed with the product's own
rules and business calendar (``bascule.sla``). Pure.

From the generated history and activities: the lead's owners in turn (the ``assignment``
history rows ``leads.assignment`` writes), its first-response clocks as the SLA hooks
(``sla.service``) and the worker's tick (``sla.tick``) would have left them, its count of
failed attempts (``sla.attempts``), and its mandatory-conversion deadline and flag
(``sla.conversion_overdue``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bascule.demo.records import Assignment, DemoActivity, DemoClock, Overdue, Step
from bascule.leads.model import CLOSED_STATUSES, LeadStatus
from bascule.playbook.schema import Conversion
from bascule.playbook.sla import Sla, SlaRule
from bascule.sla import attempts, rules
from bascule.sla import conversion_overdue as overdue
from bascule.sla.calendar import BusinessCalendar
from bascule.sla.rules import StopReason

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How often the worker runs each job (bascule.worker): SLA every minute, conversion every 5.
SLA_TICK = timedelta(minutes=1)
CONVERSION_TICK = timedelta(minutes=5)
# What routing answers when the playbook has no rule for a lead (routing.rules.decide).
NO_ROUTING_RULE = "no routing rule matches; no fallback owner"


def _closed(status: str) -> bool:
    return LeadStatus(status) in CLOSED_STATUSES


def next_tick(at: datetime, every: timedelta) -> datetime:
    """The first run of a periodic job at or after ``at`` (runs on whole periods)."""
    late = (at - _EPOCH) % every
    return at if not late else at + (every - late)


class Statuses:
    """The lead's status at any moment, from its history (steps in time order)."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.times = [s.at for s in steps]

    def before(self, at: datetime) -> str:
        """Before the changes made at ``at`` (what an activity logged then finds)."""
        return self.steps[max(bisect_left(self.times, at) - 1, 0)].to_status

    def after(self, at: datetime) -> str:
        """Once the changes made at ``at`` are in (what an assignment made then keeps)."""
        return self.steps[max(bisect_right(self.times, at) - 1, 0)].to_status


# --- owners -----------------------------------------------------------------------------------


class Owners:
    """The lead's owners in turn: the SDR soon after it arrived (kept by the SDR who created
    it, given by the marketer who imported it or by sales ops for a form: the playbook routes
    none of them), the seller from the SQL on, marketing when a person hands it back (the
    failed-attempts rule changes nobody)."""

    def __init__(self, *, marketer: str, dispatcher: str, names: Mapping[str, str]) -> None:
        self.marketer = marketer
        self.dispatcher = dispatcher
        self.names = names
        self._reasons: dict[tuple[str, str], str] = {}

    def chain(
        self, steps: list[Step], *, sdr: str, sales: str, first_at: datetime
    ) -> list[Assignment]:
        giver = steps[0].actor or self.dispatcher
        status = steps[0].to_status  # once the changes made by then are in
        for step in steps:
            if step.at > first_at:
                break
            status = step.to_status
        if giver == sdr:  # the SDR who created it keeps it (as leads.assignment.assign_new)
            reason = f"{self.names[giver]} keeps it: {NO_ROUTING_RULE}"
        else:
            reason = self._reason(sdr, giver)
        chain = [Assignment(first_at, sdr, giver, reason, status)]
        for step in steps[1:]:
            if step.to_status == "sql":
                owner, actor = sales, chain[-1].owner
            elif step.actor is not None and (
                step.kind in ("recycling", "requalification") or step.actor == self.marketer
            ):
                owner, actor = self.marketer, step.actor
            else:
                continue
            before = chain[-1].owner
            if owner != before and step.at >= chain[-1].at:
                reason = self._reason(owner, actor)
                chain.append(Assignment(step.at, owner, actor, reason, step.to_status, before))
        return chain

    def _reason(self, owner: str, actor: str) -> str:
        """What ``leads.assignment`` writes when a person gives the lead to someone."""
        found = self._reasons.get((owner, actor))
        if found is None:
            found = self._reasons[(owner, actor)] = f"given to {owner} by {self.names[actor]}"
        return found


# --- first-response clocks ----------------------------------------------------------------------


@dataclass(frozen=True)
class FirstResponse:
    """The lead's clocks and what they leave on it."""

    clocks: list[DemoClock]
    due_at: datetime | None  # first_response_due_at
    answered_at: datetime | None  # first_response_at


def first_response(
    *,
    rule: SlaRule | None,
    owners: list[Assignment],
    steps: list[Step],
    activities: list[DemoActivity],
    sla: Sla,
    calendar: BusinessCalendar,
    now: datetime,
    manager_of: Callable[[str], str | None],
) -> FirstResponse:
    """Replay the SLA hooks over the lead's life: an assignment of the open, unanswered lead
    starts a clock for the new owner (stopping the previous owner's: ``reassigned``), the first
    outbound call, e-mail or meeting stops it (``response``), converting or disqualifying the
    lead stops it (``closed``); then the worker's tick stamps the breaches and escalations."""
    response = min(
        (a for a in activities if rules.is_response(a.kind, a.direction, sla)),
        key=lambda a: a.occurred_at,
        default=None,
    )
    if rule is None or not owners:  # no clock: the first response is a fact all the same
        return FirstResponse([], None, response.occurred_at if response else None)
    # (when, order at one instant: status changes, then owners, then the response, what)
    events: list[tuple[datetime, int, object]] = [(s.at, 0, s) for s in steps[1:]]
    events += [(a.at, 1, a) for a in owners]
    if response is not None:
        events.append((response.occurred_at, 2, response))
    events.sort(key=lambda e: (e[0], e[1]))
    clocks: list[DemoClock] = []
    running: DemoClock | None = None
    is_open, due_at, answered_at = True, None, None
    allowance = rules.allowance(rule, calendar)
    for at, _, event in events:
        if isinstance(event, Step):
            is_open = not _closed(event.to_status)
            if running is not None and not is_open:
                _stop(running, StopReason.CLOSED, at)
                running = None
        elif isinstance(event, Assignment):
            if running is not None and running.owner != event.owner:
                _stop(running, StopReason.REASSIGNED, at)
                running, due_at = None, None
            if running is None and is_open and answered_at is None:
                running = DemoClock(rule.key, event.owner, at, calendar.add(at, allowance))
                clocks.append(running)
                due_at = running.due_at
        elif isinstance(event, DemoActivity):
            if running is None:
                answered_at = event.occurred_at
            else:
                answered_at = rules.response_at(at, started_at=running.started_at, now=now)
                _stop(running, StopReason.RESPONSE, answered_at)
                running.activity_ref = event.ref
                running = None
    for clock in clocks:
        _stamp(clock, sla=sla, calendar=calendar, now=now, manager_of=manager_of)
    return FirstResponse(clocks, due_at, answered_at)


def _stop(clock: DemoClock, reason: StopReason, at: datetime) -> None:
    clock.stopped_at, clock.stopped_by = at, reason.value


def _stamp(
    clock: DemoClock,
    *,
    sla: Sla,
    calendar: BusinessCalendar,
    now: datetime,
    manager_of: Callable[[str], str | None],
) -> None:
    """What the worker's tick wrote while the clock ran: ``breached_at`` at the first tick
    past its deadline, ``escalate_at`` the playbook's business time later, ``escalated_at`` at
    the tick after that (still running then, and someone above the owner); nothing yet for
    what falls due after ``now``."""

    def ticked(at: datetime) -> bool:
        return at <= now and (clock.stopped_at is None or at < clock.stopped_at)

    breached = next_tick(clock.due_at, SLA_TICK)
    if not ticked(breached):
        return
    clock.breached_at = breached
    clock.escalate_at = rules.escalation_at(breached, sla, calendar)
    escalated = next_tick(clock.escalate_at, SLA_TICK)
    if not ticked(escalated):
        return
    manager = manager_of(clock.owner)
    if manager is None or manager == clock.owner:
        clock.escalate_at = None  # nobody above the owner: the tick clears it
    else:
        clock.escalated_at = escalated


# --- failed attempts ----------------------------------------------------------------------------


def failed_attempts(activities: list[DemoActivity], steps: list[Step], sla: Sla) -> int:
    """The lead's count of failed attempts in a row after its activities, each judged in
    turn with the lead's status when it was logged (``sla.followup.after_activity``)."""
    failed = sla.failed_outcomes
    if not sla.enabled or not any([a.outcome in failed for a in activities]):
        return 0  # every count starts with a failure
    statuses = Statuses(steps)
    count = 0
    for activity in sorted(activities, key=lambda a: a.occurred_at):
        count = attempts.judge(
            count,
            kind=activity.kind,
            direction=activity.direction,
            outcome=activity.outcome,
            status=statuses.before(activity.occurred_at),
            sla=sla,
        ).failed_attempts
    return count


# --- mandatory conversion -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConversionDeadline:
    ready_since: datetime
    due_at: datetime
    overdue: Overdue | None


def conversion_deadline(
    ready_at: datetime,
    steps: list[Step],
    *,
    calendar: BusinessCalendar,
    conversion: Conversion,
    now: datetime,
) -> ConversionDeadline:
    """The deadline of an open lead ready to convert since ``ready_at``, and the worker's
    flag once it passed (at the conversion tick after it)."""
    due = overdue.deadline(ready_at, calendar=calendar, conversion=conversion)
    flagged = next_tick(due, CONVERSION_TICK)
    if flagged > now:
        return ConversionDeadline(ready_at, due, None)
    # The reason sla.followup.flag_overdue writes.
    reason = f"ready to convert since {_iso(ready_at)}, not converted by {_iso(due)}"
    return ConversionDeadline(
        ready_at, due, Overdue(flagged, Statuses(steps).after(flagged), reason)
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()
