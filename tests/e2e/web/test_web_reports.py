"""The report pages and the SLA status of leads in a real browser, on SQLite and PostgreSQL:
``/reports/sla``, ``/reports/requalifications``, the lead page and the lead list.

The data is made through the API driver (``tests/e2e/conftest.py``) and the worker's SLA tick,
at times the test chooses: the API's and the pages' clock (``deps.clock``) is the test's, never
the real time. Paris times on the default calendar; 23 November 2026 is a Monday.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import event, update

from bascule.http import deps
from bascule.sla import tick as sla_tick
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.web.security import SESSION_COOKIE

# The driver arranges everyone's records, as the admin.
AS = "admin"

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)

PARIS = ZoneInfo("Europe/Paris")


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


class Clock:
    """The time the API and the pages believe it is."""

    __test__ = False

    def __init__(self) -> None:
        self.now = paris(11, 23, 10)

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    fake = Clock()
    app.dependency_overrides[deps.clock] = fake
    try:
        yield fake
    finally:
        app.dependency_overrides.pop(deps.clock, None)


@pytest.fixture
def site(
    database: Database, clock: Clock, serve: Callable[[FastAPI], str], page: Any, users: Any,
    web_app: Any, session_cookie: Any,
) -> str:  # fmt: skip
    """The web UI on the test's database and clock, the browser signed in as the admin: the
    reports here count the SDR's and the seller's leads, which only someone who reads both may
    see (SPEC §18)."""
    web = web_app(database)
    web.dependency_overrides[deps.clock] = clock
    base = serve(web)
    cookie = session_cookie(database, users["admin"].id)
    page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": base}])
    return base


@pytest.fixture
def clocks(api: Any, database: Database, form_key: Any, users: Any, clock: Clock) -> dict:
    """Six requests for contact (SDR = users["sdr"], seller = users["sales"]), as of Tuesday
    24 November 09:45:

    - Sunday 22, 12:00, expert, SDR: answered Monday 09:30 (before the period asked);
    - Monday 10:00, three expert requests for the SDR (2 business hours): answered at 11:00
      (in time), at 13:00 (late), never (breached at 12:00, escalated to the admin at 14:00);
    - Monday 10:00, a demo request for the seller (1 business day): answered Tuesday 09:30;
    - Monday 10:00, a pricing request for the seller, given to the SDR at 11:00: the seller's
      clock stopped in time, the SDR's runs until Tuesday 10:00 (8 business hours).
    """
    with database.uow(write=True) as uow:
        uow.session.execute(
            update(t.User).where(t.User.id == users["sdr"].id).values(manager_id=users["admin"].id)
        )
        uow.commit()
    sdr, seller = users["sdr"].id, users["sales"].id

    def request(form_type: str, email: str, owner: int) -> int:
        body = {"email": email, "first_name": email.split("@")[0].title(),
                "last_name": "Martin", "company": "Forges de l'Est"}  # fmt: skip
        lead_id = api.ok(api.intake(form_type, body, key=form_key(form_type)), 201)["lead_id"]
        api.ok(api.patch(f"/leads/{lead_id}", {"owner_id": owner}, as_="admin"))
        return int(lead_id)

    def answer(lead_id: int, at: datetime) -> None:
        clock.now = at
        body = {"kind": "call", "direction": "out", "outcome": "reached"}
        api.ok(api.post(f"/leads/{lead_id}/activities", body, as_="admin"), 201)

    clock.now = paris(11, 22, 12)
    sunday = request("contact_expert", "dimanche@forges-est.fr", sdr)
    clock.now = paris(11, 23, 10)
    ids = {
        "in_time": request("contact_expert", "alice@forges-est.fr", sdr),
        "late": request("contact_expert", "bruno@forges-est.fr", sdr),
        "unanswered": request("contact_expert", "chloe@forges-est.fr", sdr),
        "demo": request("demo_request", "denis@forges-est.fr", seller),
        "pricing": request("pricing_request", "emma@forges-est.fr", seller),
        "sunday": sunday,
    }
    answer(sunday, paris(11, 23, 9, 30))
    answer(ids["in_time"], paris(11, 23, 11))
    clock.now = paris(11, 23, 11)
    api.ok(api.patch(f"/leads/{ids['pricing']}", {"owner_id": sdr}, as_="admin"))
    assert sla_tick.run(database, now=paris(11, 23, 12)).breached == 2  # late, unanswered
    answer(ids["late"], paris(11, 23, 13))
    assert sla_tick.run(database, now=paris(11, 23, 14)).escalated == 1  # unanswered
    answer(ids["demo"], paris(11, 24, 9, 30))
    clock.now = paris(11, 24, 9, 45)
    ids["no_clock"] = api.create_lead(email="felix@forges-est.fr", first_name="Felix")["id"]
    return ids


def plain(text: str) -> str:
    """Babel's French spacing (narrow and plain no-break spaces) as ordinary spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def table(page: Any, selector: str) -> list[list[str]]:
    """The body rows of a table, each as the texts of its header and data cells."""
    return [
        [plain(cell) for cell in row.locator("th, td").all_inner_texts()]
        for row in page.locator(f"{selector} tbody tr").all()
    ]


def footer(page: Any, selector: str) -> list[str]:
    return [plain(c) for c in page.locator(f"{selector} tfoot tr th, {selector} tfoot tr td")
            .all_inner_texts()]  # fmt: skip


# --- SLA report -----------------------------------------------------------------------------


def test_the_sla_report_shows_the_figures_of_each_rule_and_owner(site, page, clocks, api):
    # Given the known clocks, when the reader opens the SLA report from the navigation...
    page.goto(f"{site}/leads")
    page.click("header nav a[href='/reports/sla']")
    page.fill("input[name=from]", "2026-11-23")
    page.fill("input[name=to]", "2026-11-24")
    page.click("form.report-query button")

    # ... then each rule and owner has its line, owners by name, French numbers.
    assert page.url.endswith("/reports/sla?from=2026-11-23&to=2026-11-24&group_by=rule%2Cowner")
    assert table(page, "#sla-table") == [
        # group, started, in time, late, breached open, breached stopped, running,
        # stopped in time, escalated, median, p90, compliance
        [
            "Contact d'un expert · Sdr",
            "3",
            "1",
            "1",
            "1",
            "0",
            "0",
            "0",
            "1",
            "2,0",
            "2,8",
            "33,3 %",
        ],
        [
            "Demande de démo · Sales",
            "1",
            "1",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "8,5",
            "8,5",
            "100,0 %",
        ],
        ["Demande de tarifs · Sales", "1", "0", "0", "0", "0", "0", "1", "0", "—", "—", "—"],
        ["Demande de tarifs · Sdr", "1", "0", "0", "0", "0", "1", "0", "0", "—", "—", "—"],
    ]
    assert footer(page, "#sla-table") == [
        "Total", "6", "2", "1", "1", "0", "1", "1", "1", "3,0", "7,4", "50,0 %",
    ]  # fmt: skip
    assert "État au 24/11/2026 09:45 (Europe/Paris)" in page.inner_text("main")

    # The same figures as the API's report.
    report = api.ok(api.get("/reports/sla", params={"from": "2026-11-23", "to": "2026-11-24"}))
    assert [r["started"] for r in report["rows"]] == [3, 1, 1, 1]
    assert report["total"]["compliance_percent"] == 50.0

    # The chart has one bar per group, as long as its compliance (400 px for 100 %), with
    # a title and a description saying every value.
    chart = page.locator("svg#sla-chart")
    assert chart.get_attribute("role") == "img"
    assert page.locator("svg#sla-chart rect.bar").count() == 4
    widths = [b.get_attribute("width") for b in page.locator("svg#sla-chart rect.bar").all()]
    assert widths == ["133.2", "400.0", "0.0", "0.0"]
    assert page.locator("svg#sla-chart > title").text_content() == "Conformité SLA par groupe"
    assert page.get_by_role("img", name="Conformité SLA par groupe").count() == 1
    desc = plain(page.locator("svg#sla-chart desc").text_content())
    assert desc == (
        "Part des délais de première réponse tenus, du 23/11/2026 au 24/11/2026 : "
        "Contact d'un expert · Sdr 33,3 %, Demande de démo · Sales 100,0 %, "
        "Demande de tarifs · Sales — et Demande de tarifs · Sdr —."
    )


def test_the_sla_report_per_owner_in_english_over_the_default_period(site, page, clocks):
    # The last 30 days up to today (24 November, the test's clock) by default: Sunday counts.
    page.goto(f"{site}/reports/sla?lang=en")
    assert page.input_value("input[name=from]") == "2026-10-26"
    assert page.input_value("input[name=to]") == "2026-11-24"
    assert footer(page, "#sla-table")[:2] == ["Total", "7"]

    page.select_option("select[name=group_by]", "owner")
    page.click("form.report-query button")
    assert "lang=en" in page.url and "group_by=owner" in page.url
    rows = table(page, "#sla-table")
    assert [(r[0], r[1], r[2], r[-1]) for r in rows] == [
        ("Sales", "2", "1", "100.0%"),
        ("Sdr", "5", "2", "50.0%"),  # with Sunday's: 2 in time of 4 decided (1 running)
    ]
    assert page.locator("svg#sla-chart rect.bar").count() == 2
    assert page.get_by_role("img", name="SLA compliance per group").count() == 1
    assert "Compliance" in page.inner_text("#sla-table thead")


def test_an_empty_period_says_so_without_a_chart(site, page, clocks):
    page.goto(f"{site}/reports/sla?from=2026-12-01&to=2026-12-31")
    assert table(page, "#sla-table") == [["Aucun résultat"]]
    assert footer(page, "#sla-table")[:2] == ["Total", "0"]
    assert page.locator("svg.chart").count() == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=hier", "« Du » : « hier » n'est pas une date (AAAA-MM-JJ)."),
        ("to=2026-13-01", "« Au » : « 2026-13-01 » n'est pas une date (AAAA-MM-JJ)."),
        ("from=2026-11-30&to=2026-11-23", "La période finit avant de commencer"),
        ("from=0001-01-01", "« Du » doit être entre le 01/01/1900 et le 31/12/9998."),
        ("group_by=team", "Regroupement inconnu : « team »."),
        ("group_by=rule,rule", "Regroupement inconnu : « rule,rule »."),
    ],
)
def test_a_bad_sla_query_is_a_message_in_the_page(site, page, clock, query, message):
    response = page.goto(f"{site}/reports/sla?{query}")
    assert response.status == 422
    assert message in page.inner_text("[role=alert]")
    # The form stays there to correct the query; no figures are shown.
    assert page.locator("form.report-query").count() == 1
    assert page.locator("#sla-table").count() == 0


def test_bad_queries_in_english(site, page, clock):
    # Every fault of the query is named at once.
    page.goto(f"{site}/reports/sla?lang=en&from=yesterday&to=2026-11-31&group_by=team")
    assert page.locator("[role=alert] p").all_inner_texts() == [
        "From: “yesterday” is not a date (YYYY-MM-DD).",
        "To: “2026-11-31” is not a date (YYYY-MM-DD).",
        "Unknown grouping: “team”. Choose one from the list.",
    ]


# --- requalification report -----------------------------------------------------------------


@pytest.fixture
def handbacks(api: Any, clock: Clock, users: Any) -> dict[str, int]:
    """Leads sales handed back to marketing (sql → nurturing) around December 2026:

    - web (web form): by sales on 2 Dec (no budget), again on 11 Dec (project postponed);
    - salon (trade show): by sales on 3 Dec, "no budget" written differently;
    - referral: by the SDR on 10 Dec (project postponed);
    - early: on 30 Nov, before the period.
    """
    made = {
        # The seller's leads, but the referral, which the SDR works (each acts on what they own).
        "web": api.create_lead(email="a@acier-durand.fr", source="web_form", as_="sales")["id"],
        "salon": api.create_lead(email="b@bois-martin.fr", source="trade_show", as_="sales")["id"],
        "referral": api.create_lead(
            email="c@cafes-leroy.fr", source="referral", owner_id=users["sdr"].id
        )["id"],
        "early": api.create_lead(email="e@eaux-vives.fr", source="trade_show", as_="sales")["id"],
    }

    def hand_back(name: str, at: datetime, reason: str, as_: str = "sales") -> None:
        clock.now = at.replace(minute=0)
        api.ok(api.post(f"/leads/{made[name]}/status", {"status": "sql"}, as_=as_))
        clock.now = at
        body = {"status": "nurturing", "reason": reason}
        api.ok(api.post(f"/leads/{made[name]}/status", body, as_=as_))

    hand_back("early", paris(11, 30, 15, 30), "Pas de budget cette année")
    hand_back("web", paris(12, 2, 10, 15), "Pas de budget cette année")
    hand_back("salon", paris(12, 3, 11, 5), " pas de  budget cette année.")
    hand_back("referral", paris(12, 10, 16, 20), "Projet reporté", as_="sdr")
    hand_back("web", paris(12, 11, 9, 40), "Projet reporté")
    clock.now = paris(12, 31, 18)
    return made


DECEMBER = "from=2026-12-01&to=2026-12-31"


def test_requalifications_per_reason_owner_and_source(site, page, handbacks):
    page.goto(f"{site}/leads")
    page.click("header nav a[href='/reports/requalifications']")
    page.fill("input[name=from]", "2026-12-01")
    page.fill("input[name=to]", "2026-12-31")
    page.click("form.report-query button")

    # Per reason (the default): "no budget" written two ways is one reason.
    assert "group_by=reason" in page.url
    assert table(page, "#requalifications-table") == [
        ["Pas de budget cette année", "2", "2", "0", "Pas de budget cette année (2)"],
        ["Projet reporté", "2", "2", "0", "Projet reporté (2)"],
    ]
    assert footer(page, "#requalifications-table") == [
        "Total", "4", "3", "0", "Pas de budget cette année (2), Projet reporté (2)",
    ]  # fmt: skip
    assert page.locator("svg#requalifications-chart rect.bar").count() == 2

    # Per owner: who handed the lead back, by name; the longest bar is the most hand-backs.
    page.select_option("select[name=group_by]", "owner")
    page.click("form.report-query button")
    assert [r[:3] for r in table(page, "#requalifications-table")] == [
        ["Sales", "3", "2"],
        ["Sdr", "1", "1"],
    ]
    bars = page.locator("svg#requalifications-chart rect.bar").all()
    assert [b.get_attribute("width") for b in bars] == ["400.0", "133.3"]
    assert "Sales — 3" in page.locator("svg#requalifications-chart g.bar-group").first.inner_html()

    # Per source: the playbook's labels.
    page.goto(f"{site}/reports/requalifications?{DECEMBER}&group_by=source&lang=en")
    assert [r[:3] for r in table(page, "#requalifications-table")] == [
        ["Web form", "2", "1"],
        ["Referral", "1", "1"],
        ["Trade show", "1", "1"],
    ]
    assert page.locator("svg#requalifications-chart rect.bar").count() == 3
    desc = page.locator("svg#requalifications-chart desc").text_content()
    assert desc == (
        "Leads handed back to marketing, from Dec 1, 2026 to Dec 31, 2026: "
        "Web form 2, Referral 1, and Trade show 1."
    )


def test_a_bad_requalification_query_is_a_message_in_the_page(site, page, clock):
    response = page.goto(f"{site}/reports/requalifications?from=2026-12-31&to=2026-12-01")
    assert response.status == 422
    assert "La période finit avant de commencer" in page.inner_text("[role=alert]")
    response = page.goto(f"{site}/reports/requalifications?group_by=rule")
    assert response.status == 422
    assert "Regroupement inconnu : « rule »." in page.inner_text("[role=alert]")
    assert page.locator("#requalifications-table").count() == 0


# --- SLA status of leads --------------------------------------------------------------------


def test_the_lead_page_shows_the_sla_status_in_the_calendar_time_zone(site, page, clocks, clock):
    def sla_of(lead_id: int) -> tuple[str | None, str]:
        page.goto(f"{site}/leads/{lead_id}")
        badge = page.locator("dd [data-sla-status]")
        due = page.locator("dd.first-response-due")
        return badge.get_attribute("data-sla-status"), (
            f"{badge.inner_text()} | {due.inner_text() if due.count() else ''}"
        )

    # Tuesday 09:45: the unanswered expert request was due Monday 12:00 Paris (11:00 UTC).
    assert sla_of(clocks["unanswered"]) == (
        "breached", "Délai dépassé | 23/11/2026 12:00 (Europe/Paris)",
    )  # fmt: skip
    # The SDR's pricing clock ends at 10:00: a quarter of an hour left.
    assert sla_of(clocks["pricing"]) == (
        "due_soon", "Échéance proche | 24/11/2026 10:00 (Europe/Paris)",
    )  # fmt: skip
    assert sla_of(clocks["in_time"]) == (
        "answered", "Répondu | 23/11/2026 12:00 (Europe/Paris)",
    )  # fmt: skip
    assert "23/11/2026 11:00 (Europe/Paris)" in page.inner_text("dd.first-response")
    assert sla_of(clocks["no_clock"]) == ("none", "Aucun délai | ")

    # On Monday at 14:00 the same pricing request still had five business hours to go.
    clock.now = paris(11, 23, 14)
    assert sla_of(clocks["pricing"])[0] == "on_time"
    page.goto(f"{site}/leads/{clocks['pricing']}?lang=en")
    assert "On time" in page.inner_text("main")


def test_the_lead_list_flags_breached_and_due_soon_leads_in_five_queries(
    site, page, clocks, database
):
    page.goto(f"{site}/leads")  # warms the playbook cache
    seen: list[str] = []

    def grab(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        page.goto(f"{site}/leads")
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    queries = [s for s in seen if not s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # The session, the page with its total, the people (owners' names and the owner filter),
    # the saved views (issue 11: a list page in at most five).
    assert len(queries) <= 5, queries

    flagged = {
        row.locator("td a").inner_text(): row.locator("[data-sla-status]").inner_text()
        for row in page.locator("tbody tr").all()
        if row.locator("[data-sla-status]").count()
    }
    assert flagged == {"Chloe Martin": "Délai dépassé", "Emma Martin": "Échéance proche"}
    assert page.locator("tbody tr").count() == 7
