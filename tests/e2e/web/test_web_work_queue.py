"""The work queue at ``/`` (TestClient), on SQLite and PostgreSQL: each role's sections, the
most urgent first-response deadlines first with the business time left, and only what the
user may read (``access.service``).

Monday 23 November 2026 in Paris, on the default calendar; the API's clock is the test's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, update

from bascule.http import deps
from bascule.sla import tick as sla_tick
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.web.security import SESSION_COOKIE

PARIS = ZoneInfo("Europe/Paris")


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=PARIS)


class Clock:
    __test__ = False

    def __init__(self) -> None:
        self.now = paris(23, 10)

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(app: Any) -> Iterator[Clock]:
    fake = Clock()
    app.dependency_overrides[deps.clock] = fake
    yield fake
    app.dependency_overrides.pop(deps.clock, None)


@pytest.fixture
def work(api: Any, database: Database, users: Any, form_key: Any, clock: Clock) -> dict[str, int]:
    """The SDR (managed by the admin) has three requests for contact; the seller a ready lead
    and two opportunities; one lead is nobody's."""
    with database.uow(write=True) as uow:
        admin, sdr = users["admin"].id, users["sdr"].id
        uow.session.execute(update(t.User).where(t.User.id == sdr).values(manager_id=admin))
        uow.commit()

    def request(form_type: str, name: str, owner: int | None) -> int:
        body = {"email": f"{name.lower()}@forges-est.fr", "first_name": name,
                "last_name": "Martin", "company": "Forges de l'Est"}  # fmt: skip
        lead_id = api.ok(api.intake(form_type, body, key=form_key(form_type)), 201)["lead_id"]
        api.ok(api.patch(f"/leads/{lead_id}", {"owner_id": owner}))
        return int(lead_id)

    made = {
        "chloe": request("contact_expert", "Chloe", users["sdr"].id),  # due 12:00
        "emma": request("pricing_request", "Emma", users["sdr"].id),  # due Tuesday 10:00
        "alice": request("contact_expert", "Alice", users["sdr"].id),
        "nobody": request("demo_request", "Noemie", None),
    }
    clock.now = paris(23, 11)
    body = {"kind": "call", "direction": "out", "outcome": "reached"}
    api.ok(api.post(f"/leads/{made['alice']}/activities", body, as_="sdr"), 201)
    # The seller's own: Rita, ready to convert, and two opportunities (SPEC §18: the queue
    # shows only what its reader may read).
    seller = api.users["sales"].id
    rita = api.ready_lead(email="rita@aciers.fr", first_name="Rita", owner_id=seller)
    made["ready"] = rita["id"]
    account = api.create_account(name="Aciers Durand")["id"]
    for name, day in (("Closing in November", "2026-11-30"), ("Closing in December", "2026-12-15")):
        api.create_opportunity(
            name=name, expected_close_date=day, account_id=account, owner_id=seller
        )
    clock.now = paris(23, 13)
    sla_tick.run(database, now=clock.now)
    return made


@pytest.fixture
def visit(app: Any, database: Database, users: Any, session_cookie: Any, clock: Clock):
    def open_queue(role: str) -> str:
        with TestClient(app) as client:
            client.cookies.set(SESSION_COOKIE, session_cookie(database, users[role].id))
            client.cookies.set("bascule_lang", "en")
            answer = client.get("/")
        assert answer.status_code == 200, answer.text[:300]
        return answer.text

    return open_queue


def section(page: str, section_id: str) -> str | None:
    found = re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S)
    return found.group(0) if found else None


def names(html: str | None) -> list[str]:
    assert html is not None
    return [n.strip() for n in re.findall(r'<a href="/leads/\d+">([^<]+)</a>', html)]


def test_the_sdr_sees_their_waiting_leads_most_urgent_first_with_the_time_left(work, visit):
    page = visit("sdr")

    mine = section(page, "my-leads")
    assert names(mine) == ["Chloe Martin", "Emma Martin"]  # Alice was answered
    assert mine is not None and "1 h 00 min late" in mine  # due at noon, now 13:00
    assert 'data-sla-status="breached"' in mine
    assert section(page, "alerts") is not None
    assert section(page, "ready") is None and section(page, "team") is None


def test_the_seller_sees_leads_to_convert_and_opportunities_closing_this_month(work, visit):
    page = visit("sales")

    assert names(section(page, "ready")) == ["Rita Martin"]
    closing = section(page, "closing")
    assert closing is not None
    assert "Closing in November" in closing and "Closing in December" not in closing
    assert "€30,000" in closing
    assert names(section(page, "my-leads")) == []


def test_a_manager_sees_the_team_queue_with_owners_and_the_unassigned_leads(work, visit):
    page = visit("admin")

    team = section(page, "team")
    assert names(team)[:2] == ["Chloe Martin", "Emma Martin"]
    assert team is not None and "Sdr" in team
    assert names(section(page, "unassigned")) == ["Noemie Martin"]


def test_the_work_queue_is_the_home_page_after_sign_in_in_french(work, app, database, users):
    from bascule.users import sign_in

    with database.uow(write=True) as uow:
        sign_in.set_password(uow, email=users["sdr"].email, password="a long password")
        uow.commit()
    with TestClient(app) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
        assert token is not None
        form = {"email": users["sdr"].email, "password": "a long password",
                "csrf_token": token.group(1), "next": "/"}  # fmt: skip
        home = client.post("/login", data=form)
    assert home.url.path == "/"
    assert "File de travail" in home.text
    assert "1 h 00 min de retard" in home.text


def test_the_queue_costs_a_handful_of_statements(work, visit, database):
    visit("sdr")  # warms the playbook cache
    seen: list[str] = []

    def grab(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        visit("admin")
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    queries = [s for s in seen if not s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # The test's own session (an insert), then the page: the session, the team's and the
    # unassigned leads, the owners' names, the alerts (a page and the counts).
    assert len(queries) <= 7, queries
