"""Mandatory conversion (SPEC §4), the pure rule: when a ready lead's conversion becomes
overdue in business time, when the clock starts and stops, and who is alerted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bascule.playbook.schema import Conversion
from bascule.playbook.sla import Calendar
from bascule.sla.calendar import BusinessCalendar
from bascule.sla.conversion_overdue import (
    STOPPED,
    ConversionClock,
    after_qualification,
    alert_key,
    deadline,
    recipients,
)

PARIS = ZoneInfo("Europe/Paris")
CALENDAR = BusinessCalendar.of(Calendar())  # Mon-Fri 09:00-18:00 Paris, French holidays
TWO_DAYS = Conversion()  # overdue_after_business_days = 2


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def due(ready_at: datetime, conversion: Conversion = TWO_DAYS) -> datetime:
    return deadline(ready_at, calendar=CALENDAR, conversion=conversion)


def test_ready_on_christmas_eve_is_due_two_business_days_later_holiday_and_weekend_skipped():
    # Given a lead ready on Thursday 24 December 2026 at 10:00 in Paris: 8 business hours
    # that day; Friday 25 is a public holiday, 26-27 a weekend; Monday 28 gives 9 hours
    ready_at = paris(2026, 12, 24, 10)

    # Then the 18 business hours run out on Tuesday 29 December at 10:00
    assert due(ready_at) == paris(2026, 12, 29, 10).astimezone(UTC)
    assert due(ready_at).tzinfo == UTC


def test_a_lead_ready_outside_working_hours_counts_from_the_next_opening():
    assert due(paris(2026, 12, 5, 15)) == paris(2026, 12, 8, 18).astimezone(UTC)  # a Saturday
    assert due(paris(2026, 12, 7, 20)) == paris(2026, 12, 9, 18).astimezone(UTC)  # Monday night


def test_the_delay_is_the_playbooks():
    half_day = Conversion(overdue_after_business_days=0.5)
    assert due(paris(2026, 12, 24, 10), half_day) == paris(2026, 12, 24, 14, 30).astimezone(UTC)


def test_the_clock_starts_when_the_lead_becomes_ready():
    now = paris(2026, 12, 24, 10).astimezone(UTC)
    clock = after_qualification(STOPPED, ready=True, now=now, due_after=due)
    assert clock == ConversionClock(ready_since=now, due_at=paris(2026, 12, 29, 10))


def test_a_lead_that_stays_ready_keeps_its_deadline_and_its_flag():
    running = ConversionClock(
        ready_since=paris(2026, 12, 1, 10),
        due_at=paris(2026, 12, 3, 10),
        overdue=True,
        overdue_at=paris(2026, 12, 3, 10, 5),
    )

    def never(_: datetime) -> datetime:
        raise AssertionError("no new deadline for a running clock")

    later = paris(2026, 12, 10, 9)
    assert after_qualification(running, ready=True, now=later, due_after=never) is running


def test_a_lead_no_longer_ready_stops_the_clock_and_clears_the_flag():
    running = ConversionClock(paris(2026, 12, 1, 10), paris(2026, 12, 3, 10), True, None)
    stopped = after_qualification(running, ready=False, now=paris(2026, 12, 4, 9), due_after=due)
    assert stopped == STOPPED == ConversionClock(None, None, False, None)


def test_ready_again_starts_a_new_clock():
    now = paris(2027, 1, 4, 9).astimezone(UTC)
    clock = after_qualification(STOPPED, ready=True, now=now, due_after=due)
    assert (clock.ready_since, clock.due_at) == (now, paris(2027, 1, 5, 18).astimezone(UTC))


def test_owner_and_owners_manager_are_alerted():
    assert recipients(7, manager_id=3, team_manager_id=9) == [("owner", 7), ("manager", 3)]


def test_without_a_manager_of_their_own_the_teams_manager_is_alerted():
    assert recipients(7, manager_id=None, team_manager_id=9) == [("owner", 7), ("manager", 9)]


@pytest.mark.parametrize(("manager", "team_manager"), [(None, None), (7, None), (None, 7)])
def test_an_owner_without_another_manager_is_alerted_once(manager, team_manager):
    assert recipients(7, manager_id=manager, team_manager_id=team_manager) == [("owner", 7)]


def test_a_lead_nobody_owns_raises_one_unaddressed_alert():
    assert recipients(None, manager_id=None, team_manager_id=None) == [("owner", None)]


def test_one_alert_key_per_lead_deadline_and_recipient():
    due_at = paris(2026, 12, 29, 10)
    key = alert_key(42, due_at, "manager")
    assert key == "conversion_overdue:lead:42:20261229T090000.000000:manager"
    assert alert_key(42, due_at.astimezone(UTC), "manager") == key  # same instant, same key
    assert alert_key(42, due_at, "owner") != key
    assert alert_key(42, due_at + timedelta(microseconds=1), "manager") != key
    assert len(alert_key(2_147_483_647, due_at, "manager")) <= 120  # the outbox key column
