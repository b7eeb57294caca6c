"""Mandatory conversion (SPEC §4): once a lead is ready to convert, creating the opportunity is
mandatory; past the playbook's delay (``conversion.overdue_after_business_days``, default 2,
counted in business time on the playbook's calendar) the lead is flagged ``conversion_overdue``
and its owner and the owner's manager are alerted.

Pure: the lead's clock, the calendar and ``now`` in, the new clock out. ``sla.followup`` keeps
the clock on the lead (``ready_since``, ``conversion_due_at``, ``conversion_overdue``,
``conversion_overdue_at``) and runs the worker's tick.

- The clock starts when the lead becomes ready to convert and keeps running while it stays
  ready, whatever else is edited (a later answer does not buy time).
- It stops, flag included, when the lead is no longer ready, or is converted or disqualified.
  Becoming ready again starts a new clock (and a later flag alerts again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bascule.playbook.schema import Conversion
from bascule.sla.calendar import BusinessCalendar

RULE = "conversion_deadline"
Role = Literal["owner", "manager"]


@dataclass(frozen=True)
class ConversionClock:
    ready_since: datetime | None = None
    due_at: datetime | None = None
    overdue: bool = False
    overdue_at: datetime | None = None


STOPPED = ConversionClock()


def deadline(ready_at: datetime, *, calendar: BusinessCalendar, conversion: Conversion) -> datetime:
    """When a lead ready at ``ready_at`` becomes overdue: that many business days later (one
    business day is the calendar's full working day, 9 h by default: SPEC §9)."""
    delay = calendar.business_duration(days=conversion.overdue_after_business_days)
    return calendar.add(ready_at, delay).astimezone(UTC)


def after_qualification(
    clock: ConversionClock,
    *,
    ready: bool,
    now: datetime,
    due_after: Callable[[datetime], datetime],
) -> ConversionClock:
    """The clock once the qualification says whether the lead is ``ready`` to convert;
    ``due_after(ready_at)`` (``deadline`` with the playbook's calendar) is called only when a
    clock starts."""
    if not ready:
        return STOPPED
    if clock.ready_since is not None:
        return clock
    return ConversionClock(ready_since=now, due_at=due_after(now))


def recipients(
    owner_id: int | None, *, manager_id: int | None, team_manager_id: int | None
) -> list[tuple[Role, int | None]]:
    """Who is alerted: the owner, then the owner's manager (else the manager of the owner's
    team). A manager who owns the lead is told once. A lead nobody owns still raises the
    owner's alert, unaddressed: delivery gives it to whoever owns the lead by then."""
    told: list[tuple[Role, int | None]] = [("owner", owner_id)]
    if owner_id is None:
        return told
    manager = manager_id if manager_id is not None else team_manager_id
    if manager is not None and manager != owner_id:
        told.append(("manager", manager))
    return told


def alert_key(lead_id: int, due_at: datetime, role: Role) -> str:
    """One alert per lead, deadline and recipient: a second tick writes nothing, a lead that
    becomes ready again (a new deadline) is alerted again."""
    stamp = due_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")
    return f"conversion_overdue:lead:{lead_id}:{stamp}:{role}"
