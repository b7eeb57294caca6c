"""The requalification report's arithmetic (SPEC §2, §10), pure: hand-backs grouped by owner,
reason or source, with distinct leads, rule-made hand-backs and reasons."""

from __future__ import annotations

import pytest

from bascule.leads.requalifications import Handback, reason_key, summarize


def back(lead: int, reason: str | None, *, by: int | None = 1, owner: int | None = 1,
         source: str = "web_form", rule: str | None = None) -> Handback:  # fmt: skip
    return Handback(lead, reason, by, rule, owner, source)


HANDBACKS = [
    back(1, "Pas de budget"),
    back(2, "  pas de   budget. ", by=2, owner=1, source="referral"),
    back(1, "Projet repoussé"),
    back(3, "3 failed contact attempts", by=None, owner=2, rule="failed_attempts"),
    back(4, None, by=None, owner=None, rule="failed_attempts"),
]


def test_reasons_written_differently_are_one_reason_shown_as_first_written():
    assert reason_key("  pas de   budget. ") == reason_key("Pas de budget") == "pas de budget"
    lines, total = summarize(HANDBACKS, group_by=("reason",))
    assert [(n["reason"], n["requalifications"], n["leads"]) for n in lines] == [
        ("Pas de budget", 2, 2),
        ("", 1, 1),
        ("3 failed contact attempts", 1, 1),
        ("Projet repoussé", 1, 1),
    ]
    assert (total["requalifications"], total["leads"], total["by_rule"]) == (5, 4, 2)


def test_owner_is_who_handed_back_else_the_leads_owner_and_nobody_comes_last():
    lines, _ = summarize(HANDBACKS, group_by=("owner",))
    assert [(n["owner_id"], n["requalifications"], n["leads"], n["by_rule"]) for n in lines] == [
        (1, 2, 1, 0),
        (2, 2, 2, 1),
        (None, 1, 1, 1),
    ]
    assert lines[0]["reasons"] == [
        {"reason": "Pas de budget", "count": 1},
        {"reason": "Projet repoussé", "count": 1},
    ]


def test_grouping_by_source_and_owner():
    lines, _ = summarize(HANDBACKS, group_by=("source", "owner"))
    assert [(n["source"], n["owner_id"], n["requalifications"]) for n in lines] == [
        ("web_form", 1, 2),
        ("referral", 2, 1),
        ("web_form", 2, 1),
        ("web_form", None, 1),
    ]


def test_nothing_handed_back():
    assert summarize([], group_by=("owner",)) == (
        [],
        {"requalifications": 0, "leads": 0, "by_rule": 0, "reasons": []},
    )


def test_an_unknown_grouping_is_refused():
    with pytest.raises(ValueError, match="colour"):
        summarize(HANDBACKS, group_by=("colour",))
