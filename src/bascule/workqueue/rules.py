"""What a user's work queue holds, by role (pure): the sections, and the time left before a
first-response deadline in business hours."""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, datetime, timedelta
from enum import StrEnum

from bascule.sla.calendar import BusinessCalendar
from bascule.users.model import Role


class Section(StrEnum):
    MY_LEADS = "my_leads"  # open leads with a running first-response deadline, most urgent first
    READY = "ready_to_convert"  # qualified leads to convert, overdue conversions first
    CLOSING = "closing_this_month"  # my open opportunities expected to close this month
    UPSELL = "upsell_suggestions"  # customers' signals on the accounts I own
    TEAM = "team_queue"  # the urgent leads of the people I manage
    UNASSIGNED = "unassigned_leads"  # open leads nobody owns, oldest first
    ALERTS = "alerts"  # my unread alerts


BY_ROLE: dict[Role, tuple[Section, ...]] = {
    Role.SDR: (Section.MY_LEADS,),
    Role.SALES: (Section.READY, Section.MY_LEADS, Section.CLOSING),
    Role.ACCOUNT_MANAGER: (Section.UPSELL, Section.CLOSING, Section.MY_LEADS),
    Role.MARKETING: (Section.UNASSIGNED,),
    Role.SALES_OPS: (Section.TEAM, Section.UNASSIGNED),
    Role.ADMIN: (Section.TEAM, Section.UNASSIGNED),
}


def sections(
    role: Role | None, *, manages_others: bool, has_queue: bool = False
) -> tuple[Section, ...]:
    """A manager of any role also sees the team's queue and the unassigned leads; a member of
    a team sees its queue of leads nobody owns (SPEC §18); everyone ends with their alerts."""
    own = BY_ROLE.get(role, (Section.MY_LEADS,)) if role is not None else ()
    extra: tuple[Section, ...] = (Section.TEAM, Section.UNASSIGNED) if manages_others else ()
    if has_queue and not manages_others:
        extra = (Section.UNASSIGNED,)
    ordered = tuple(dict.fromkeys((*own, *extra, Section.ALERTS)))
    return ordered


def time_left(due_at: datetime, now: datetime, calendar: BusinessCalendar) -> timedelta:
    """Business time until the deadline; negative once it has passed (by how much)."""
    if due_at >= now:
        return calendar.elapsed(now, due_at)
    return -calendar.elapsed(due_at, now)


def month_of(today: date) -> tuple[date, date]:
    """The first and last day of ``today``'s month."""
    last = month_calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)
