"""The ``[scoring]`` section of the playbook: defaults; bad settings refused with their field."""

from __future__ import annotations

import pytest

from bascule.errors import PlaybookInvalid
from bascule.playbook.load import default_playbook, default_text, parse
from bascule.playbook.scoring import Scoring

TEXT = default_text()


def _fields(text: str) -> dict[str, str]:
    with pytest.raises(PlaybookInvalid) as exc:
        parse(text)
    return exc.value.fields


def _with(section_text: str) -> str:
    """The default playbook with these lines added at the top of ``[scoring]``."""
    return TEXT.replace("[scoring]\n", f"[scoring]\n{section_text}\n", 1)


def test_the_default_section_is_the_documented_one():
    section = default_playbook().scoring
    assert section == Scoring()  # default.toml and the schema's defaults agree
    assert section.enabled is True
    assert (section.half_life_days, section.horizon_half_lives, section.mql_threshold) == (
        30,
        8,
        50,
    )
    assert (section.bands.hot, section.bands.warm) == (70, 40)
    assert section.forms["demo_request"].points == 24
    assert section.strong_signals == ("seat_limit_reached",)


def test_a_playbook_without_a_scoring_section_gets_the_defaults():
    text = TEXT[: TEXT.index("# Scoring (SPEC §8)")]  # the section ends the file
    assert "[scoring" not in text
    assert parse(text).scoring == Scoring()


def test_signals_left_out_keep_their_default_points():
    text = TEXT.replace("page_view = { points = 1, cap = 10 }", "page_view = { points = 3 }")
    signals = parse(text).scoring.signals
    assert (signals["page_view"].points, signals["page_view"].cap) == (3, None)
    assert signals["pricing_view"] == Scoring().signals["pricing_view"]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            ("page_view = {", "page_vue = {"),
            "scoring.signals.page_vue",
            "unknown signal type; known: content_download, email_click",
        ),
        (
            ('demo_request = { points = 24, cap = 24 }', 'webinar = { points = 10 }'),
            "scoring.forms.webinar",
            "not a form type",
        ),
        (
            ("half_life_days = 30\n", "half_life_days = -30\n"),
            "scoring.half_life_days",
            "Input should be greater than 0",
        ),
        (
            ("pricing_view = { points = 6, cap = 18 }",
             "pricing_view = { points = 6, cap = 18, half_life_days = -7 }"),
            "scoring.signals.pricing_view.half_life_days",
            "Input should be greater than 0",
        ),
        (
            ("warm = 40", "warm = 75"),
            "scoring.bands.warm",
            "must be below hot (70), got 75",
        ),
        (
            ("min = 50\nmax = 249", "min = 40\nmax = 249"),
            "scoring.employees.2.min",
            "overlaps band 1 (10 to 49)",
        ),
        (
            ("min = 10\nmax = 49", "min = 10\nmax = 5"),
            "scoring.employees.1.max",
            "below its min (10)",
        ),
        (
            ('strong_signals = ["seat_limit_reached"]', 'strong_signals = ["seats_full"]'),
            "scoring.strong_signals",
            "unknown signal types seats_full",
        ),
        (
            ("mql_threshold = 50", "mql_threshold = 0"),
            "scoring.mql_threshold",
            "Input should be greater than or equal to 1",
        ),
        (
            ('key = "spreadsheet"', 'key = "crm"'),
            "scoring.technologies.1.key",
            "'crm' is listed twice",
        ),
    ],
    ids=[
        "unknown-signal", "unknown-form", "negative-half-life", "negative-type-half-life",
        "overlapping-bands", "overlapping-employee-bands", "band-max-below-min",
        "unknown-strong-signal", "threshold-0", "duplicate-key",
    ],
)  # fmt: skip
def test_bad_settings_are_refused_with_the_field_at_fault(change, field, message):
    old, new = change
    assert TEXT.count(old) == 1
    fields = _fields(TEXT.replace(old, new))
    assert list(fields) == [field]
    assert message in fields[field]


def test_unordered_employee_bands_are_refused():
    text = _with("")
    start = text.index("[[scoring.employees]]")
    end = text.index("# Job titles")
    bands = "".join(
        f"[[scoring.employees]]\nmin = {lo}\n{f'max = {hi}' if hi else ''}\npoints = 1\n\n"
        for lo, hi in ((50, 249), (10, 49), (250, None))
    )
    fields = _fields(text[:start] + bands + text[end:])
    assert list(fields) == ["scoring.employees.1.min"]
    assert "bands go from the smallest companies up" in fields["scoring.employees.1.min"]


def test_an_unknown_setting_in_the_section_is_refused_by_name():
    assert _fields(_with("decay = 12")) == {"scoring.decay": "Extra inputs are not permitted"}
