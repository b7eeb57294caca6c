"""Every number of a report page leads to the records it counts (SPEC §16), on SQLite and
PostgreSQL: on the generated history (``reports_history``), each report page is rendered with
each of its groupings, every link of its table is followed, and the list it opens holds
exactly the number shown: the web list's total, ``GET /api/v1/leads`` or ``/opportunities``
with the same query, and for an amount the sum of the listed records' amounts. A definition
that drifts between a report and the lists (a status reached, a segment, a month in the
company's zone, a stall) makes a total differ."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from reports_history import Lead, Opp, generate, write
from sqlalchemy import Engine, insert

from bascule.app import create_app
from bascule.config import Settings
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_text
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users import sessions
from bascule.users.sessions import SessionPolicy
from bascule.web import analytics_pages as pages
from bascule.web.security import SESSION_COOKIE

PERIOD = "from=2026-01-01&to=2026-03-31"
ADMIN_ID = 99  # the generated owners are users 1 to 3
COUNTS = frozenset({"leads", "mql", "sql", "opportunities", "won", "lost", "open_count",
                    "won_count", "lost_count", "count", "current", "stalled"})  # fmt: skip
# An amount's records: the listed ones' ``amount`` (or ``weighted_amount``).
AMOUNTS = {"open_amount": "amount", "weighted_amount": "weighted_amount", "won_amount": "amount",
           "lost_amount": "amount", "amount": "amount"}  # fmt: skip
PAGES = [
    *(("funnel", f"group_by={g}", pages.FUNNEL_MEASURES) for g, _ in pages.GROUPINGS["funnel"]),
    *(("pipeline", f"group_by={g}", pages.PIPELINE_MEASURES)
      for g, _ in pages.GROUPINGS["pipeline"]),
    ("loss-reasons", "group_by=none", ("count", "amount", "share", "no_real_need_share")),
    *(("loss-reasons", f"group_by={g}",
       ("reason_label", "count", "amount", "share", "no_real_need_share"))
      for g in ("owner", "source")),
    ("stage-times", "pipeline=lead", pages.STAY_MEASURES),
    ("stage-times", "pipeline=opportunity", pages.STAY_MEASURES),
]  # fmt: skip


@dataclass
class Cell:
    text: str = ""
    href: str | None = None


@dataclass
class Tables(HTMLParser):
    """The cells of each ``table.report`` of a page, row by row (the row's header first)."""

    rows: dict[str, list[list[Cell]]] = field(default_factory=dict)
    table: str | None = None
    cell: Cell | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and "report" in (found.get("class") or ""):
            self.table = found.get("id") or ""
            self.rows[self.table] = []
        elif self.table is not None and tag == "tr":
            self.rows[self.table].append([])
        elif self.table is not None and tag in ("td", "th"):
            self.cell = Cell()
        elif self.cell is not None and tag == "a":
            self.cell.href = found.get("href")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.table = None
        elif tag in ("td", "th") and self.cell is not None and self.table is not None:
            self.rows[self.table][-1].append(self.cell)
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.text += data


def number(text: str) -> Decimal:
    """A number as the English page writes it (``€12,500.50``, ``1,234``)."""
    return Decimal(re.sub(r"[^\d.\-]", "", text))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def edges(db: Engine) -> None:
    """The generated history plus records on the edges the definitions decide: days and months
    of the company's zone (Paris, not UTC), a status held only as the row's "from", a company
    size in no band (0 employees: no segment, though known)."""
    data = generate()
    n, m = len(data.leads), len(data.opps)
    data.leads += [
        Lead(n + 1, 1, "referral", None, 9, at("2026-03-31T22:30"),  # 1 April in Paris
             [(None, "new", at("2026-03-31T22:30"))]),
        Lead(n + 2, 2, "referral", "webinar", 10, at("2026-01-31T23:30"),  # February
             [(None, "new", at("2026-01-31T23:30")), ("sql", "nurturing", at("2026-02-03T09:00"))]),
        Lead(n + 3, None, "web_form", None, 0, at("2026-02-10T10:00"),
             [(None, "new", at("2026-02-10T10:00"))]),
    ]  # fmt: skip
    data.opps += [
        Opp(m + 1, None, 1, "rfp", "upsell", 7000, at("2026-03-01T10:00"), date(2026, 3, 31),
            [(None, "qualification", at("2026-03-01T10:00")),
             ("qualification", "won", at("2026-03-31T22:30"))]),  # 1 April in Paris
        Opp(m + 2, None, 2, "rfp", "upsell", 5000, at("2026-02-01T10:00"), date(2026, 4, 1),
            [(None, "qualification", at("2026-02-01T10:00")),
             ("qualification", "lost", at("2026-02-28T23:30"))], "budget"),  # 1 March
    ]  # fmt: skip
    write(db, data)


@pytest.fixture
def client(database: Database, edges: None) -> Iterator[TestClient]:
    """The app on the generated history, with stall thresholds that split the records in
    their status now between stalled and not, and an admin signed in (who reads everything)."""
    now = datetime.now(UTC)
    days = (now.date() - date(2026, 3, 15)).days
    text = default_text() + (
        f"\n[analytics]\nlead_stall_days = {days}\nopportunity_stall_days = {days}\n"
    )
    with database.uow(write=True) as uow:
        playbooks.apply(uow, text=text, by=None, now=now)
        uow.session.execute(insert(t.User), [{"id": ADMIN_ID, "email": "admin@bascule-crm.fr",
                                              "name": "Admin", "role": "admin"}])  # fmt: skip
        token = users.create_token(uow, email="admin@bascule-crm.fr", label="links", now=now)
        policy = SessionPolicy.of_hours(12, 72)
        session_id = sessions.start(uow, user_id=ADMIN_ID, now=now, policy=policy)
        uow.commit()
    playbooks.forget(database)
    settings = Settings(database_url=database.url, locale="en", secret_key="tests-only-" + "k" * 24)
    with TestClient(create_app(settings, database)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        client.cookies.set(SESSION_COOKIE, session_id)
        yield client


class Lists:
    """The lists behind the links, each read once: its total on the web page and through the
    API, and the listed records (for amounts)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.seen: dict[str, tuple[int, int]] = {}
        self.items: dict[str, list[dict[str, Any]]] = {}

    def totals(self, href: str) -> tuple[int, int]:
        if href not in self.seen:
            page = self.client.get(href)
            assert page.status_code == 200, (href, page.text[:2000])
            pattern = r"<small>\((.*?)\)</small>" if href.startswith("/leads") else (
                r'<h2 id="list-title">[^<(]*\((.*?)\)</h2>')  # fmt: skip
            shown = re.search(pattern, page.text)
            assert shown, href
            web = int(number(shown.group(1)))
            body = self.client.get(f"/api/v1{href}").json()
            self.seen[href] = (web, body["total"])
        return self.seen[href]

    def records(self, href: str) -> list[dict[str, Any]]:
        if href not in self.items:
            found: list[dict[str, Any]] = []
            page = 1
            while True:
                sep = "&" if "?" in href else "?"
                body = self.client.get(f"/api/v1{href}{sep}page_size=200&page={page}").json()
                found += body["items"]
                if len(found) >= body["total"]:
                    break
                page += 1
            self.items[href] = found
        return self.items[href]


def test_every_number_of_every_report_page_opens_the_records_it_counts(
    client: TestClient,
) -> None:
    lists = Lists(client)
    followed = 0
    for report, query, measures in PAGES:
        page = client.get(f"/reports/{report}?{PERIOD}&{query}&lang=en")
        assert page.status_code == 200, (report, query)
        parser = Tables()
        parser.feed(page.text)
        (rows,) = [r for r in parser.rows.values()]
        body = [row for row in rows[1:] if len(row) == len(measures) + 1]
        assert body, (report, query)
        for row in body:
            for measure, cell in zip(measures, row[1:], strict=True):
                where = (report, query, row[0].text, measure, cell.href)
                if cell.href is None:
                    # Only rates, times and the empty counts have no link.
                    assert measure not in COUNTS or cell.text.strip() == "0", where
                    continue
                assert urlsplit(cell.href).path in ("/leads", "/opportunities"), where
                followed += 1
                if measure in COUNTS:
                    web, api = lists.totals(cell.href)
                    assert web == api == int(number(cell.text)), (*where, web, api)
                else:
                    key = AMOUNTS[measure]
                    total = sum(Decimal(str(r[key])) for r in lists.records(cell.href))
                    assert total == number(cell.text), (*where, total)
    assert followed > 300 and len(lists.seen) > 100


def test_a_list_names_its_report_filters_as_chips_and_keeps_them_in_its_form(
    client: TestClient,
) -> None:
    page = client.get("/leads?created_from=2026-01-01&created_to=2026-03-31&reached=mql"
                      "&segment=none&owner=none&lang=en")  # fmt: skip
    assert page.status_code == 200
    chips = re.findall(r'<li class="chip">(.*?) <a href="([^"]+)"', page.text)
    texts = [text for text, _ in chips]
    reached = "Reached in its history: MQL (Marketing Qualified Lead)"
    assert reached in texts and "Company size: none" in texts and "Owner: none" in texts
    assert "Created from: Jan 1, 2026" in texts
    widened = dict(chips)[reached].replace("&amp;", "&")
    assert "reached" not in widened and "segment=none" in widened
    assert '<input type="hidden" name="reached" value="mql">' in page.text
    bad = client.get("/leads?reached=customer&lang=en")
    assert bad.status_code == 200 and "Reached in its history (“customer”)" in bad.text
    opportunities = client.get("/opportunities?state=lost&loss_reason=none&lang=en")
    assert "State: Lost" in opportunities.text and "Loss reason: none" in opportunities.text
    refused = client.get("/opportunities?closed_from=2026-02-30&lang=en")
    assert refused.status_code == 422 and "Closed from: “2026-02-30”" in refused.text
