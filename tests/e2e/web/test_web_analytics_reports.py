"""The SPEC §16 report pages in a real browser, on SQLite and PostgreSQL: funnel, pipeline,
loss reasons, time in each stage and the back-test. The history is written as it is stored
(leads with their status history, opportunities won, lost and open), so every figure on the
page is known: the table, the chart's description, the links to the lists behind the numbers
and the CSV of the same rows, in French and English."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import insert, update

from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.web.security import SESSION_COOKIE

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)

PARIS = ZoneInfo("Europe/Paris")
PERIOD = "from=2026-02-01&to=2026-03-31"


def paris(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=PARIS).astimezone(UTC)


def plain(text: str | None) -> str:
    """Spaces as one plain space (French numbers use narrow no-break spaces)."""
    return " ".join((text or "").replace("\u202f", " ").replace("\xa0", " ").split())


def write_history(database: Database) -> int:
    """Five leads of February and March 2026 and three opportunities:

    - 1 stays new; 2 reaches mql; 3 goes mql → sql → converted, its opportunity won
      (12 500, closed 5 March); 4 is converted straight from new, lost for no real need
      (8 000, closed 10 March); 5 (15 March) is contacted;
    - an open opportunity in proposal (20 000, 50 %) expected to close on 20 March.
    """
    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        rep = users.create_user(uow, email="rep@bascule.fr", role="sales", name="Rep", now=now)
        uow.commit()
        rep_id = rep.id
    steps = {1: ["new"], 2: ["new", "mql"], 3: ["new", "mql", "sql", "converted"],
             4: ["new", "converted"], 5: ["new", "contacted"]}  # fmt: skip
    with database.engine.begin() as conn:
        conn.execute(insert(t.Account), [{"id": 1, "name": "Acme", "name_key": "acme"}])
        conn.execute(insert(t.Lead), [
            {"id": i, "source": "web_form", "owner_id": rep_id, "status": s[-1],
             "email": f"lead{i}@exemple.fr", "created_at": paris(3 if i == 5 else 2, 10 + i)}
            for i, s in steps.items()
        ])  # fmt: skip
        conn.execute(insert(t.LeadStatusHistory), [
            {"lead_id": i, "from_status": s[n - 1] if n else None, "to_status": status,
             "changed_at": paris(3 if i == 5 else 2, 10 + i, 10 + n), "kind": "progress"}
            for i, s in steps.items() for n, status in enumerate(s)
        ])  # fmt: skip
        opps = [(1, 3, "won", 12500, paris(3, 5), None), (2, 4, "lost", 8000, paris(3, 10),
                 "no_real_need"), (3, None, "proposal", 20000, None, None)]  # fmt: skip
        probability = {"won": 100, "lost": 0, "proposal": 50}
        conn.execute(insert(t.Opportunity), [
            {"id": oid, "name": f"Projet {oid}", "name_key": f"projet {oid}", "account_id": 1,
             "amount": Decimal(amount), "expected_close_date": datetime(2026, 3, 20).date(),
             "stage": stage, "probability": probability[stage], "type": "new_business",
             "lead_source": "web_form", "lead_id": lead, "loss_reason": reason,
             "owner_id": rep_id, "is_closed": closed is not None, "is_won": stage == "won",
             "closed_at": closed, "created_at": paris(2, 20)}
            for oid, lead, stage, amount, closed, reason in opps
        ])  # fmt: skip
        conn.execute(insert(t.OpportunityStageHistory), [
            {"opportunity_id": oid, "from_stage": None, "to_stage": stage,
             "changed_at": closed or paris(2, 20), "probability": probability[stage],
             "amount": Decimal(amount)}
            for oid, _lead, stage, amount, closed, _reason in opps
        ])  # fmt: skip
        for oid, lead, *_ in opps:
            if lead:
                conn.execute(update(t.Lead).where(t.Lead.id == lead).values(opportunity_id=oid))
    return rep_id


@pytest.fixture
def site(
    db_url: str, serve: Callable[[FastAPI], str], page: Any, web_app: Any, session_cookie: Any
) -> str:
    database = Database(db_url)
    playbooks.forget(database)
    rep_id = write_history(database)
    base = serve(web_app(database))
    cookie = session_cookie(database, rep_id)
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": base}])
    return base


def cells(page: Any, selector: str) -> list[list[str]]:
    return [[plain(c) for c in row.locator("th, td").all_inner_texts()]
            for row in page.locator(f"{selector} tbody tr, {selector} tfoot tr").all()]  # fmt: skip


def query_of(href: str | None) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(href or "")
    return parts.path, parse_qs(parts.query)


def test_the_funnel_in_french_with_its_charts_links_and_csv(site: str, page: Any) -> None:
    page.goto(f"{site}/leads")
    page.click("header nav a[href='/reports/funnel']")
    page.fill("input[name=from]", "2026-02-01")
    page.fill("input[name=to]", "2026-03-31")
    page.click("form.report-query button")
    assert page.locator("h1").inner_text() == "Entonnoir"
    assert cells(page, "#funnel-table")[-1] == [
        "Total", "5", "3", "2", "2", "1", "1", "60,0 %", "66,7 %", "100,0 %", "50,0 %", "20,0 %",
    ]  # fmt: skip
    chart = page.get_by_role("img", name="Entonnoir des leads créés dans la période")
    assert chart.count() == 1
    desc = plain(page.locator("svg#funnel-chart desc").text_content())
    assert "Leads 5" in desc and "MQL 3" in desc and "Gagnées 1" in desc
    assert page.locator("svg#trend-chart .column-group").count() == 2  # February, March
    # Every count links to the leads behind it, with the cohort's days.
    total = page.locator("#funnel-table tfoot td a")
    path, params = query_of(total.nth(1).get_attribute("href"))
    assert path == "/leads"
    assert params == {"created_from": ["2026-02-01"], "created_to": ["2026-03-31"],
                      "reached": ["mql"]}  # fmt: skip
    _, won = query_of(total.nth(4).get_attribute("href"))
    assert won["outcome"] == ["won"]
    # The CSV holds the same rows.
    href = page.get_by_role("link", name="Télécharger en CSV").get_attribute("href")
    response = page.request.get(site + href)
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text())))
    assert [(r["label"], r["leads"], r["mql"], r["won"]) for r in rows] == [("Tous", "5", "3", "1")]
    # Followed, the list holds the leads counted, and says by which filters.
    total.nth(1).click()
    assert plain(page.locator("h1 small").inner_text()) == "(Total 3)"
    chips = [plain(c).rstrip(" ×") for c in page.locator("ul.filter-chips li").all_inner_texts()]
    assert chips[-1].startswith("Atteint dans son historique : MQL")


def test_the_funnel_by_month_links_each_month(site: str, page: Any) -> None:
    page.goto(f"{site}/reports/funnel?{PERIOD}&group_by=month&lang=en")
    rows = cells(page, "#funnel-table")
    assert [r[:3] for r in rows] == [["February 2026", "4", "3"], ["March 2026", "1", "0"],
                                     ["Total", "5", "3"]]  # fmt: skip
    _, march = query_of(page.locator("#funnel-table tbody tr").nth(1).locator("a").first
                        .get_attribute("href"))  # fmt: skip
    assert march == {"created_from": ["2026-03-01"], "created_to": ["2026-03-31"]}


def test_the_pipeline_by_month_in_english(site: str, page: Any) -> None:
    page.goto(f"{site}/reports/pipeline?{PERIOD}&group_by=month&lang=en")
    assert cells(page, "#pipeline-table") == [
        ["March 2026", "1", "€20,000", "€10,000", "1", "€12,500", "1", "€8,000", "50.0%"],
        ["Total", "1", "€20,000", "€10,000", "1", "€12,500", "1", "€8,000", "50.0%"],
    ]
    assert page.get_by_role("img", name="Open pipeline by stage").count() == 1
    assert page.get_by_role("img", name="Pipeline by close month").count() == 1
    stage = plain(page.locator("svg#stage-chart desc").text_content())
    assert "Proposal sent €20,000" in stage
    links = page.locator("#pipeline-table tbody td a")
    path, open_ = query_of(links.nth(0).get_attribute("href"))
    assert path == "/opportunities"
    assert open_ == {"state": ["open"], "expected_close_from": ["2026-03-01"],
                     "expected_close_to": ["2026-03-31"]}  # fmt: skip
    _, won = query_of(links.nth(3).get_attribute("href"))
    assert won == {"state": ["won"], "closed_from": ["2026-03-01"], "closed_to": ["2026-03-31"]}
    # The list behind the won count: the one opportunity won in March, named by chips.
    page.click("#pipeline-table tbody tr >> nth=0 >> a >> nth=3")
    assert page.locator("#list-title").inner_text() == "Opportunities (1)"
    chips = page.locator("ul.filter-chips li").all_inner_texts()
    assert [c.rstrip(" ×") for c in chips] == ["State: Won", "Closed from: Mar 1, 2026",
                                               "Closed until: Mar 31, 2026"]  # fmt: skip


def test_loss_reasons_and_the_no_real_need_share(site: str, page: Any) -> None:
    page.goto(f"{site}/reports/loss-reasons?{PERIOD}")
    assert cells(page, "#loss-table") == [
        ["Pas de besoin réel", "1", "8 000 €", "100,0 %", "50,0 %"],
        ["Total", "1", "8 000 €", "100,0 %", "50,0 %"],
    ]
    assert "50,0 % au total" in plain(page.locator("p.note").inner_text())
    _, lost = query_of(page.locator("#loss-table tbody a").first.get_attribute("href"))
    assert lost["state"] == ["lost"] and lost["loss_reason"] == ["no_real_need"]


def test_time_in_each_stage_links_to_who_is_in_it(site: str, page: Any) -> None:
    page.goto(f"{site}/reports/stage-times?{PERIOD}&lang=en")
    page.select_option("select[name=pipeline]", "opportunity")
    page.click("form.report-query button")
    rows = {r[0]: r for r in cells(page, "#stay-table")}
    assert rows["Proposal sent"][5] == "1"  # in it now
    link = page.locator("#stay-table tbody tr", has_text="Proposal sent").locator("a").first
    assert link.get_attribute("href") == "/opportunities?stage=proposal&state=all"
    assert page.get_by_role("img", name="Median time in each status or stage (hours)").count() == 1


THRESHOLD = "input[name='scoring.mql_threshold']"


def test_the_back_test_shows_both_columns(site: str, page: Any) -> None:
    page.goto(f"{site}/reports/backtest?lang=en")
    assert page.input_value(THRESHOLD) == "50"
    page.fill("input[name=from]", "2026-02-01")
    page.fill("input[name=to]", "2026-03-31")
    page.fill(THRESHOLD, "30")
    page.click("form.report-query button[type=submit]")
    headers = page.locator("#backtest-table thead th").all_inner_texts()
    assert headers == ["Measure", "Current (threshold 50)", "Proposed (threshold 30)"]
    rows = {r[0]: r[1:] for r in cells(page, "#backtest-table")}
    # No signal and no profile: no score reaches either threshold.
    assert rows["Leads"] == ["5", "5"] and rows["MQL"] == ["0", "0"]
    assert rows["Recall"] == ["0.0%", "0.0%"] and rows["Precision"] == ["—", "—"]
    link = page.locator("#backtest-table tbody a").first.get_attribute("href")
    assert link == "/leads?created_from=2026-02-01&created_to=2026-03-31"
    assert page.input_value(THRESHOLD) == "30"  # the form keeps what was tried


def test_the_back_test_form_holds_the_whole_playbook_and_places_each_refusal(
    site: str, page: Any
) -> None:
    page.goto(f"{site}/reports/backtest?lang=en")
    # Prefilled with the current playbook: decay, a signal's points and cap, a company size,
    # the ready-to-convert rule.
    assert page.get_by_label("Half-life of a signal (days)").input_value() == "30"
    assert page.get_by_label("Page view: points").input_value() == "1"
    assert page.get_by_label("Page view: at most").input_value() == "10"
    assert page.get_by_label("Company size: 250+ employees").input_value() == "10"
    assert page.get_by_label("BANT: need confirmed").is_checked()
    assert page.get_by_label("BANT: budget at least").input_value() == "range"
    # Three settings refused at once, each beside its input.
    page.locator("details").first.locator("summary").click()
    page.get_by_label("Half-life of a signal (days)").fill("0")
    page.get_by_label("Page view: points").fill("lots")
    page.fill(THRESHOLD, "101")
    response_wait = page.expect_response(lambda r: "/reports/backtest" in r.url)
    with response_wait as caught:
        page.click("form.report-query button[type=submit]")
    assert caught.value.status == 422
    for label in ("Half-life of a signal (days)", "Page view: points", "MQL threshold"):
        field = page.get_by_label(label)
        assert field.get_attribute("aria-invalid") == "true", label
        error = page.locator("#" + field.get_attribute("aria-describedby"))
        assert error.inner_text().startswith("Not accepted:"), label
    assert page.get_by_label("Page view: points").input_value() == "lots"
    assert page.locator("table.report").count() == 0
    # A proposal that changes the ready-to-convert rule and the decay runs: both columns.
    page.get_by_label("Half-life of a signal (days)").fill("15")
    page.get_by_label("Page view: points").fill("2")
    page.fill(THRESHOLD, "40")
    page.get_by_label("BANT: need confirmed").uncheck()
    page.get_by_label("Framework").select_option("meddic")
    page.click("form.report-query button[type=submit]")
    assert page.locator("#backtest-table thead th").all_inner_texts()[1:] == [
        "Current (threshold 50)", "Proposed (threshold 40)"]  # fmt: skip
    assert not page.get_by_label("BANT: need confirmed").is_checked()
    assert page.get_by_label("Framework").input_value() == "meddic"
    params = parse_qs(urlsplit(page.url).query)
    assert params["qualification.ready_to_convert.need_confirmed"] == ["no"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/reports/funnel?group_by=colour", "Regroupement inconnu"),
        ("/reports/pipeline?from=2026-04-01&to=2026-03-01", "La période finit avant de commencer"),
        ("/reports/stage-times?pipeline=deal", "Pipeline inconnu"),
        ("/reports/backtest?scoring.mql_threshold=0", "Le playbook proposé n’est pas accepté"),
        ("/reports/backtest?scoring.mql_threshold=abc", "Le playbook proposé n’est pas accepté"),
    ],
)
def test_a_bad_query_is_a_message_in_the_page(site: str, page: Any, path: str, message: str):
    response = page.goto(site + path)
    assert response.status == 422
    assert message in page.inner_text("[role=alert]")
    assert page.locator("form.report-query").count() == 1
    assert page.locator("table.report").count() == 0
