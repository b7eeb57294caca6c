"""Business time (SPEC §9): when the company works, and deadlines counted in working time.

Pure: no clock and no I/O, every instant is passed in. Built from the playbook's ``[calendar]``
section with ``BusinessCalendar.of(playbook.calendar)``.

Choices, so that ``elapsed(t, add(t, d)) == d`` holds exactly:

- Resolution: whole microseconds, ``datetime``'s own. Instants become integers (microseconds
  since the epoch, UTC) and every sum is integer arithmetic: nothing is rounded on the way.
- Periods are wall-clock times in the calendar's time zone: a 09:00-18:00 day lasts 9 h on
  either side of a daylight-saving change. A period that itself spans the change (a night
  shift, 00:00-24:00) lasts the real time that passes: 23 h or 25 h.
- A period boundary is the first instant at which the local clock shows at least that time:
  for a time the clock never shows (02:30 when clocks jump from 02:00 to 03:00) that is the
  jump; for a time it shows twice (02:30 when clocks go back from 03:00 to 02:00) the first
  showing. "24:00" is the next midnight.
- Periods are half-open: open at 09:00, closed at 18:00. ``add`` returns the earliest instant
  the duration is used up, so a 9 h delay started Monday 09:00 ends Monday 18:00, not Tuesday
  09:00; ``add(t, 0)`` is ``t`` itself, even outside working hours (a zero delay has passed).
- A day is closed when it is a public holiday of the country (and subdivision) or one of the
  ``closed_days``; both are dates of the calendar's time zone.

Walks day by day through per-day opening intervals that are computed once and cached, so a
deadline costs a handful of dictionary look-ups, whatever its length.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

import holidays

from bascule.playbook.sla import WEEKDAYS, Calendar

# Instants as whole microseconds since the epoch, UTC; periods as [opening, closing).
Interval = tuple[int, int]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_MINUTE = 60_000_000
_HOUR = 60 * _MINUTE
# A calendar that stays closed this long (every open weekday listed in closed_days, say) will
# never open: say so rather than walk on for ever.
_LONGEST_CLOSURE_DAYS = 3660
# Bounds the per-calendar caches; deadlines cluster around today, so this is never reached in
# the worker, only by analytics replaying years of history.
_CACHED_DAYS = 20_000
_CACHED_CALENDARS = 32


class BusinessCalendar:
    """Working hours, time zone and closed days of one playbook ``[calendar]`` section."""

    __slots__ = (
        "_closed_days",
        "_days",
        "_holidays",
        "_week",
        "business_day_hours",
        "country",
        "subdivision",
        "zone",
    )

    _by_section: ClassVar[dict[str, BusinessCalendar]] = {}

    def __init__(self, section: Calendar) -> None:
        self.zone = ZoneInfo(section.timezone)
        self.country = section.country
        self.subdivision = section.subdivision
        self.business_day_hours = section.business_day_hours
        self._closed_days = frozenset(section.closed_days)
        self._week = tuple(_working_periods(section.hours[day]) for day in WEEKDAYS)
        self._holidays: dict[int, frozenset[date]] = {}
        self._days: dict[date, tuple[Interval, ...]] = {}

    @classmethod
    def of(cls, section: Calendar) -> BusinessCalendar:
        """The calendar of a playbook section, built once per distinct section: its holidays
        and opening intervals are cached inside it, so reusing it keeps deadlines cheap."""
        key = section.model_dump_json()
        found = cls._by_section.get(key)
        if found is None:
            if len(cls._by_section) >= _CACHED_CALENDARS:
                cls._by_section.clear()
            found = cls._by_section[key] = cls(section)
        return found

    # --- the business questions -------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (UTC) at which ``duration`` of business time has passed after ``start``.
        A start outside working hours counts from the next opening; a zero duration is
        ``start`` itself."""
        remaining = _whole_microseconds(duration, "duration")
        at = _instant(start)
        if remaining == 0:
            return _utc(at)
        for opening, closing in self._intervals_from(at):
            begin = max(opening, at)
            if closing - begin >= remaining:
                return _utc(begin + remaining)
            remaining -= closing - begin
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants; zero when ``end`` is not after ``start``."""
        begin, finish = _instant(start), _instant(end)
        total = 0
        if finish > begin:
            day = self._local_date(begin) - _ONE_DAY
            last = self._local_date(finish)
            while day <= last:
                for opening, closing in self._intervals_of(day):
                    total += max(0, min(closing, finish) - max(opening, begin))
                day += _ONE_DAY
        return timedelta(microseconds=total)

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` falls in working hours (openings included, closings not)."""
        instant = _instant(at)
        day = self._local_date(instant)
        return any(
            opening <= instant < closing
            for d in (day - _ONE_DAY, day)
            for opening, closing in self._intervals_of(d)
        )

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself (in UTC) when open, else the next opening."""
        instant = _instant(at)
        opening, _ = next(self._intervals_from(instant))
        return _utc(max(opening, instant))

    def business_duration(self, hours: float | None = None, days: float | None = None) -> timedelta:
        """A delay in business time: ``hours`` plus ``days`` business days, one business day
        being ``business_day_hours`` (SPEC §9: 9 h). Rounded to the microsecond."""
        if hours is None and days is None:
            raise ValueError("business_duration: give hours or days")
        total = (hours or 0) + (days or 0) * self.business_day_hours
        if total < 0:
            raise ValueError(f"business_duration: {total} hours is negative")
        return timedelta(microseconds=round(total * _HOUR))

    # --- opening intervals --------------------------------------------------------------------

    def _intervals_from(self, instant: int) -> Iterator[Interval]:
        """Opening intervals that close after ``instant``, in order, for ever."""
        # From the day before: a clock going back across midnight gives a day's last instants
        # the previous date.
        day = self._local_date(instant) - _ONE_DAY
        closed_for = 0
        while True:
            intervals = self._intervals_of(day)
            for interval in intervals:
                if interval[1] > instant:
                    yield interval
            closed_for = 0 if intervals else closed_for + 1
            if closed_for > _LONGEST_CLOSURE_DAYS:
                raise ValueError(f"the business calendar never opens after {day:%Y-%m-%d}")
            day += _ONE_DAY

    def _intervals_of(self, day: date) -> tuple[Interval, ...]:
        found = self._days.get(day)
        if found is None:
            found = () if self._is_closed(day) else self._map_periods(day)
            if len(self._days) >= _CACHED_DAYS:
                self._days.clear()
            self._days[day] = found
        return found

    def _map_periods(self, day: date) -> tuple[Interval, ...]:
        intervals = []
        for start, end in self._week[day.weekday()]:
            opening, closing = self._first_instant(day, start), self._first_instant(day, end)
            # Empty when the whole period falls in the hour a clock skips.
            if closing > opening:
                intervals.append((opening, closing))
        return tuple(intervals)

    def _first_instant(self, day: date, since_midnight: int) -> int:
        """The first instant at which the local clock shows at least ``since_midnight`` (in
        microseconds) on ``day``."""
        wall = datetime.combine(day, time()) + timedelta(microseconds=since_midnight)
        # fold=0: a time the clock shows twice is taken at its first showing.
        instant = _instant(wall.replace(tzinfo=self.zone))
        if self._wall(instant) == wall:
            return instant
        # The clock never shows this time: it jumps over it. fold=1 reads it with the offset
        # after the jump, an instant before the jump; fold=0 one after it. The clock is
        # increasing in between: bisect for the first instant showing ``wall`` or later.
        low = _instant(wall.replace(tzinfo=self.zone, fold=1))
        high = instant
        while high - low > 1:
            middle = (low + high) // 2
            if self._wall(middle) >= wall:
                high = middle
            else:
                low = middle
        return high

    def _wall(self, instant: int) -> datetime:
        """The local clock's reading at ``instant`` (naive)."""
        return _utc(instant).astimezone(self.zone).replace(tzinfo=None)

    def _local_date(self, instant: int) -> date:
        return self._wall(instant).date()

    # --- closed days --------------------------------------------------------------------------

    def _is_closed(self, day: date) -> bool:
        return day in self._closed_days or day in self._holidays_of(day.year)

    def _holidays_of(self, year: int) -> frozenset[date]:
        found = self._holidays.get(year)
        if found is None:
            # Loaded with the years around it: a holiday observed on another day (a Saturday
            # holiday observed on Friday 31 December) may fall on the other side of a year end.
            table = holidays.country_holidays(
                self.country, subdiv=self.subdivision, years=range(year - 1, year + 2)
            )
            found = frozenset(d for d in table if d.year == year)
            self._holidays[year] = found
        return found


def _working_periods(periods: tuple[tuple[str, str], ...]) -> tuple[Interval, ...]:
    """A weekday's periods as microseconds since midnight, in order, touching ones merged.
    Read from the text rather than ``Calendar.periods`` so that 24:00 is a whole day."""
    merged: list[Interval] = []
    for start, end in sorted((_since_midnight(a), _since_midnight(b)) for a, b in periods):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _since_midnight(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * _HOUR + int(minutes) * _MINUTE


def _instant(at: datetime) -> int:
    if at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone: pass an aware instant")
    return (at - _EPOCH) // _MICROSECOND


def _utc(instant: int) -> datetime:
    return _EPOCH + timedelta(microseconds=instant)


def _whole_microseconds(duration: timedelta, name: str) -> int:
    if duration < timedelta(0):
        raise ValueError(f"{name}: {duration} is negative")
    return duration // _MICROSECOND
