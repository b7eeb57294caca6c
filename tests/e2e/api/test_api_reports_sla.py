"""``GET /api/v1/reports/sla`` (SPEC §10, §13) on SQLite and PostgreSQL: the figures of a known
set of first-response clocks made through the API, per rule and owner, and bad queries.

Paris times on the default calendar; 23 November 2026 is a Monday. The API's clock is the
test's (``deps.clock`` overridden).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from bascule.http import deps
from bascule.sla import tick as sla_tick
from bascule.storage import tables as t

PARIS = ZoneInfo("Europe/Paris")
FIGURES = (
    "started", "answered_in_time", "answered_late", "breached_open", "breached_stopped",
    "running", "stopped_in_time", "escalated", "median_response_business_hours",
    "p90_response_business_hours", "compliance_percent",
)  # fmt: skip


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


class Clock:
    __test__ = False

    def __init__(self, now: datetime) -> None:
        self.now = now


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    current = Clock(paris(23, 10))
    app.dependency_overrides[deps.clock] = lambda: current.now
    yield current
    app.dependency_overrides.pop(deps.clock, None)


@pytest.fixture
def known_set(api, database, form_key, users, clock) -> dict[str, int]:
    """Six requests (SDR = users["sdr"], seller = users["sales"]):

    - Sunday 12:00, expert, SDR: answered Monday 09:30 (before the period of most queries);
    - Monday 10:00, three expert requests for the SDR: answered at 11:00 (1 business hour, in
      time), at 13:00 (3 h, late), never (breached at 12:00, escalated to the admin at 14:00);
    - Monday 10:00, a demo request for the seller: answered Tuesday 09:30 (8.5 h, in time);
    - Monday 10:00, a pricing request for the seller, given to the SDR at 11:00: the seller's
      clock stopped in time, the SDR's runs until Tuesday 10:00.
    """
    with database.uow(write=True) as uow:
        uow.session.execute(
            update(t.User).where(t.User.id == users["sdr"].id).values(manager_id=users["admin"].id)
        )
        uow.commit()
    sdr, seller = users["sdr"].id, users["sales"].id

    def request(form_type: str, email: str, owner: int) -> int:
        body = {"email": email, "last_name": "Martin", "company": "Forges de l'Est"}
        lead_id = api.ok(api.intake(form_type, body, key=form_key(form_type)), 201)["lead_id"]
        api.ok(api.patch(f"/leads/{lead_id}", {"owner_id": owner}))
        return int(lead_id)

    def answer(lead_id: int, at: datetime) -> None:
        clock.now = at
        body = {"kind": "call", "direction": "out", "outcome": "reached"}
        api.ok(api.post(f"/leads/{lead_id}/activities", body), 201)

    clock.now = paris(22, 12)
    sunday = request("contact_expert", "sunday@forges-est.fr", sdr)
    clock.now = paris(23, 10)
    ids = {
        "in_time": request("contact_expert", "a@forges-est.fr", sdr),
        "late": request("contact_expert", "b@forges-est.fr", sdr),
        "unanswered": request("contact_expert", "c@forges-est.fr", sdr),
        "demo": request("demo_request", "d@forges-est.fr", seller),
        "pricing": request("pricing_request", "e@forges-est.fr", seller),
        "sunday": sunday,
    }
    answer(sunday, paris(23, 9, 30))
    answer(ids["in_time"], paris(23, 11))
    clock.now = paris(23, 11)
    api.ok(api.patch(f"/leads/{ids['pricing']}", {"owner_id": sdr}))
    assert sla_tick.run(database, now=paris(23, 12)).breached == 2  # late, unanswered
    answer(ids["late"], paris(23, 13))
    assert sla_tick.run(database, now=paris(23, 14)).escalated == 1  # unanswered
    answer(ids["demo"], paris(24, 9, 30))
    clock.now = paris(24, 9, 45)
    return ids


def figures(line: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(line[name] for name in FIGURES)


def test_sla_report_per_rule_and_owner_on_a_known_set(api, known_set, users):
    report = api.ok(api.get("/reports/sla", params={"from": "2026-11-23", "to": "2026-11-24"}))

    sdr, seller = users["sdr"].id, users["sales"].id
    assert (report["from"], report["to"], report["group_by"]) == (
        "2026-11-23", "2026-11-24", ["rule", "owner"],
    )  # fmt: skip
    assert datetime.fromisoformat(report["as_of"]) == paris(24, 9, 45)
    assert [(r["rule"], r["owner_id"], r["owner_name"]) for r in report["rows"]] == [
        ("contact_expert", sdr, "Sdr"),
        ("demo_request", seller, "Sales"),
        ("pricing_request", seller, "Sales"),
        ("pricing_request", sdr, "Sdr"),
    ]
    expert, demo, pricing_seller, pricing_sdr = report["rows"]
    #                       started in late open stop run in-t esc  median p90  compliance
    assert figures(expert) == (3, 1, 1, 1, 0, 0, 0, 1, 2.0, 2.8, 33.3)
    assert figures(demo) == (1, 1, 0, 0, 0, 0, 0, 0, 8.5, 8.5, 100.0)
    assert figures(pricing_seller) == (1, 0, 0, 0, 0, 0, 1, 0, None, None, None)
    assert figures(pricing_sdr) == (1, 0, 0, 0, 0, 1, 0, 0, None, None, None)
    assert figures(report["total"]) == (6, 2, 1, 1, 0, 1, 1, 1, 3.0, 7.4, 50.0)


def test_sla_report_per_owner_includes_the_period_asked(api, known_set, users):
    report = api.ok(
        api.get("/reports/sla", params={"from": "2026-11-22", "to": "2026-11-23",
                                        "group_by": "owner"})
    )  # fmt: skip
    rows = {r["owner_id"]: r for r in report["rows"]}
    assert list(rows) == [users["sales"].id, users["sdr"].id]
    assert rows[users["sdr"].id]["rule"] is None  # not grouped by rule
    # Sunday's request counts now: 5 clocks of the SDR, 2 of them answered in time.
    assert (rows[users["sdr"].id]["started"], rows[users["sdr"].id]["answered_in_time"]) == (5, 2)
    assert rows[users["sales"].id]["started"] == 2
    assert report["total"]["started"] == 7


def test_sla_report_defaults_to_the_last_30_days(api, known_set):
    report = api.ok(api.get("/reports/sla"))
    assert (report["from"], report["to"]) == ("2026-10-26", "2026-11-24")
    assert report["total"]["started"] == 7


def test_an_empty_period_has_no_rows_and_no_compliance(api, known_set):
    report = api.ok(api.get("/reports/sla", params={"from": "2026-12-01", "to": "2026-12-31"}))
    assert report["rows"] == []
    assert report["total"]["started"] == 0
    assert report["total"]["compliance_percent"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "team"}, "group_by"),
        ({"group_by": "rule,rule"}, "group_by"),
        ({"group_by": ","}, "group_by"),
        ({"from": "2026-11-30", "to": "2026-11-23"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
    ],
)
def test_bad_report_queries_name_the_field(api, database, clock, params, field):
    error = api.error(api.get("/reports/sla", params=params), 422)
    assert field in error["fields"], error


def test_the_report_needs_a_token(api, database):
    api.error(api.get("/reports/sla", as_=None), 401)
