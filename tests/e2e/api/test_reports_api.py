"""SPEC §16 reports through HTTP: live history (leads moved and converted through the API,
opportunities won and lost) counted by ``/reports/funnel``, ``/pipeline``, ``/loss-reasons``
and ``/stage-times``; row shape, labels in the caller's language, CSV of the same rows, and
422 naming the field for a bad parameter."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

MEASURES = ("leads", "mql", "sql", "opportunities", "won", "lost", "mql_rate", "mql_to_sql",
            "sql_to_opportunity", "opportunity_to_won", "lead_to_won")  # fmt: skip


@pytest.fixture
def live(api) -> dict[str, Any]:
    """Three leads of today: one left new; one mql → sql → converted, won; one converted
    straight from new (its history skips mql and sql), lost for no real need."""
    api.create_lead(email="reste.nouveau@exemple.fr")
    winner = api.create_lead(email="gagne@exemple.fr", source="referral")
    for status in ("mql", "sql"):
        api.ok(api.post(f"/leads/{winner['id']}/status", {"status": status}))
    api.make_ready(winner["id"])
    won = api.convert(winner["id"], api.convert_body(name="Projet gagné", amount=40000))
    api.move(won["opportunity_id"], "won")
    loser = api.ready_lead(email="perdu@exemple.fr", company="Autre SA")
    lost = api.convert(loser["id"], api.convert_body(name="Projet perdu", amount=10000))
    api.move(lost["opportunity_id"], "lost", loss_reason="no_real_need")
    return {"won": won, "lost": lost}


def test_funnel_counts_live_history(api, live) -> None:
    body = api.ok(api.get("/reports/funnel?group_by=source", headers={"Accept-Language": "en"}))
    assert set(body) >= {"report", "from", "to", "group_by", "rows", "total"}
    total = body["total"]
    assert {k: total[k] for k in MEASURES} == {
        "leads": 3, "mql": 2, "sql": 2, "opportunities": 2, "won": 1, "lost": 1,
        "mql_rate": 0.6667, "mql_to_sql": 1.0, "sql_to_opportunity": 1.0,
        "opportunity_to_won": 0.5, "lead_to_won": 0.3333,
    }  # fmt: skip
    assert total["key"] is None and total["label"] == "Total"
    rows = {r["key"]: r for r in body["rows"]}
    assert set(rows) == {"referral", "web_form"}
    assert rows["referral"]["label"] == "Referral" and rows["referral"]["won"] == 1
    assert list(rows["referral"])[:2] == ["key", "label"]


def test_labels_follow_lang_then_accept_language(api, live) -> None:
    french = api.ok(api.get("/reports/pipeline?group_by=stage&lang=fr",
                            headers={"Accept-Language": "en-GB,en;q=0.8"}))  # fmt: skip
    english = api.ok(api.get("/reports/pipeline?group_by=stage",
                             headers={"Accept-Language": "en-GB,en;q=0.8"}))  # fmt: skip
    assert [r["label"] for r in french["rows"]] == ["Gagnée", "Perdue"]
    assert [r["label"] for r in english["rows"]] == ["Won", "Lost"]
    won = french["rows"][0]
    assert won["won_count"] == 1 and won["won_amount"] == 40000.0 and won["win_rate"] == 1.0
    assert french["total"]["win_rate"] == 0.5


def test_loss_reasons_and_the_no_real_need_share(api, live) -> None:
    body = api.ok(api.get("/reports/loss-reasons"))
    assert body["rows"] == [{
        "key": "no_real_need", "label": "Pas de besoin réel", "count": 1, "amount": 10000.0,
        "share": 1.0, "no_real_need_share": 0.5,
    }]  # fmt: skip
    assert body["no_real_need_share"] == 0.5


def test_stage_times_lists_every_status(api, live) -> None:
    body = api.ok(api.get("/reports/stage-times?pipeline=lead&lang=en"))
    rows = {r["key"]: r for r in body["rows"]}
    assert list(rows) == ["new", "contacted", "nurturing", "mql", "sql", "converted",
                          "disqualified"]  # fmt: skip
    assert rows["new"]["entered"] == 3 and rows["new"]["left"] == 2
    assert rows["new"]["current"] == 1 and rows["new"]["stalled"] == 0
    assert rows["converted"]["current"] == 2
    assert rows["new"]["median_hours"] is not None
    opp = api.ok(api.get("/reports/stage-times?pipeline=opportunity"))
    assert {r["key"]: r["current"] for r in opp["rows"]}["won"] == 1


def test_csv_gives_the_same_rows(api, live) -> None:
    response = api.get("/reports/funnel?group_by=source&format=csv&lang=en")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(response.text)))
    body = api.ok(api.get("/reports/funnel?group_by=source&lang=en"))
    assert list(lines[0]) == list(body["rows"][0])
    assert [row["key"] for row in lines] == [r["key"] for r in body["rows"]]
    assert [int(row["leads"]) for row in lines] == [r["leads"] for r in body["rows"]]
    assert [row["mql_rate"] for row in lines] == [str(r["mql_rate"]) for r in body["rows"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/reports/funnel?group_by=colour", "group_by"),
        ("/reports/pipeline?group_by=campaign", "group_by"),
        ("/reports/loss-reasons?group_by=month", "group_by"),
        ("/reports/funnel?from=2026-13-01", "from"),
        ("/reports/funnel?from=2026-05-02&to=2026-05-01", "from"),
        ("/reports/pipeline?format=xml", "format"),
        ("/reports/stage-times?pipeline=deal", "pipeline"),
        ("/reports/funnel?lang=de", "lang"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(api, query: str, field: str) -> None:
    error = api.error(api.get(query), 422)
    assert field in error["fields"], error


def test_reports_need_a_token(api) -> None:
    assert api.get("/reports/funnel", as_=None).status_code == 401
