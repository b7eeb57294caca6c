"""Request limits (issue 12): the body cap on every JSON endpoint, read while streaming; NUL
characters refused the same way everywhere (bodies, query strings, both databases); guessed
form keys slowed like real ones; X-Forwarded-For believed only from a trusted proxy; /health
telling a database that refuses writes; no personal data in the access log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bascule.app import create_app
from bascule.config import Settings
from bascule.storage import tables as t
from bascule.storage.uow import Database

FORM = {"email": "lecteur@exemple.fr", "last_name": "Lecteur"}
URL = "/api/v1/intake/content_download"


def test_a_json_body_over_the_cap_is_refused_before_it_is_read(api, rows):
    big = {"last_name": "X", "company": "y" * 100, "tags": ["z" * 100] * 50}
    declared = api.post("/leads", {"last_name": "x" * (1 << 20)})
    error = api.error(declared, 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:
        yield b'{"last_name": "'
        for _ in range(1100):
            yield b"x" * 1024
        yield b'"}'

    streamed = api.client.post(
        "/api/v1/leads", content=chunks(),
        headers={**api.headers("sales"), "Content-Type": "application/json"},
    )  # fmt: skip

    assert error["fields"] == {"body": "at most 1048576 bytes"}
    assert "content-length" not in {k.lower() for k in streamed.request.headers}
    api.error(streamed, 413, "payload_too_large")
    assert rows(t.Lead) == 0
    assert api.ok(api.post("/leads", big), 201)["last_name"] == "X"


def test_the_events_batch_keeps_its_own_larger_cap(api):
    event = {"type": "page_view", "occurred_at": "2026-11-02T10:00:00Z", "email": "a@b.fr",
             "properties": {"url": "/x" * 300}}  # fmt: skip
    batch = [event] * 2500  # about 1.6 MB: over the default cap, under the batch's 10 MiB
    assert len(str(batch)) > 1 << 20
    assert api.ok(api.post("/events", batch))["accepted"] == 2500


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/leads", {"last_name": "a\x00b"}, "last_name"),
        ("post", "/leads", {"last_name": "ok", "tags": ["x\x00"]}, "tags.0"),
        ("post", "/contacts", {"last_name": "ok", "job_title": "\x00"}, "job_title"),
        ("post", "/accounts", {"name": "Acme\x00"}, "name"),
        ("get", "/leads?q=dup%00ont", None, "q"),
        ("get", "/contacts?q=%00", None, "q"),
    ],
)
def test_a_nul_character_is_the_same_422_everywhere_on_both_databases(
    api, snapshot, method, path, body, field
):
    before = snapshot()
    response = getattr(api, method)(path, body) if body is not None else api.get(path)
    error = api.error(response, 422, "validation_failed")
    assert error["fields"] == {field: "NUL"}
    assert error["message"] == "text cannot hold NUL characters"
    assert snapshot() == before


def test_a_nul_in_a_form_is_refused_as_before(api, form_key):
    response = api.intake("content_download", FORM | {"last_name": "a\x00"}, key=form_key(
        "content_download"))  # fmt: skip
    assert api.error(response, 422, "validation_failed")["fields"] == {"last_name": "NUL"}


@pytest.fixture
def app_with(app_database, database, users):
    """``app_with(**settings)``: a TestClient of an app with these settings."""
    made: list[TestClient] = []

    def make(client: tuple[str, int] = ("203.0.113.9", 50000), **settings: object) -> TestClient:
        app = create_app(Settings(database_url=app_database.url, **settings), app_database)
        made.append(TestClient(app, client=client).__enter__())
        return made[-1]

    yield make
    for client in made:
        client.__exit__(None, None, None)


def test_guessed_form_keys_are_slowed_like_a_real_one(app_with, form_key):
    client = app_with(intake_rate_limit_per_minute=3)
    key = form_key("content_download")

    guesses = [client.post(URL, json=FORM, headers={"X-Form-Key": f"bfk_{i}"}) for i in range(4)]
    # Another address has its own bucket; the real key its own.
    real = client.post(URL, json=FORM, headers={"X-Form-Key": key})

    assert [g.status_code for g in guesses] == [401, 401, 401, 429]
    assert real.status_code == 201


def test_a_forwarded_address_is_ignored_without_a_trusted_proxy(app_with, form_key):
    client = app_with(intake_rate_limit_per_minute=3)
    key = form_key("content_download")

    answers = [
        client.post(URL, json=FORM | {"n": i},
                    headers={"X-Form-Key": key, "X-Forwarded-For": f"198.51.100.{i}"})
        for i in range(4)
    ]  # fmt: skip

    assert [a.status_code for a in answers] == [201, 201, 201, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(app_with, form_key):
    proxy = app_with(client=("10.0.0.2", 40000), intake_rate_limit_per_minute=2,
                     trusted_proxies="10.0.0.0/24, 192.0.2.7")  # fmt: skip
    key = form_key("content_download")

    def send(chain: str) -> int:
        headers = {"X-Form-Key": key, "X-Forwarded-For": chain}
        return proxy.post(URL, json=FORM, headers=headers).status_code

    # The client wrote "1.2.3.4" itself; the proxies appended the real address on the right.
    first = [send(f"1.2.3.{i}, 198.51.100.1, 192.0.2.7") for i in range(3)]
    second = [send("198.51.100.2") for _ in range(2)]

    assert first == [201, 201, 429]
    assert second == [201, 201]


def test_health_says_when_the_database_refuses_writes(api, database, tmp_path):
    healthy = api.client.get("/api/v1/health")
    if database.is_sqlite:
        url = f"sqlite:///file:{database.engine.url.database}?mode=ro&uri=true"
    else:
        url = database.engine.url.render_as_string(hide_password=False)
        url += "?options=-c%20default_transaction_read_only%3Don"
    read_only = Database(url)
    try:
        app = create_app(Settings(database_url=url), read_only)
        with TestClient(app) as client:
            refused = client.get("/api/v1/health")
    finally:
        read_only.dispose()

    assert (healthy.status_code, healthy.json()) == (200, {"status": "ok"})
    assert refused.status_code == 503
    body = refused.json()
    assert (body["status"], body["database"]) == ("unavailable", "not_writable")
    assert "read" in body["reason"].lower()


def test_the_access_log_holds_no_search_terms_nor_e_mails(api, users, caplog):
    from bascule.http.logs import RedactQuery

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET",
         "/api/v1/privacy/export?email=jean.dupont%40exemple.fr&q=dupont", "1.1", 200),
        None,
    )  # fmt: skip
    path_record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/contacts/jean@exemple.fr/x", "1.1", 200), None,
    )  # fmt: skip

    RedactQuery().filter(record)
    RedactQuery().filter(path_record)

    line = record.getMessage()
    assert line == '127.0.0.1:5000 - "GET /api/v1/privacy/export?email=…&q=… HTTP/1.1" 200'
    assert "jean" not in path_record.getMessage()
    assert logging.getLogger("uvicorn.access").filters, "create_app installs the filter"
