"""``bascule playbook check`` on the business calendar and the SLA rules (SPEC §9, §14): bad
working hours, countries and delays are refused with the field at fault."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

DEFAULT_TEXT = (
    resources.files("bascule.playbook").joinpath("default.toml").read_text(encoding="utf-8")
)
MONDAY = 'mon = [["09:00", "18:00"]]'
WORKING_WEEK = "\n".join(
    f'{day} = [["09:00", "18:00"]]' for day in ("mon", "tue", "wed", "thu", "fri")
)


def _in_section(section: str, old: str, new: str) -> str:
    """The default playbook with ``old`` replaced by ``new`` inside ``[section]``."""
    at = DEFAULT_TEXT.index(old, DEFAULT_TEXT.index(f"\n[{section}]\n"))
    return DEFAULT_TEXT[:at] + new + DEFAULT_TEXT[at + len(old) :]


@pytest.fixture
def playbook_file(tmp_path: Path):
    def write(text: str) -> Path:
        path = tmp_path / "playbook.toml"
        path.write_text(text, "utf-8")
        return path

    return write


def test_a_calendar_with_a_subdivision_a_lunch_break_and_closed_days_checks_ok(
    run_cli, playbook_file
):
    text = _in_section(
        "calendar", "closed_days = []", 'subdivision = "57"\nclosed_days = [2026-05-15]'
    ).replace(MONDAY, 'mon = [["09:00", "12:30"], ["14:00", "18:00"]]', 1)
    path = playbook_file(text)

    result = run_cli("playbook", "check", str(path))

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: ")
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            DEFAULT_TEXT.replace(MONDAY, 'mon = [["09:00", "13:00"], ["12:00", "18:00"]]', 1),
            "calendar.hours.mon: 12:00-18:00 overlaps 09:00-13:00",
        ),
        (
            DEFAULT_TEXT.replace(MONDAY, 'mon = [["18:00", "09:00"]]', 1),
            "calendar.hours.mon: 18:00-09:00 ends before it starts",
        ),
        (
            _in_section("calendar", 'country = "FR"', 'country = "ZZ"'),
            "calendar.country: 'ZZ' has no public holidays calendar",
        ),
        (
            _in_section("calendar", "closed_days = []", 'subdivision = "67"\nclosed_days = []'),
            "calendar.subdivision: '67' is not a subdivision of FR",
        ),
        (
            _in_section("sla", "\nbusiness_hours = 2\n", "\nbusiness_hours = -1\n"),
            "sla.rules.0.business_hours: Input should be greater than 0",
        ),
        (
            _in_section("calendar.hours", WORKING_WEEK, "mon = []"),
            "calendar.hours: at least one weekday needs working hours",
        ),
    ],
    ids=[
        "overlapping_hours",
        "ends_before_it_starts",
        "unknown_country",
        "unknown_subdivision",
        "negative_sla",
        "no_working_day",
    ],
)
def test_bad_calendar_or_sla_is_refused_with_the_field_at_fault(
    run_cli, playbook_file, one_line_error, text: str, reason: str
):
    path = playbook_file(text)

    result = run_cli("playbook", "check", str(path))

    assert one_line_error(result) == f"error: {path}: playbook is invalid (1 error)"
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [result.stdout.strip()]
    assert result.stdout.startswith(f"{path}: {reason}")
