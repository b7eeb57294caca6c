"""First-response clocks (SPEC §7, §9): the hooks the lead, intake and opportunity services call
in their own transaction, and the SLA report. The worker's side is ``sla.tick``; the rules
(which rule, which deadline) are ``sla.rules``.

A clock is an ``sla_clock`` row; at most one runs per lead (or RFP opportunity), and the lead's
``first_response_due_at`` / ``first_response_at`` describe the latest one.

- **Assignment starts it** (SPEC §9): an owner given to an open lead that has no first response
  yet and matches a rule. Unassigned leads have no clock.
- **Reassignment restarts it**: the previous owner's clock stops (``reassigned``) and the new
  owner gets the rule's full delay from the reassignment. A deadline half spent by someone else
  would judge the new owner on time they never had; the stopped clock keeps its breach, if it
  had one, so reassigning a late lead does not hide that it was late (the report counts it on
  the owner who let it run out). Taking the owner away stops it (``unassigned``).
- **A response stops it**: the first outbound activity of a kind in ``sla.response_kinds``
  (``response``, with the activity). Inbound calls, notes and tasks do not.
- **A new request on a known lead starts a new one**: a second "talk to an expert" after the
  first was answered deserves a call too; while a clock runs, the new request replaces it only
  when it must be answered sooner (``superseded``).
- **Leaving the open statuses stops it** (``closed``): converted, disqualified.
- **An RFP's opportunity** gets a clock of its own with the rule matching form ``rfp``, when it
  has an owner at intake; won or lost stops it. Nothing can log an activity on an opportunity
  yet (no endpoint), so nothing answers it but ``on_response`` once one exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bascule.leads.model import CLOSED_STATUSES, LeadStatus
from bascule.playbook.schema import Playbook
from bascule.sla import conversion_overdue as overdue
from bascule.sla import report as sla_report
from bascule.sla import rules
from bascule.sla.calendar import BusinessCalendar
from bascule.sla.rules import Deadline, Request, StopReason
from bascule.storage import sla as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork

Subject = t.Lead | t.Opportunity


def calendar_of(playbook: Playbook) -> BusinessCalendar:
    return BusinessCalendar.of(playbook.calendar)


def request_of(lead: t.Lead) -> Request:
    return Request(lead.form_type, lead.source, lead.temperature)


def _is_open(lead: t.Lead) -> bool:
    return LeadStatus(lead.status) not in CLOSED_STATUSES


def _deadline(lead: t.Lead, now: datetime, playbook: Playbook) -> Deadline | None:
    return rules.deadline(playbook.sla, request_of(lead), start=now, calendar=calendar_of(playbook))


# --- leads ------------------------------------------------------------------------------------


def on_assigned(uow: UnitOfWork, lead: t.Lead, *, now: datetime, playbook: Playbook) -> None:
    """The lead was just given to ``lead.owner_id`` (or taken from its owner: None): start,
    restart or stop its first-response clock. Called in the assignment's transaction; calling
    it again with the same owner changes nothing."""
    running = _running(uow, lead)
    if running is not None:
        if running.owner_id == lead.owner_id:
            return
        if running.owner_id is None and lead.owner_id is not None:
            # Taken from the team's queue: the clock started against the team runs on, now
            # against its new owner (the deadline still counts from the lead's arrival).
            running.owner_id = lead.owner_id
            return
        reason = StopReason.UNASSIGNED if lead.owner_id is None else StopReason.REASSIGNED
        _stop(running, reason, at=now)
        lead.first_response_due_at = None
    if lead.owner_id is None or not _is_open(lead) or lead.first_response_at is not None:
        return
    found = _deadline(lead, now, playbook)
    if found is not None:
        _start(uow, lead, found)


def on_queued(uow: UnitOfWork, lead: t.Lead, *, now: datetime, playbook: Playbook) -> None:
    """A new lead nobody owns waits in its team's queue (``lead.team_id``): its clock starts
    now, against the team (no owner), so a breach alerts the team's manager (SPEC §18)."""
    if lead.owner_id is not None or lead.team_id is None or not _is_open(lead):
        return
    found = _deadline(lead, now, playbook)
    if found is not None:
        _start(uow, lead, found)


def on_request(uow: UnitOfWork, lead: t.Lead, *, now: datetime, playbook: Playbook) -> None:
    """A public form asked for contact (``lead.form_type`` is that form): an owned open lead
    waits for a response again, even if an earlier request was answered."""
    if lead.owner_id is None or not _is_open(lead):
        return
    found = _deadline(lead, now, playbook)
    if found is None:
        return
    running = _running(uow, lead)
    if running is not None:
        if running.owner_id == lead.owner_id and not rules.supersedes(found, running.due_at):
            return
        _stop(running, StopReason.SUPERSEDED, at=now)
    _start(uow, lead, found)
    lead.first_response_at = None


def on_response(
    uow: UnitOfWork, subject: Subject, activity: t.Activity, *, now: datetime, playbook: Playbook
) -> None:
    """An activity was logged on the lead (or an RFP's opportunity, once an endpoint logs
    activities there): the first outbound call, e-mail or meeting is its first response
    (SPEC §9) and stops the running clock."""
    if rules.is_response(activity.kind, activity.direction, playbook.sla):
        _answer(uow, subject, activity, now=now)


def on_closed(uow: UnitOfWork, subject: Subject, *, now: datetime) -> None:
    """The lead left the open statuses (converted, disqualified), or the opportunity was won or
    lost: nobody is waiting any more."""
    running = _running(uow, subject)
    if running is not None:
        _stop(running, StopReason.CLOSED, at=now)


# --- an RFP's opportunity ---------------------------------------------------------------------


def on_opportunity_created(
    uow: UnitOfWork, opp: t.Opportunity, *, form_type: str, now: datetime, playbook: Playbook
) -> None:
    """An opportunity born of a public form (an RFP): its owner owes the sender a response
    within the rule matching that form."""
    if opp.owner_id is None or opp.is_closed:
        return
    request = Request(form_type, opp.lead_source, None)
    found = rules.deadline(playbook.sla, request, start=now, calendar=calendar_of(playbook))
    if found is not None:
        _start(uow, opp, found)


def on_opportunity_assigned(
    uow: UnitOfWork, opp: t.Opportunity, *, now: datetime, playbook: Playbook
) -> None:
    """The opportunity changed owner: a running clock moves to the new owner, with the full
    delay of its rule (as for a lead)."""
    running = _running(uow, opp)
    if running is None or running.owner_id == opp.owner_id:
        return
    _stop(running, StopReason.UNASSIGNED if opp.owner_id is None else StopReason.REASSIGNED, at=now)
    opp.first_response_due_at = None
    rule = rules.rule_named(playbook.sla, running.rule)
    if opp.owner_id is None or rule is None or not playbook.sla.enabled:
        return
    calendar = calendar_of(playbook)
    due = calendar.add(now, rules.allowance(rule, calendar))
    _start(uow, opp, Deadline(rule.key, now, due))


# --- clocks -----------------------------------------------------------------------------------


def _running(uow: UnitOfWork, subject: Subject) -> t.SlaClock | None:
    # A running clock always set the deadline on its lead or opportunity (``_start``): with
    # none there is nothing to look up (bulk imports assign thousands of leads at a time).
    if subject.id is None or subject.first_response_due_at is None:
        return None
    if isinstance(subject, t.Lead):
        return store.running_clock(uow.session, lead_id=subject.id)
    return store.running_clock(uow.session, opportunity_id=subject.id)


def _start(uow: UnitOfWork, subject: Subject, deadline: Deadline) -> t.SlaClock:
    # Set before the flush a subject not yet written needs: its deadline rides on its INSERT
    # rather than on an UPDATE right after.
    subject.first_response_due_at = deadline.due_at
    if subject.id is None:
        uow.session.flush()
    is_lead = isinstance(subject, t.Lead)
    clock = t.SlaClock(
        lead_id=subject.id if is_lead else None,
        opportunity_id=None if is_lead else subject.id,
        rule=deadline.rule,
        owner_id=subject.owner_id,
        started_at=deadline.started_at,
        due_at=deadline.due_at,
    )
    uow.session.add(clock)
    return clock


def _stop(
    clock: t.SlaClock, reason: StopReason, *, at: datetime, activity_id: int | None = None
) -> None:
    clock.stopped_at = at
    clock.stopped_by = reason.value
    clock.activity_id = activity_id


def _answer(uow: UnitOfWork, subject: Subject, activity: t.Activity, *, now: datetime) -> None:
    running = _running(uow, subject)
    if running is None:
        # No clock (no rule, nobody assigned yet): the first response is still a fact, when
        # it happened as logged.
        if subject.first_response_at is None:
            subject.first_response_at = activity.occurred_at
        return
    if activity.id is None:
        uow.session.flush()
    at = rules.response_at(activity.occurred_at, started_at=running.started_at, now=now)
    _stop(running, StopReason.RESPONSE, at=at, activity_id=activity.id)
    subject.first_response_at = at


# --- the conversion clock (SPEC §4) ---------------------------------------------------------


def conversion_clock(lead: t.Lead) -> overdue.ConversionClock:
    """The lead's mandatory-conversion clock, as the pure rule ``sla.conversion_overdue`` sees
    it."""
    return overdue.ConversionClock(
        ready_since=lead.ready_since,
        due_at=lead.conversion_due_at,
        overdue=bool(lead.conversion_overdue),
        overdue_at=lead.conversion_overdue_at,
    )


def set_conversion_clock(lead: t.Lead, clock: overdue.ConversionClock) -> None:
    lead.ready_since = clock.ready_since
    lead.conversion_due_at = clock.due_at
    lead.conversion_overdue = clock.overdue
    lead.conversion_overdue_at = clock.overdue_at


def track_readiness(lead: t.Lead, *, playbook: Playbook, now: datetime) -> None:
    """Start the conversion clock when the lead has just become ready to convert (the lead
    service calls this once ``ready_to_convert`` is computed), stop it when it no longer is; a
    lead that stays ready keeps its deadline."""

    def deadline(ready_at: datetime) -> datetime:
        calendar = calendar_of(playbook)
        return overdue.deadline(ready_at, calendar=calendar, conversion=playbook.conversion)

    clock = overdue.after_qualification(
        conversion_clock(lead), ready=bool(lead.ready_to_convert), now=now, due_after=deadline
    )
    set_conversion_clock(lead, clock)


def stop_conversion_clock(lead: t.Lead) -> None:
    """Converted or disqualified: nothing is overdue any more."""
    set_conversion_clock(lead, overdue.STOPPED)


# --- the lead read model and the report -------------------------------------------------------


def status_of(lead: t.Lead, *, now: datetime, playbook: Playbook) -> str:
    """``sla_status`` of a lead: on_time, due_soon (an hour of business time left), breached,
    answered, or none (no deadline, or closed unanswered)."""
    return rules.status(
        due_at=lead.first_response_due_at,
        answered_at=lead.first_response_at,
        is_open=_is_open(lead),
        now=now,
        calendar=calendar_of(playbook),
    ).value


def report(
    uow: UnitOfWork,
    *,
    start: date,
    end: date,
    group_by: tuple[str, ...],
    now: datetime,
    playbook: Playbook,
    readable: Any = None,
) -> dict[str, Any]:
    """The SLA report (SPEC §10, §13) over the clocks started from ``start`` to ``end``
    (both included, days of the calendar's time zone), grouped by rule and/or owner; only the
    clocks ``readable`` (a condition on their owner) when given."""
    zone = ZoneInfo(playbook.calendar.timezone)
    since = datetime.combine(start, time(), zone)
    until = datetime.combine(end + timedelta(days=1), time(), zone)
    calendar = calendar_of(playbook)
    clocks = [
        sla_report.ClockFacts(*row)
        for row in store.clocks_started(uow.session, since, until, readable)
    ]
    lines, total = sla_report.summarize(
        clocks, group_by=group_by, now=now, elapsed=calendar.elapsed
    )
    if "owner" in group_by:
        names = store.user_names(uow.session, [n["owner_id"] for n in lines if n["owner_id"]])
        for line in lines:
            line["owner_name"] = names.get(line["owner_id"])
    return {
        "from": start,
        "to": end,
        "as_of": now,
        "group_by": list(group_by),
        "rows": lines,
        "total": total,
    }
