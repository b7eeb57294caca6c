"""Requalification (SPEC §2): sales hands a lead back to marketing (sql → nurturing) with a
written reason; it shows in the lead's history (kind ``requalification``) and in
``GET /api/v1/reports/requalifications?from=&to=&group_by=owner|reason|source``, on both
databases. The clock is passed in (the API's ``clock`` dependency)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bascule.http import deps

PARIS = ZoneInfo("Europe/Paris")
DECEMBER = "/reports/requalifications?from=2026-12-01&to=2026-12-31"
NO_BUDGET = "Pas de budget cette année"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, tzinfo=PARIS)

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(app) -> Iterator[Clock]:
    fake = Clock()
    app.dependency_overrides[deps.clock] = fake
    try:
        yield fake
    finally:
        app.dependency_overrides.pop(deps.clock, None)


def hand_back(api, clock: Clock, lead_id: int, at: datetime, reason: str, as_: str = ""):
    """Accept the lead (sql) just before ``at``, then send it back to nurturing at ``at``."""
    clock.now = at.replace(minute=0)
    api.ok(api.post(f"/leads/{lead_id}/status", {"status": "sql"}, as_=as_))
    clock.now = at
    body = {"status": "nurturing", "reason": reason}
    return api.ok(api.post(f"/leads/{lead_id}/status", body, as_=as_))


@pytest.fixture
def december(api, clock, users) -> dict[str, int]:
    """Hand-backs around December 2026 (Paris time):

    - web: by sales on 2 Dec (no budget) and again on 11 Dec (project postponed);
    - salon: by sales on 3 Dec, the same reason written differently;
    - referral: by the SDR on 31 Dec at 23:30 (still December in Paris);
    - rule: an SQL unreachable three times on 4 Dec (the failed-attempts rule);
    - early: on 30 Nov at 23:30 Paris (22:30 UTC), before the period.
    """
    made = {
        "web": api.create_lead(email="a@acier-durand.fr", source="web_form")["id"],
        "salon": api.create_lead(email="b@bois-martin.fr", source="trade_show")["id"],
        "referral": api.create_lead(
            email="c@cafes-leroy.fr", source="referral", owner_id=users["sdr"].id
        )["id"],
        "rule": api.create_lead(email="d@dupont-freres.fr", source="web_form")["id"],
        "early": api.create_lead(email="e@eaux-vives.fr", source="trade_show")["id"],
    }
    hand_back(api, clock, made["early"], datetime(2026, 11, 30, 23, 30, tzinfo=PARIS), NO_BUDGET)
    hand_back(api, clock, made["web"], datetime(2026, 12, 2, 10, 15, tzinfo=PARIS), NO_BUDGET)
    hand_back(
        api,
        clock,
        made["salon"],
        datetime(2026, 12, 3, 11, 5, tzinfo=PARIS),
        " pas de  budget cette année.",
    )
    clock.now = datetime(2026, 12, 4, 9, tzinfo=PARIS)
    api.ok(api.post(f"/leads/{made['rule']}/status", {"status": "sql"}))
    for _ in range(3):
        api.ok(
            api.post(
                f"/leads/{made['rule']}/activities",
                {"kind": "call", "direction": "out", "outcome": "no_answer"},
            ),
            201,
        )
    hand_back(
        api,
        clock,
        made["web"],
        datetime(2026, 12, 11, 16, 40, tzinfo=PARIS),
        "Projet repoussé à 2028",
    )
    hand_back(
        api,
        clock,
        made["referral"],
        datetime(2026, 12, 31, 23, 30, tzinfo=PARIS),
        "Pas le bon interlocuteur",
        as_="sdr",
    )
    return made


def test_a_hand_back_needs_a_written_reason_and_shows_in_history(api, clock):
    lead = api.create_lead()
    api.ok(api.post(f"/leads/{lead['id']}/status", {"status": "sql"}))

    # A blank reason is refused with the field
    refused = api.error(
        api.post(f"/leads/{lead['id']}/status", {"status": "nurturing", "reason": "  "}),
        422,
        "validation_failed",
    )
    assert "reason" in refused["fields"]

    clock.now = datetime(2026, 12, 2, 10, tzinfo=PARIS)
    body = {"status": "nurturing", "reason": NO_BUDGET}
    back = api.ok(api.post(f"/leads/{lead['id']}/status", body))
    assert back["status"] == "nurturing"
    last = api.ok(api.get(f"/leads/{lead['id']}/history"))[-1]
    assert (last["from_status"], last["to_status"], last["kind"], last["reason"]) == (
        "sql",
        "nurturing",
        "requalification",
        NO_BUDGET,
    )
    assert (last["actor_user_id"], last["actor_rule"]) == (api.users["admin"].id, None)


def test_by_reason_counts_the_hand_backs_of_the_period(api, december):
    report = api.ok(api.get(DECEMBER + "&group_by=reason"))

    assert (report["from"], report["to"], report["group_by"]) == (
        "2026-12-01",
        "2026-12-31",
        ["reason"],
    )
    assert [
        (r["reason"], r["requalifications"], r["leads"], r["by_rule"]) for r in report["rows"]
    ] == [
        (NO_BUDGET, 2, 2, 0),
        ("3 failed contact attempts (no_answer, voicemail, bounced)", 1, 1, 1),
        ("Pas le bon interlocuteur", 1, 1, 0),
        ("Projet repoussé à 2028", 1, 1, 0),
    ]
    total = report["total"]
    assert (total["requalifications"], total["leads"], total["by_rule"]) == (5, 4, 1)
    assert total["reasons"][0] == {"reason": NO_BUDGET, "count": 2}


def test_by_owner_credits_who_handed_the_lead_back(api, users, december):
    report = api.ok(api.get(DECEMBER + "&group_by=owner"))

    rows = [
        (r["owner_id"], r["owner_name"], r["requalifications"], r["leads"]) for r in report["rows"]
    ]
    assert rows == [
        (users["admin"].id, "Admin", 4, 3),  # two by hand on "web", "salon", the rule's on its lead
        (users["sdr"].id, "Sdr", 1, 1),
    ]
    sales = report["rows"][0]
    assert sales["reasons"] == [
        {"reason": NO_BUDGET, "count": 2},
        {"reason": "3 failed contact attempts (no_answer, voicemail, bounced)", "count": 1},
        {"reason": "Projet repoussé à 2028", "count": 1},
    ]


def test_by_source(api, december):
    report = api.ok(api.get(DECEMBER + "&group_by=source"))

    assert [(r["source"], r["requalifications"], r["leads"]) for r in report["rows"]] == [
        ("web_form", 3, 2),
        ("referral", 1, 1),
        ("trade_show", 1, 1),
    ]


def test_two_groupings_at_once(api, users, december):
    report = api.ok(api.get(DECEMBER + "&group_by=source,owner"))

    assert [(r["source"], r["owner_id"], r["requalifications"]) for r in report["rows"]] == [
        ("web_form", users["admin"].id, 3),
        ("referral", users["sdr"].id, 1),
        ("trade_show", users["admin"].id, 1),
    ]


def test_the_period_is_days_of_the_company_calendar(api, december):
    november = api.ok(api.get("/reports/requalifications?from=2026-11-30&to=2026-11-30"))
    new_year = api.ok(api.get("/reports/requalifications?from=2027-01-01&to=2027-01-31"))

    assert november["total"]["requalifications"] == 1  # 23:30 in Paris is still 30 November
    assert new_year["total"] == {"requalifications": 0, "leads": 0, "by_rule": 0, "reasons": []}
    assert new_year["rows"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group_by=colour", "group_by"),
        ("group_by=owner,owner", "group_by"),
        ("group_by=", "group_by"),
        ("from=2026-13-01", "from"),
        ("to=demain", "to"),
        ("from=2026-12-31&to=2026-12-01", "from"),
        ("from=0001-01-01&to=0001-01-02", "from"),
        ("to=0001-01-05", "to"),
        ("from=9999-12-30&to=9999-12-31", "from"),
    ],
)
def test_bad_query_parameters_answer_422_with_the_field(api, query, field):
    error = api.error(api.get(f"/reports/requalifications?{query}"), 422)
    assert field in error["fields"], error


def test_the_report_needs_a_token(api):
    api.error(api.get("/reports/requalifications", as_=None), 401)


def test_with_no_period_given_it_covers_the_last_thirty_days(api, clock):
    clock.now = datetime(2026, 12, 15, 12, tzinfo=PARIS)

    report: dict[str, Any] = api.ok(api.get("/reports/requalifications"))

    assert (report["from"], report["to"], report["group_by"]) == (
        "2026-11-16",
        "2026-12-15",
        ["reason"],
    )
