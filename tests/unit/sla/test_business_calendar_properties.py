"""Business time laws (SPEC §9), over random instants in several zones and random calendars,
including zones whose clocks jump at midnight or by half an hour. Exact to the microsecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.playbook.sla import WEEKDAYS, Calendar
from bascule.sla.calendar import BusinessCalendar

WORKING_DAYS = WEEKDAYS[:5]


def _calendar(**section: Any) -> BusinessCalendar:
    return BusinessCalendar.of(Calendar.model_validate(section))


PARIS_OFFICE = _calendar()
CALENDARS = {
    "paris_office": PARIS_OFFICE,
    "moselle_lunch_break": _calendar(
        subdivision="57",
        hours={day: [["09:00", "12:30"], ["14:00", "18:00"]] for day in WORKING_DAYS},
    ),
    "new_york": _calendar(
        timezone="America/New_York",
        country="US",
        hours={day: [["08:30", "17:00"]] for day in WORKING_DAYS},
    ),
    # Periods spanning the changes of time, starting or ending in the skipped hour, or in the
    # hour shown twice.
    "paris_round_the_clock": _calendar(hours={day: [["00:00", "24:00"]] for day in WEEKDAYS}),
    "paris_nights": _calendar(
        hours={
            "sat": [["01:00", "02:30"], ["20:00", "24:00"]],
            "sun": [["02:30", "04:00"]],
            "mon": [["02:15", "02:45"], ["09:00", "18:00"]],
        }
    ),
    # Chile moves its clocks at midnight: some days start at 01:00, some show 23:00 twice.
    "santiago_midnight": _calendar(
        timezone="America/Santiago",
        country="CL",
        hours={day: [["00:00", "00:30"], ["20:00", "24:00"]] for day in WEEKDAYS},
    ),
    # Lord Howe Island moves its clocks by half an hour, at 02:00.
    "lord_howe": _calendar(
        timezone="Australia/Lord_Howe",
        country="AU",
        subdivision="NSW",
        hours={day: [["01:45", "02:45"], ["09:00", "17:00"]] for day in WORKING_DAYS},
    ),
}
ZONES = [
    UTC,
    ZoneInfo("Europe/Paris"),
    ZoneInfo("America/New_York"),
    ZoneInfo("America/Santiago"),
    ZoneInfo("Australia/Lord_Howe"),
    ZoneInfo("Asia/Kolkata"),
]

calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
# Imaginary local times (in a gap) are allowed: they are still instants, read with their fold.
instants = st.builds(
    lambda naive, zone, fold: naive.replace(tzinfo=zone, fold=fold),
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2031, 12, 31)),
    st.sampled_from(ZONES),
    st.integers(0, 1),
)
_HOUR = 3_600_000_000
# Whole hours and minutes are the delays people write; any microsecond must work as well.
durations = st.one_of(
    st.integers(0, 200).map(lambda h: timedelta(hours=h)),
    st.integers(0, 200 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(0, 200 * _HOUR).map(lambda us: timedelta(microseconds=us)),
)


def utc(at: datetime) -> datetime:
    # Equality across zones is False for times in a gap or at fold=1 (PEP 495): compare in UTC.
    return at.astimezone(UTC)


@given(calendars, instants, durations, durations)
def test_adding_more_business_time_never_ends_sooner(cal, start, a, b):
    shorter, longer = sorted((a, b))

    assert cal.add(start, shorter) <= cal.add(start, longer)


@given(calendars, instants, instants, durations)
def test_starting_later_never_ends_sooner(cal, t1, t2, duration):
    earlier, later = sorted((utc(t1), utc(t2)))

    assert cal.add(earlier, duration) <= cal.add(later, duration)


@given(calendars, instants, durations, durations)
def test_adding_a_then_b_is_adding_a_plus_b(cal, start, a, b):
    assert cal.add(cal.add(start, a), b) == cal.add(start, a + b)


@given(calendars, instants, durations)
def test_elapsed_undoes_add_exactly(cal, start, duration):
    due = cal.add(start, duration)

    assert cal.elapsed(start, due) == duration
    assert due >= utc(start)
    assert due.tzinfo is UTC


@given(calendars, instants, instants, instants)
def test_elapsed_adds_up_over_consecutive_spans(cal, t1, t2, t3):
    a, b, c = sorted((utc(t1), utc(t2), utc(t3)))

    assert cal.elapsed(a, c) == cal.elapsed(a, b) + cal.elapsed(b, c)
    assert cal.elapsed(c, a) == timedelta(0)
    assert cal.elapsed(a, c) <= c - a


@given(calendars, instants)
def test_open_means_the_next_microsecond_is_business_time(cal, at):
    tick = timedelta(microseconds=1)

    assert cal.is_open(at) == (cal.elapsed(at, utc(at) + tick) == tick)


@given(calendars, instants, durations)
def test_the_next_opening_is_open_and_nothing_passes_before_it(cal, at, duration):
    opening = cal.next_open(at)

    assert opening >= utc(at)
    assert cal.is_open(opening)
    assert cal.elapsed(at, opening) == timedelta(0)
    assert cal.next_open(opening) == opening
    if duration:
        assert cal.elapsed(opening, cal.add(at, duration)) == duration


@given(calendars, instants)
def test_a_zero_delay_is_the_start(cal, at):
    assert cal.add(at, timedelta(0)) == utc(at)


PARIS = ZoneInfo("Europe/Paris")
FRENCH_HOLIDAYS = holidays.country_holidays("FR", years=range(2019, 2033))
_QUARTER = timedelta(minutes=15)


def _open_by_the_wall_clock(at: datetime) -> bool:
    """An independent reading of the Paris office: Monday to Friday 09:00-18:00 on the local
    clock, except public holidays."""
    local = at.astimezone(PARIS)
    return local.weekday() < 5 and local.date() not in FRENCH_HOLIDAYS and 9 <= local.hour < 18


@settings(max_examples=60)
@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2031, 12, 31)),
    st.integers(1, 4 * 24 * 10),
)
def test_elapsed_matches_counting_quarter_hours_on_the_wall_clock(naive, quarters):
    start = naive.replace(minute=naive.minute // 15 * 15, second=0, microsecond=0, tzinfo=UTC)
    steps = [start + n * _QUARTER for n in range(quarters)]

    counted = sum(_open_by_the_wall_clock(at) for at in steps) * _QUARTER

    assert PARIS_OFFICE.elapsed(start, start + quarters * _QUARTER) == counted
