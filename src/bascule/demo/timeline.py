"""When things happen in the demo: an 18-month window, office hours (the playbook's business
calendar), delays that fit. Pure."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bascule.sla.calendar import BusinessCalendar

WINDOW = timedelta(days=548)  # about 18 months
# office(moment, limit): the moment moved into working hours if it stays before limit.
Office = Callable[[datetime, datetime], datetime]


def created_at(index: int, total: int, rng: random.Random, now: datetime, tz: ZoneInfo) -> datetime:
    """The creation time of lead ``index`` of ``total``, in order, over the window.

    Volume grows over time (density rising linearly from 1 to 3), most leads arrive on
    weekdays during office hours, and none is in the future.
    """
    p = (index + rng.random()) / max(total, 1)
    # Inverse of the CDF of a density proportional to (1 + 2u) on [0, 1].
    u = (-1 + math.sqrt(1 + 8 * p)) / 2
    moment = now - WINDOW + WINDOW * min(u, 1.0)
    local = moment.astimezone(tz)
    if local.weekday() >= 5 and rng.random() < 0.85:
        local += timedelta(days=7 - local.weekday())  # pushed to Monday
    hour = min(max(int(rng.gauss(13, 3)), 7), 21)
    local = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
    result = local.astimezone(UTC)
    if result > now:
        result = now - timedelta(minutes=rng.randrange(5, 240))
    return result


def office_hours(
    moment: datetime, limit: datetime, calendar: BusinessCalendar, rng: random.Random
) -> datetime:
    """``moment`` moved into the next working hours of the playbook's calendar (and up to half
    an hour into them), unless that would pass ``limit``: people act during office hours, rules
    and web forms at any time."""
    moved = calendar.add(moment, timedelta(seconds=rng.uniform(0, 1800)))
    return moved if moved <= limit else moment


def in_office(times: list[datetime], now: datetime, office: Office) -> list[datetime]:
    """Each time moved into office hours, never past the next one (nor ``now``)."""
    result = list(times)
    for i, moment in enumerate(result):
        result[i] = office(moment, result[i + 1] if i + 1 < len(result) else now)
    return result


def spread(start: datetime, delays: Sequence[timedelta], end: datetime) -> list[datetime]:
    """Times after ``start`` separated by ``delays``, squeezed if needed to finish before
    ``end`` (the present), so a lead created yesterday does not have next month's history."""
    total = sum(delays, timedelta())
    room = (end - start) * 0.97
    factor = 1.0 if total <= room or total <= timedelta(0) else room / total
    times: list[datetime] = []
    moment = start
    for delay in delays:
        moment = moment + delay * factor
        times.append(moment)
    return times


def days(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(days=rng.uniform(low, high))


def hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))
