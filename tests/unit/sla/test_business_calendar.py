"""Business time on known dates (SPEC §9): the deadlines a sales rep would compute by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bascule.playbook.load import default_playbook
from bascule.playbook.sla import Calendar
from bascule.sla.calendar import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
LUNCH_BREAK = [["09:00", "12:30"], ["14:00", "18:00"]]


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def calendar(**section: Any) -> BusinessCalendar:
    return BusinessCalendar.of(Calendar.model_validate(section))


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


DEFAULT = BusinessCalendar.of(default_playbook().calendar)


def _rule_delay(key: str) -> timedelta:
    rule = next(r for r in default_playbook().sla.rules if r.key == key)
    return DEFAULT.business_duration(hours=rule.business_hours, days=rule.business_days)


# --- the deadlines the issue names ---------------------------------------------------------------


def test_contact_expert_assigned_friday_17_30_is_due_monday_10_30():
    assigned = paris(2026, 1, 16, 17, 30)  # a Friday

    due = DEFAULT.add(assigned, _rule_delay("contact_expert"))

    assert _rule_delay("contact_expert") == hours(2)
    assert due == paris(2026, 1, 19, 10, 30)
    assert due.tzinfo is UTC
    assert due.astimezone(PARIS).strftime("%A %H:%M") == "Monday 10:30"


def test_christmas_eve_17_00_plus_2_hours_is_due_monday_28_december_10_00():
    # 24 Dec 2026 is a Thursday: one hour that day; 25th a holiday, 26th-27th a weekend.
    due = DEFAULT.add(paris(2026, 12, 24, 17), hours(2))

    assert due == paris(2026, 12, 28, 10)


def test_business_hours_stay_exact_across_the_last_sunday_of_march():
    # Clocks go forward on Sunday 29 March 2026: Friday is UTC+1, Monday UTC+2.
    friday, monday = paris(2026, 3, 27, 17), paris(2026, 3, 30, 10)

    assert DEFAULT.add(friday, hours(2)) == monday
    assert DEFAULT.add(friday, hours(2)) == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert DEFAULT.elapsed(friday, monday) == hours(2)
    assert DEFAULT.elapsed(paris(2026, 3, 27, 9), paris(2026, 3, 30, 18)) == hours(18)
    assert DEFAULT.add(paris(2026, 3, 27, 9), _rule_delay("demo_request")) == paris(2026, 3, 27, 18)
    assert DEFAULT.add(paris(2026, 3, 27, 12), _rule_delay("rfp")) == paris(2026, 3, 30, 12)


def test_business_hours_stay_exact_across_the_last_sunday_of_october():
    # Clocks go back on Sunday 25 October 2026: Friday is UTC+2, Monday UTC+1.
    friday, monday = paris(2026, 10, 23, 17), paris(2026, 10, 26, 10)

    assert DEFAULT.add(friday, hours(2)) == monday
    assert DEFAULT.add(friday, hours(2)) == datetime(2026, 10, 26, 9, tzinfo=UTC)
    assert DEFAULT.elapsed(friday, monday) == hours(2)
    assert DEFAULT.elapsed(paris(2026, 10, 23, 9), paris(2026, 10, 26, 18)) == hours(18)
    assert DEFAULT.add(paris(2026, 10, 23, 12), _rule_delay("rfp")) == paris(2026, 10, 26, 12)


# --- year ends, holidays and closed days -----------------------------------------------------


def test_the_year_end_skips_new_years_day():
    # Wednesday 31 Dec 2025, Thursday 1 Jan 2026 (holiday), Friday 2 Jan 2026.
    assert DEFAULT.add(paris(2025, 12, 31, 17), hours(2)) == paris(2026, 1, 2, 10)
    assert DEFAULT.elapsed(paris(2025, 12, 31, 9), paris(2026, 1, 2, 18)) == hours(18)
    # Thursday 31 Dec 2026, Friday 1 Jan 2027 (holiday), then the weekend.
    assert DEFAULT.add(paris(2026, 12, 31, 17), hours(2)) == paris(2027, 1, 4, 10)


def test_every_french_public_holiday_of_2026_is_closed():
    holidays_2026 = [
        date(2026, 1, 1),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    ]
    weekdays_2026 = [
        date(2026, 1, 1) + timedelta(days=n)
        for n in range(365)
        if (date(2026, 1, 1) + timedelta(days=n)).weekday() < 5
    ]

    closed = [d for d in weekdays_2026 if not DEFAULT.is_open(paris(d.year, d.month, d.day, 12))]

    # 15 August and 1 November 2026 fall on a weekend.
    assert closed == [d for d in holidays_2026 if d.weekday() < 5]
    assert DEFAULT.elapsed(paris(2026, 1, 1), paris(2027, 1, 1)) == hours(9 * (261 - 9))


def test_closed_days_are_closed_like_holidays():
    # Ascension is Thursday 14 May 2026; the company also closes the Friday after.
    bridge = calendar(closed_days=["2026-05-15"])

    assert bridge.add(paris(2026, 5, 13, 17), hours(2)) == paris(2026, 5, 18, 10)
    assert DEFAULT.add(paris(2026, 5, 13, 17), hours(2)) == paris(2026, 5, 15, 10)
    assert not bridge.is_open(paris(2026, 5, 15, 10))
    assert bridge.next_open(paris(2026, 5, 13, 18)) == paris(2026, 5, 18, 9)


def test_moselle_also_closes_on_good_friday_and_26_december():
    moselle = calendar(subdivision="57")

    # Good Friday 3 April 2026, then Easter Monday for all of France.
    assert moselle.add(paris(2026, 4, 2, 17), hours(2)) == paris(2026, 4, 7, 10)
    assert DEFAULT.add(paris(2026, 4, 2, 17), hours(2)) == paris(2026, 4, 3, 10)
    # Wednesday 24 Dec 2025, Christmas, then Saint Stephen's Day on Friday 26th.
    assert moselle.add(paris(2025, 12, 24, 17), hours(2)) == paris(2025, 12, 29, 10)
    assert DEFAULT.add(paris(2025, 12, 24, 17), hours(2)) == paris(2025, 12, 26, 10)
    assert calendar(subdivision="Moselle").add(paris(2026, 4, 2, 17), hours(2)) == paris(
        2026, 4, 7, 10
    )


def test_another_country_uses_its_holidays_and_time_zone():
    new_york = ZoneInfo("America/New_York")
    us = calendar(timezone="America/New_York", country="US")
    # Thursday 26 November 2026 is Thanksgiving.
    start = datetime(2026, 11, 25, 17, tzinfo=new_york)

    assert us.add(start, hours(2)) == datetime(2026, 11, 27, 10, tzinfo=new_york)


# --- working hours -------------------------------------------------------------------------


def test_a_lunch_break_is_not_business_time():
    lunch = calendar(hours={day: LUNCH_BREAK for day in ("mon", "tue", "wed", "thu", "fri")})
    monday = (2026, 1, 19)

    assert lunch.add(paris(*monday, 12), hours(1)) == paris(*monday, 14, 30)
    assert lunch.add(paris(*monday, 12), hours(0.5)) == paris(*monday, 12, 30)
    assert lunch.elapsed(paris(*monday, 9), paris(*monday, 18)) == hours(7.5)
    assert lunch.elapsed(paris(*monday, 12), paris(*monday, 15)) == hours(1.5)
    assert not lunch.is_open(paris(*monday, 13))
    assert lunch.next_open(paris(*monday, 13)) == paris(*monday, 14)
    assert lunch.add(paris(2026, 1, 16, 18), hours(8)) == paris(2026, 1, 20, 9, 30)


def test_periods_may_be_given_in_any_order_and_touch():
    reversed_ = calendar(hours={"mon": [["14:00", "18:00"], ["09:00", "12:30"]]})
    touching = calendar(hours={"mon": [["09:00", "12:00"], ["12:00", "18:00"]]})
    monday = (2026, 1, 19)

    assert reversed_.elapsed(paris(*monday), paris(*monday, 23)) == hours(7.5)
    assert touching.elapsed(paris(*monday), paris(*monday, 23)) == hours(9)
    assert touching.is_open(paris(*monday, 12))


def test_a_start_outside_working_hours_counts_from_the_next_opening():
    assert DEFAULT.add(paris(2026, 1, 17, 10), hours(2)) == paris(2026, 1, 19, 11)  # Saturday
    assert DEFAULT.add(paris(2026, 1, 19, 7), hours(2)) == paris(2026, 1, 19, 11)  # early
    assert DEFAULT.add(paris(2026, 1, 19, 18), hours(2)) == paris(2026, 1, 20, 11)  # closing


def test_a_delay_used_up_at_closing_time_ends_at_closing_time():
    assert DEFAULT.add(paris(2026, 1, 19, 9), hours(9)) == paris(2026, 1, 19, 18)
    assert DEFAULT.add(paris(2026, 1, 19, 17), hours(1)) == paris(2026, 1, 19, 18)
    # ... and one microsecond more is the next morning.
    later = DEFAULT.add(paris(2026, 1, 19, 17), hours(1) + timedelta(microseconds=1))
    assert later == paris(2026, 1, 20, 9) + timedelta(microseconds=1)


def test_a_zero_delay_is_the_start_itself_even_when_closed():
    saturday = paris(2026, 1, 17, 10)

    assert DEFAULT.add(saturday, timedelta(0)) == saturday
    assert DEFAULT.elapsed(saturday, saturday) == timedelta(0)


def test_openings_are_open_and_closings_are_not():
    assert DEFAULT.is_open(paris(2026, 1, 19, 9))
    assert DEFAULT.is_open(paris(2026, 1, 19, 17, 59))
    assert not DEFAULT.is_open(paris(2026, 1, 19, 18))
    assert not DEFAULT.is_open(paris(2026, 1, 19, 8, 59))
    assert DEFAULT.next_open(paris(2026, 1, 19, 10)) == paris(2026, 1, 19, 10)
    assert DEFAULT.next_open(paris(2026, 1, 16, 18)) == paris(2026, 1, 19, 9)


def test_elapsed_is_zero_when_the_end_is_not_after_the_start():
    assert DEFAULT.elapsed(paris(2026, 1, 19, 12), paris(2026, 1, 19, 10)) == timedelta(0)
    assert DEFAULT.elapsed(paris(2026, 1, 17), paris(2026, 1, 18, 23)) == timedelta(0)


def test_instants_in_any_time_zone_give_the_same_answer():
    in_tokyo = paris(2026, 1, 16, 17, 30).astimezone(ZoneInfo("Asia/Tokyo"))
    in_utc = paris(2026, 1, 16, 17, 30).astimezone(UTC)

    assert (
        DEFAULT.add(in_tokyo, hours(2))
        == DEFAULT.add(in_utc, hours(2))
        == paris(2026, 1, 19, 10, 30)
    )


# --- daylight saving: times the clock skips or shows twice ------------------------------------


def test_a_round_the_clock_day_lasts_the_real_time_that_passes():
    always = calendar(hours={day: [["00:00", "24:00"]] for day in ("sat", "sun", "mon")})

    assert always.elapsed(paris(2026, 3, 28), paris(2026, 3, 30)) == hours(24 + 23)
    assert always.elapsed(paris(2026, 10, 24), paris(2026, 10, 26)) == hours(24 + 25)
    assert always.elapsed(paris(2026, 1, 19), paris(2026, 1, 20)) == hours(24)
    assert always.add(paris(2026, 3, 28, 12), hours(24)) == paris(2026, 3, 29, 13)


def test_a_period_starting_in_the_skipped_hour_opens_when_the_clocks_jump():
    night = calendar(hours={"sun": [["02:30", "04:00"]]})

    # 29 March 2026: 02:00 becomes 03:00 (01:00 UTC); the period opens then, for one hour.
    assert night.next_open(paris(2026, 3, 29)) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert night.elapsed(paris(2026, 3, 29), paris(2026, 3, 30)) == hours(1)
    # A week later it is the usual hour and a half.
    assert night.elapsed(paris(2026, 4, 5), paris(2026, 4, 6)) == hours(1.5)


def test_a_period_inside_the_skipped_hour_is_empty_that_day():
    skipped = calendar(hours={"sun": [["02:10", "02:50"]]})

    assert skipped.elapsed(paris(2026, 3, 29), paris(2026, 3, 30)) == timedelta(0)
    assert skipped.next_open(paris(2026, 3, 29)) == paris(2026, 4, 5, 2, 10)


def test_a_time_the_clock_shows_twice_is_taken_at_its_first_showing():
    night = calendar(hours={"sun": [["02:30", "04:00"]]})

    # 25 October 2026: 03:00 becomes 02:00 (01:00 UTC); 02:30 first shows at 00:30 UTC.
    assert night.next_open(paris(2026, 10, 25)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert night.elapsed(paris(2026, 10, 25), paris(2026, 10, 26)) == hours(2.5)


# --- business days and bad input -----------------------------------------------------------


def test_a_business_day_is_business_day_hours_long():
    short_days = calendar(business_day_hours=7.5)

    assert DEFAULT.business_duration(days=1) == hours(9)
    assert DEFAULT.business_duration(hours=8) == hours(8)
    assert DEFAULT.business_duration(days=2, hours=1) == hours(19)
    assert DEFAULT.business_duration(days=0.5) == hours(4.5)
    assert short_days.business_duration(days=1) == hours(7.5)
    assert DEFAULT.business_duration(hours=1 / 3) == timedelta(minutes=20)


def test_a_business_duration_needs_a_non_negative_amount():
    with pytest.raises(ValueError, match="give hours or days"):
        DEFAULT.business_duration()
    with pytest.raises(ValueError, match="negative"):
        DEFAULT.business_duration(hours=-1)


def test_naive_instants_and_negative_durations_are_refused():
    with pytest.raises(ValueError, match="no time zone"):
        DEFAULT.add(datetime(2026, 1, 19, 9), hours(1))
    with pytest.raises(ValueError, match="no time zone"):
        DEFAULT.elapsed(datetime(2026, 1, 19, 9), paris(2026, 1, 19, 10))
    with pytest.raises(ValueError, match="negative"):
        DEFAULT.add(paris(2026, 1, 19, 9), hours(-1))


def test_a_calendar_that_never_opens_says_so_instead_of_looping():
    only_one_monday = calendar(hours={"mon": [["09:00", "18:00"]]}, closed_days=[])
    start = paris(2026, 1, 20)
    mondays = [date(2026, 1, 26) + timedelta(weeks=n) for n in range(600)]
    always_closed = calendar(hours={"mon": [["09:00", "18:00"]]}, closed_days=mondays)

    assert only_one_monday.next_open(start) == paris(2026, 1, 26, 9)
    with pytest.raises(ValueError, match="never opens"):
        always_closed.next_open(start)


def test_the_calendar_of_a_section_is_built_once():
    section = default_playbook().calendar

    assert BusinessCalendar.of(section) is BusinessCalendar.of(section)
    assert BusinessCalendar.of(section) is BusinessCalendar.of(Calendar())
    assert BusinessCalendar.of(Calendar(subdivision="57")) is not BusinessCalendar.of(section)
