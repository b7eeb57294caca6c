"""The ``[calendar]`` and ``[sla]`` playbook sections: SPEC §7 and §9 defaults, and bad input
refused with the field at fault."""

from __future__ import annotations

from datetime import date, time

import pytest

from bascule.errors import PlaybookInvalid
from bascule.playbook.load import default_playbook, default_text, parse

TEXT = default_text()
MONDAY = 'mon = [["09:00", "18:00"]]'


def _edit(section: str, old: str, new: str) -> str:
    """The default playbook with ``old`` replaced by ``new`` inside ``[section]``."""
    start = TEXT.index(f"\n[{section}]\n")
    at = TEXT.index(old, start)
    return TEXT[:at] + new + TEXT[at + len(old) :]


def _fields(text: str) -> dict[str, str]:
    with pytest.raises(PlaybookInvalid) as exc:
        parse(text)
    return exc.value.fields


# --- defaults ------------------------------------------------------------------------------


def test_the_default_calendar_is_monday_to_friday_9_to_18_in_paris():
    calendar = default_playbook().calendar

    assert (calendar.timezone, calendar.country, calendar.subdivision) == (
        "Europe/Paris",
        "FR",
        None,
    )
    assert calendar.closed_days == ()
    assert calendar.business_day_hours == 9
    assert [calendar.periods(day) for day in range(7)] == [((time(9), time(18)),)] * 5 + [()] * 2


def test_the_default_sla_rules_are_those_of_the_spec():
    sla = default_playbook().sla

    delays = {r.key: (r.form_types, r.business_hours, r.business_days) for r in sla.rules}
    assert delays == {
        "contact_expert": (("contact_expert",), 2, None),
        "demo_request": (("demo_request",), None, 1),
        "pricing_request": (("pricing_request",), 8, None),
        "support_request": (("support_request",), 8, None),
        "rfp": (("rfp",), None, 1),
    }
    assert sla.enabled is True
    assert sla.failed_attempts_to_nurturing == 3
    assert sla.failed_outcomes == ("no_answer", "voicemail", "bounced")
    assert sla.response_kinds == ("call", "email", "meeting")
    assert sla.escalate_after_business_hours == 2


# --- accepted variations -------------------------------------------------------------------


def test_a_subdivision_closed_days_and_a_lunch_break_are_accepted():
    text = _edit("calendar", "closed_days = []", 'subdivision = "57"\nclosed_days = [2026-05-15]')
    text = text.replace(MONDAY, 'mon = [["14:00", "18:00"], ["09:00", "12:30"]]', 1)

    calendar = parse(text).calendar

    assert calendar.subdivision == "57"
    assert calendar.closed_days == (date(2026, 5, 15),)
    assert calendar.hours["mon"] == (("14:00", "18:00"), ("09:00", "12:30"))


@pytest.mark.parametrize("subdivision", ["57", "6AE", "Moselle", "Alsace"])
def test_subdivisions_are_accepted_by_code_or_by_name(subdivision: str):
    text = _edit("calendar", "closed_days = []", f'subdivision = "{subdivision}"\nclosed_days = []')

    assert parse(text).calendar.subdivision == subdivision


def test_touching_periods_and_a_day_until_midnight_are_accepted():
    text = TEXT.replace(MONDAY, 'mon = [["00:00", "12:00"], ["12:00", "24:00"]]', 1)

    assert parse(text).calendar.hours["mon"] == (("00:00", "12:00"), ("12:00", "24:00"))


def test_a_weekday_left_out_is_closed():
    text = TEXT.replace(MONDAY + "\n", "", 1)

    assert parse(text).calendar.hours["mon"] == ()


# --- refused, with the field at fault ------------------------------------------------------

ALL_DAYS_CLOSED = _edit(
    "calendar.hours",
    'mon = [["09:00", "18:00"]]\ntue = [["09:00", "18:00"]]\nwed = [["09:00", "18:00"]]\n'
    'thu = [["09:00", "18:00"]]\nfri = [["09:00", "18:00"]]',
    "mon = []\ntue = []\nwed = []\nthu = []\nfri = []",
)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (
            TEXT.replace(MONDAY, 'mon = [["09:00", "13:00"], ["12:00", "18:00"]]', 1),
            "calendar.hours.mon",
            "12:00-18:00 overlaps 09:00-13:00",
        ),
        (
            TEXT.replace(MONDAY, 'mon = [["12:00", "18:00"], ["09:00", "13:00"]]', 1),
            "calendar.hours.mon",
            "12:00-18:00 overlaps 09:00-13:00",
        ),
        (
            TEXT.replace(MONDAY, 'mon = [["18:00", "09:00"]]', 1),
            "calendar.hours.mon",
            "18:00-09:00 ends before it starts",
        ),
        (
            TEXT.replace(MONDAY, 'mon = [["09:00", "09:00"]]', 1),
            "calendar.hours.mon",
            "09:00-09:00 ends before it starts",
        ),
        (
            TEXT.replace(MONDAY, 'mon = [["9h", "18:00"]]', 1),
            "calendar.hours.mon",
            "'9h' is not a time of day",
        ),
        (
            TEXT.replace(MONDAY, 'mon = [["09:00", "24:30"]]', 1),
            "calendar.hours.mon",
            "'24:30' is not a time of day",
        ),
        (
            TEXT.replace(MONDAY, 'monday = [["09:00", "18:00"]]', 1),
            "calendar.hours",
            "unknown weekdays monday",
        ),
        (ALL_DAYS_CLOSED, "calendar.hours", "at least one weekday needs working hours"),
        (
            _edit("calendar", 'country = "FR"', 'country = "XX"'),
            "calendar.country",
            "'XX' has no public holidays calendar",
        ),
        (
            _edit("calendar", 'country = "FR"', 'country = "fr"'),
            "calendar.country",
            "String should match pattern",
        ),
        (
            _edit("calendar", "closed_days = []", 'subdivision = "67"\nclosed_days = []'),
            "calendar.subdivision",
            "'67' is not a subdivision of FR (57, 6AE, 971",
        ),
        (
            _edit("calendar", 'timezone = "Europe/Paris"', 'timezone = "Europe/Lutece"'),
            "calendar.timezone",
            "unknown time zone 'Europe/Lutece'",
        ),
        (
            _edit("calendar", "business_day_hours = 9", "business_day_hours = 0"),
            "calendar.business_day_hours",
            "greater than 0",
        ),
        (
            _edit("calendar", "business_day_hours = 9", "business_day_hours = 25"),
            "calendar.business_day_hours",
            "less than or equal to 24",
        ),
        (
            _edit("calendar", "closed_days = []", 'closed_days = ["2026-13-01"]'),
            "calendar.closed_days.0",
            "valid date",
        ),
        (
            _edit("sla", "\nbusiness_hours = 2\n", "\nbusiness_hours = -1\n"),
            "sla.rules.0.business_hours",
            "greater than 0",
        ),
        (
            _edit("sla", "business_days = 1", "business_days = 0"),
            "sla.rules.1.business_days",
            "greater than 0",
        ),
        (
            _edit("sla", "\nbusiness_hours = 2\n", "\nbusiness_hours = 2\nbusiness_days = 1\n"),
            "sla.rules.0.business_hours",
            "give exactly one of business_hours, business_days",
        ),
        (
            _edit("sla", "\nbusiness_hours = 2\n", "\n"),
            "sla.rules.0.business_hours",
            "give exactly one of business_hours, business_days",
        ),
        (
            _edit("sla", 'key = "rfp"', 'key = "contact_expert"'),
            "sla.rules",
            "rule keys must be unique: contact_expert",
        ),
        (
            _edit("sla", 'form_types = ["contact_expert"]', 'form_types = ["callback"]'),
            "sla.rules.0.form_types",
            "'callback' is not a form type",
        ),
        (
            _edit("sla", "failed_attempts_to_nurturing = 3", "failed_attempts_to_nurturing = 0"),
            "sla.failed_attempts_to_nurturing",
            "greater than or equal to 1",
        ),
        (
            _edit("sla", '"bounced"]', '"busy"]'),
            "sla.failed_outcomes",
            "unknown outcomes busy",
        ),
        (
            _edit("sla", "escalate_after_business_hours = 2", "escalate_after_business_hours = -2"),
            "sla.escalate_after_business_hours",
            "greater than or equal to 0",
        ),
    ],
    ids=[
        "overlap",
        "overlap_out_of_order",
        "ends_before_it_starts",
        "empty_period",
        "not_a_time",
        "after_midnight",
        "unknown_weekday",
        "no_working_day",
        "unknown_country",
        "lowercase_country",
        "unknown_subdivision",
        "unknown_time_zone",
        "zero_hour_business_day",
        "business_day_over_24_hours",
        "impossible_closed_day",
        "negative_sla",
        "zero_sla",
        "hours_and_days",
        "no_delay",
        "duplicate_rule_key",
        "unknown_form_type",
        "zero_failed_attempts",
        "unknown_failed_outcome",
        "negative_escalation",
    ],
)
def test_bad_input_is_refused_with_the_field_at_fault(text: str, field: str, message: str):
    fields = _fields(text)

    assert list(fields) == [field], fields
    assert message in fields[field]
