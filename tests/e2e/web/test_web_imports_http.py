"""The import and account pages over HTTP (TestClient), on SQLite and PostgreSQL: uploads
refused from another site or without this browser's token (nothing staged), the API's size
cap, one user's staged file invisible to another, undo refused twice with words, and the
account page in the same number of SQL statements whatever the account holds."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.web import staged as staging
from bascule.web.security import SESSION_COOKIE

CSV = b"Nom,Courriel\nDupont,dupont@acme.fr\nRoux,roux@zeta.fr\n"


@pytest.fixture
def app(database: Database, web_app: Any) -> FastAPI:
    return web_app(database, locale="en", import_max_bytes=4096)


def client_of(app: FastAPI, database: Database, user_id: int, session_cookie: Any) -> TestClient:
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, session_cookie(database, user_id))
    return client


@pytest.fixture
def marketing(
    app: FastAPI, database: Database, users: Any, session_cookie: Any
) -> Iterator[TestClient]:
    with client_of(app, database, users["marketing"].id, session_cookie) as client:
        yield client


def token_of(response: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', response.text)
    assert found, response.text[:500]
    return found.group(1)


def upload(client: TestClient, content: bytes = CSV, **headers: str) -> httpx.Response:
    token = token_of(client.get("/imports"))
    return client.post(
        "/imports", data={"csrf_token": token}, files={"file": ("salon.csv", content)},
        headers=headers, follow_redirects=False,
    )  # fmt: skip


def staged_files() -> set[str]:
    return {p.name for p in staging.folder().glob("*.upload")}


def count_leads(database: Database) -> int:
    with database.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(t.Lead)) or 0)


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}],
    ids=["origin", "fetch-site"],
)
def test_a_cross_site_upload_is_refused_before_its_body_is_read(marketing, headers):
    before = staged_files()

    answer = upload(marketing, **headers)

    assert answer.status_code == 403
    assert "sent from another site" in answer.text
    assert staged_files() == before


def test_an_upload_without_this_browsers_token_is_refused(marketing):
    before = staged_files()

    missing = marketing.post("/imports", files={"file": ("salon.csv", CSV)})
    wrong = marketing.post(
        "/imports", data={"csrf_token": "0" * 64}, files={"file": ("salon.csv", CSV)}
    )

    assert missing.status_code == 403 and wrong.status_code == 403
    assert staged_files() == before


def test_an_upload_over_the_apis_cap_is_refused_with_words(marketing):
    answer = upload(marketing, b"Nom,Courriel\n" + b"Dupont,dupont@acme.fr\n" * 400)

    assert answer.status_code == 413
    assert "at most 4096 bytes" in answer.text
    assert answer.headers["content-type"].startswith("text/html")


def test_a_staged_file_belongs_to_the_user_who_sent_it(
    marketing, app, database, users, session_cookie
):
    mapping_page = upload(marketing).headers["location"]
    assert marketing.get(mapping_page).status_code == 200

    with client_of(app, database, users["sales"].id, session_cookie) as other:
        assert other.get(mapping_page).status_code == 404
        token = token_of(other.get("/imports"))
        answer = other.post(mapping_page, data={"csrf_token": token, "action": "run"})
    assert answer.status_code == 404
    assert count_leads(database) == 0


def test_a_wrong_option_is_named_beside_its_field_and_nothing_is_written(marketing, database):
    mapping_page = upload(marketing).headers["location"]
    token = token_of(marketing.get(mapping_page))

    answer = marketing.post(
        mapping_page, data={"csrf_token": token, "action": "run", "temperature": "boiling"}
    )
    unknown_field = marketing.post(
        mapping_page, data={"csrf_token": token, "action": "dry_run", "map_0": "shoe_size"}
    )

    assert answer.status_code == 422
    assert 'id="temperature-error"' in answer.text and "one of hot, warm, cold" in answer.text
    assert unknown_field.status_code == 422 and "not an import field" in unknown_field.text
    assert count_leads(database) == 0


def test_undo_twice_says_why_the_second_is_refused(marketing, database):
    mapping_page = upload(marketing).headers["location"]
    token = token_of(marketing.get(mapping_page))
    report = marketing.post(
        mapping_page, data={"csrf_token": token, "action": "run"}, follow_redirects=False
    ).headers["location"]
    deadline = time.monotonic() + 30  # the run goes on in a thread of the server
    while 'data-import-status="done"' not in marketing.get(report).text:
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.05)
    assert count_leads(database) == 2

    first = marketing.post(f"{report}/undo", data={"csrf_token": token}, follow_redirects=False)
    second = marketing.post(f"{report}/undo", data={"csrf_token": token})

    assert first.status_code == 303 and count_leads(database) == 0
    assert second.status_code == 409 and "is already undone" in second.text


def test_the_account_page_costs_the_same_statements_however_big_the_account(
    app, database, users, session_cookie
):
    small, big = account_with(database, users, 1), account_with(database, users, 30)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    with client_of(app, database, users["sales"].id, session_cookie) as client:
        client.get(f"/accounts/{small}")  # the playbook cached, as in production
        event.listen(database.engine, "before_cursor_execute", record)
        try:
            counts = []
            for account_id in (small, big):
                statements.clear()
                page = client.get(f"/accounts/{account_id}")
                assert page.status_code == 200
                counts.append(len(statements))
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
    assert "Project 29" in page.text
    assert counts[0] == counts[1] <= 12


def account_with(database: Database, users: Any, size: int) -> int:
    """An account owned by the sales user with ``size`` contacts, open opportunities and
    signals."""
    now = datetime.now(UTC)
    owner = users["sales"].id
    with database.uow(write=True) as uow:
        account = t.Account(name=f"Account {size}", name_key=f"account {size}", owner_id=owner)
        uow.session.add(account)
        uow.session.flush()
        for i in range(size):
            uow.session.add(
                t.Contact(last_name=f"Person {i}", email_key=f"p{i}@a{size}.fr",
                          account_id=account.id)
            )  # fmt: skip
            uow.session.add(
                t.Opportunity(
                    name=f"Project {i}", name_key=f"project {i}", account_id=account.id,
                    amount=Decimal(1000 + i), expected_close_date=date(2027, 1, 1),
                    stage="qualification", probability=10, type="new_business",
                    lead_source="web_form", owner_id=owner,
                )
            )  # fmt: skip
            uow.session.add(
                t.Signal(type="page_view", occurred_at=now, account_id=account.id, properties={})
            )
        uow.commit()
        return account.id
