"""Signing in and out of the web UI over HTTP (TestClient), on SQLite and PostgreSQL: the
session cookie, expiry, throttled failures with one message, and CSRF on every form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import sessions
from bascule.web import auth
from bascule.web.security import SESSION_COOKIE

REFUSED = "Sign-in failed: check the email and the password."


class WallClock:
    """The sessions' clock, moved by the test."""

    __test__ = False

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> WallClock:
    return WallClock()


@pytest.fixture
def app(database: Database, web_app: Any, clock: WallClock) -> FastAPI:
    app = web_app(database, locale="en")
    app.dependency_overrides[auth.session_clock] = clock
    return app


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def rep(database: Database, users: Any, with_password: Any) -> tuple[str, str]:
    email = users["sales"].email
    return email, with_password(database, email)


def token_of(response: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', response.text)
    assert found, response.text[:500]
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str, **headers: str) -> httpx.Response:
    token = token_of(client.get("/login"))
    form = {"email": email, "password": password, "csrf_token": token, "next": "/leads"}
    return client.post("/login", data=form, headers=headers, follow_redirects=False)


def sessions_stored(database: Database) -> list[str]:
    with database.uow() as uow:
        return list(uow.session.scalars(select(t.WebSession.id_hash)))


def test_sign_in_opens_a_server_side_session_and_sign_out_ends_it(browser, rep, database):
    email, password = rep
    # Given the sign-in page, when the rep signs in, they go where they were going...
    answer = sign_in(browser, email, password)
    assert answer.status_code == 303 and answer.headers["location"] == "/leads"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    session_id = browser.cookies[SESSION_COOKIE]
    # ... and the database holds only the hash of the cookie's random id.
    assert sessions_stored(database) == [sessions.id_hash(session_id)]
    assert browser.get("/leads").status_code == 200

    # When they sign out, the session is gone: the same cookie, replayed, opens nothing.
    token = token_of(browser.get("/leads"))
    assert browser.post("/logout", data={"csrf_token": token}).url.path == "/login"
    assert sessions_stored(database) == []
    browser.cookies.set(SESSION_COOKIE, session_id)
    replayed = browser.get("/leads", follow_redirects=False)
    assert replayed.status_code == 303
    assert replayed.headers["location"] == "/login?next=%2Fleads"


def test_the_cookie_is_secure_over_https(app, rep):
    with TestClient(app, base_url="https://bascule.example") as client:
        answer = sign_in(client, *rep)
    assert answer.status_code == 303
    assert "; Secure" in answer.headers["set-cookie"]


def test_a_session_ends_after_its_idle_time_and_at_its_absolute_end(browser, rep, clock):
    sign_in(browser, *rep)
    # Active every 11 hours: still signed in after 66 hours...
    for _ in range(6):
        clock.now += timedelta(hours=11)
        assert browser.get("/leads", follow_redirects=False).status_code == 200
    # ... but never past 72 hours after sign-in.
    clock.now += timedelta(hours=7)
    assert browser.get("/leads", follow_redirects=False).status_code == 303

    # Twelve hours without a request end a fresh session too.
    sign_in(browser, *rep)
    clock.now += timedelta(hours=12)
    assert browser.get("/leads", follow_redirects=False).status_code == 303


def test_failed_sign_ins_slow_the_account_with_one_message_for_every_refusal(
    browser, rep, clock, users
):
    email, password = rep
    unknown = sign_in(browser, "nobody@bascule-crm.fr", password)
    wrong = [sign_in(browser, email, "not the password") for _ in range(6)]
    # Six failures on the account: it is blocked for a second, even for the right password,
    # and the visitor reads the same words whatever happened.
    blocked = sign_in(browser, email, password)

    for answer in (unknown, *wrong, blocked):
        assert answer.status_code == 401
        assert REFUSED in answer.text
    assert SESSION_COOKIE not in browser.cookies

    # Another account from the same address is not blocked (an address has more room).
    other = sign_in(browser, users["sdr"].email, "not the password either")
    assert other.status_code == 401
    # Once the block is over, the right password opens a session.
    clock.now += timedelta(seconds=2)
    assert sign_in(browser, email, password).status_code == 303


def test_many_failures_from_one_address_block_it_for_every_account(browser, rep, clock):
    email, password = rep
    for number in range(21):
        assert sign_in(browser, f"guess{number}@bascule-crm.fr", "123456").status_code == 401
    assert sign_in(browser, email, password).status_code == 401
    clock.now += timedelta(seconds=2)
    assert sign_in(browser, email, password).status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://attacker.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "null"},
    ],
    ids=["origin", "fetch-site", "sibling-site", "opaque-origin"],
)
def test_a_cross_site_post_is_refused_even_with_a_valid_token(browser, rep, database, headers):
    sign_in(browser, *rep)
    token = token_of(browser.get("/leads"))

    answer = browser.post("/logout", data={"csrf_token": token}, headers=headers)

    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "This form has expired or was sent from another site." in answer.text
    assert len(sessions_stored(database)) == 1  # still signed in


def test_a_post_without_this_browsers_token_is_refused(browser, app, rep, database):
    sign_in(browser, *rep)
    # Another browser's token (from its own visitor cookie) does not fit this session.
    with TestClient(app) as stranger:
        foreign = token_of(stranger.get("/login"))

    missing = browser.post("/logout", data={})
    wrong = browser.post("/logout", data={"csrf_token": foreign})
    same_origin = browser.post(
        "/logout",
        data={"csrf_token": token_of(browser.get("/leads"))},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )

    assert missing.status_code == 403 and wrong.status_code == 403
    assert same_origin.status_code == 303
    assert sessions_stored(database) == []


def test_sign_in_needs_the_sign_in_pages_token_too(browser, rep, rows):
    email, password = rep
    form = {"email": email, "password": password, "next": "/leads"}
    assert browser.post("/login", data=form).status_code == 403
    assert rows(t.WebSession) == 0


def test_only_local_paths_are_followed_after_sign_in(browser, rep):
    email, password = rep
    for target, expected in (("https://evil.example/", "/"), ("//evil.example", "/"),
                             ("/reports/sla?lang=fr", "/reports/sla?lang=fr")):  # fmt: skip
        browser.cookies.clear()
        token = token_of(browser.get("/login"))
        form = {"email": email, "password": password, "csrf_token": token, "next": target}
        answer = browser.post("/login", data=form, follow_redirects=False)
        assert answer.headers["location"] == expected


def test_the_sign_in_page_sends_a_signed_in_user_on(browser, rep):
    sign_in(browser, *rep)
    answer = browser.get("/login?next=/reports/sla", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/reports/sla"
    # An address of another site is not followed, signed in or not.
    answer = browser.get("/login?next=//evil.example", follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_sessions_are_counted_per_sign_in(browser, app, rep, database):
    sign_in(browser, *rep)
    with TestClient(app) as phone:
        sign_in(phone, *rep)
    with database.uow() as uow:
        count = uow.session.scalar(select(func.count()).select_from(t.WebSession))
    assert count == 2


def test_the_alerts_stream_of_the_pages_reads_the_session_cookie(
    database, users, session_cookie, web_app, serve
):
    base = serve(web_app(database, alerts_stream_keepalive_seconds=0.2))
    cookie = session_cookie(database, users["sdr"].id)
    url = f"{base}/api/v1/alerts/stream"

    with httpx.stream("GET", url, cookies={SESSION_COOKIE: cookie}, timeout=10) as answer:
        first = next(answer.iter_text())
    anonymous = httpx.get(url, timeout=10)
    with database.uow(write=True) as uow:
        sessions.end(uow, cookie)
        uow.commit()
    ended = httpx.get(url, cookies={SESSION_COOKIE: cookie}, timeout=10)

    assert answer.status_code == 200
    assert f"connected as user {users['sdr'].id}" in first
    assert anonymous.status_code == 401 and ended.status_code == 401
    assert ended.json()["error"]["code"] == "unauthorized"
