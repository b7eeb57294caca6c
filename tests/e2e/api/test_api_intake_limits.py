"""The public forms against retries, robots, floods and bad input (SPEC §11, §13).

Idempotency-Key replays, the honeypot, the rate limit (429 + Retry-After), the body size
limit (413), and every refused body answered 4xx in the SPEC shape with nothing written.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, literal, select, union_all

from bascule.app import create_app
from bascule.config import Settings
from bascule.storage import tables as t

BODY = {
    "first_name": "Sophie",
    "last_name": "Marchand",
    "email": "sophie.marchand@logistique-vallee.fr",
    "company": "Logistique de la Vallée",
}


@pytest.fixture
def snapshot(database):
    """Row counts of every table, in one query."""

    def take() -> dict[str, int]:
        # The rate limit's bucket (PostgreSQL) counts every request, a robot's too: not data.
        tables = [x for x in t.Base.metadata.sorted_tables if x.name != "intake_rate_bucket"]
        query = union_all(
            *(select(literal(table.name), func.count()).select_from(table) for table in tables)
        )
        with database.engine.connect() as conn:
            return {name: int(n) for name, n in conn.execute(query)}

    return take


# --- Idempotency-Key --------------------------------------------------------------------------


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer(api, form_key, rows):
    key = form_key("demo_request")
    headers = {"Idempotency-Key": "f1e2d3c4-0001"}

    first = api.intake("demo_request", BODY | {"users": 25}, key=key, headers=headers)
    retry = api.intake("demo_request", {"users": 25} | BODY, key=key, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json() == {"outcome": "lead_created", "lead_id": 1}
    assert "Idempotent-Replayed" not in first.headers
    assert retry.headers["Idempotent-Replayed"] == "true"
    # Without the key, the same body is a second submission: merged into the lead
    plain = api.ok(api.intake("demo_request", BODY | {"users": 25}, key=key), 201)
    assert plain == {"outcome": "lead_updated", "lead_id": 1}
    assert (rows(t.Lead), rows(t.Signal), rows(t.Outbox), rows(t.IdempotencyRecord)) == (
        1,
        2,
        1,
        1,
    )


def test_an_rfp_retried_is_answered_without_a_second_effect(api, form_key, rows):
    key = form_key("rfp")
    body = BODY | {"project": "CRM", "budget": "30k", "expected_close_date": "2031-06-30"}
    headers = {"Idempotency-Key": "rfp-42"}
    first = api.ok(api.intake("rfp", body, key=key, headers=headers), 201)
    retry = api.intake("rfp", body, key=key, headers=headers)
    assert api.ok(retry, 201) == first
    assert "X-Bascule-Duplicate" not in retry.headers
    assert (rows(t.Opportunity), rows(t.Signal), rows(t.Contact)) == (1, 1, 1)


def test_the_same_key_with_another_body_is_a_conflict(api, form_key, snapshot):
    key = form_key("content_download")
    headers = {"Idempotency-Key": "abc"}
    api.ok(api.intake("content_download", BODY, key=key, headers=headers), 201)
    before = snapshot()

    other = api.intake(
        "content_download", BODY | {"first_name": "Sophia"}, key=key, headers=headers
    )

    error = api.error(other, 409, "idempotency_conflict")
    assert error["fields"] == {"Idempotency-Key": "already used for a different request"}
    assert snapshot() == before


def test_idempotency_keys_belong_to_one_form(api, form_key, rows):
    headers = {"Idempotency-Key": "same"}
    a = api.intake("content_download", BODY, key=form_key("content_download"), headers=headers)
    b = api.intake("pricing_request", BODY, key=form_key("pricing_request"), headers=headers)
    assert (a.json()["outcome"], b.json()["outcome"]) == ("lead_created", "lead_updated")
    assert rows(t.IdempotencyRecord) == 2


@pytest.mark.parametrize("value", ["x" * 201, "é", "with space", ""])
def test_a_malformed_idempotency_key_is_refused(api, form_key, rows, value):
    headers = {"Idempotency-Key": value.encode()}
    response = api.intake("content_download", BODY, key=form_key("content_download"),
                          headers=headers)  # fmt: skip
    assert set(api.error(response, 422, "validation_failed")["fields"]) == {"Idempotency-Key"}
    assert rows(t.Lead) == 0


# --- the honeypot -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form_type", "body", "outcome"),
    [
        ("content_download", BODY | {"website": "http://cheap-pills.example"}, "lead_created"),
        ("demo_request", {"website": "x", "email": "not-an-email", "employees": "many"},
         "lead_created"),
        ("rfp", BODY | {"website": "http://x.example", "project": "P"}, "opportunity_created"),
    ],
)  # fmt: skip
def test_a_filled_honeypot_looks_accepted_and_stores_nothing(
    api, form_key, snapshot, form_type, body, outcome
):
    key = form_key(form_type)
    before = snapshot()
    response = api.intake(form_type, body, key=key, headers={"Idempotency-Key": "bot-1"})
    assert api.ok(response, 201) == {"outcome": outcome}
    assert snapshot() == before


def test_an_empty_honeypot_is_ignored(api, form_key, rows):
    body = BODY | {"website": ""}
    assert api.ok(api.intake("content_download", body, key=form_key("content_download")), 201)
    assert rows(t.Lead) == 1


# --- rate limit -------------------------------------------------------------------------------


@pytest.fixture
def limited(app_database, database, users) -> Iterator[TestClient]:
    """The API with a limit of 3 submissions a minute per form key and client."""
    settings = Settings(database_url=app_database.url, intake_rate_limit_per_minute=3)
    with TestClient(create_app(settings, app_database)) as client:
        yield client


def test_a_flood_from_one_client_gets_429_with_retry_after(limited, form_key, rows):
    key = form_key("content_download")
    other_key = form_key("content_download")
    url = "/api/v1/intake/content_download"

    answers = [
        limited.post(url, json=BODY | {"n": i}, headers={"X-Form-Key": key}) for i in range(4)
    ]

    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    error = answers[3].json()["error"]
    # 3 a minute: a token comes back every 20 seconds
    assert (error["code"], error["fields"], error["retry_after"]) == ("rate_limited", {}, 20)
    assert answers[3].headers["Retry-After"] == "20"
    assert rows(t.Signal) == 3
    # Another form key has a bucket of its own; a wrong key spends from its own too
    assert limited.post(url, json=BODY, headers={"X-Form-Key": other_key}).status_code == 201
    wrong = [limited.post(url, json=BODY, headers={"X-Form-Key": "bfk_x"}) for _ in range(4)]
    assert [w.status_code for w in wrong] == [401, 401, 401, 429]


# --- size -------------------------------------------------------------------------------------


def test_a_body_over_64_kb_is_refused_by_its_declared_length(api, form_key, rows):
    body = BODY | {"message": "x" * 9_000, **{f"q{i}": "y" * 7_000 for i in range(9)}}
    response = api.intake("content_download", body, key=form_key("content_download"))
    error = api.error(response, 413, "payload_too_large")
    assert error["fields"] == {"body": "at most 65536 bytes"}
    assert rows(t.Lead) == 0


def test_a_streamed_body_is_cut_at_64_kb_whatever_it_declares(api, form_key, rows):
    def chunks() -> Iterator[bytes]:
        yield b'{"email": "a@b.fr", "message": "'
        for _ in range(70):
            yield b"x" * 1024
        yield b'"}'

    response = api.client.post(
        "/api/v1/intake/content_download",
        content=chunks(),
        headers={"X-Form-Key": form_key("content_download"), "Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    api.error(response, 413, "payload_too_large")
    assert rows(t.Lead) == 0


def test_a_body_just_under_the_limit_is_read(api, form_key, rows):
    body = BODY | {"message": "x" * 9_000, **{f"q{i}": "y" * 7_000 for i in range(7)}}
    response = api.intake("content_download", body, key=form_key("content_download"))
    assert api.ok(response, 201)["outcome"] == "lead_created"
    assert rows(t.Lead) == 1


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "status", "code", "fields"),
    [
        (b'{"email": "a@b.fr",', 400, "malformed_json", {"body"}),
        (b"\xff\xfe\x00garbage", 400, "malformed_json", {"body"}),
        (b"", 400, "malformed_json", {"body"}),
        (b'["a@b.fr"]', 422, "validation_failed", {"body"}),
        (b'"a@b.fr"', 422, "validation_failed", {"body"}),
        (b'{"email": "a@b.fr", "message": "a\\u0000b"}', 422, "validation_failed", {"message"}),
        (b'{"email": "a@b.fr", "q": "\\ud800"}', 422, "validation_failed", {"q"}),
        (b'{"email": "a@b.fr", "q": ' + b"[" * 20 + b"]" * 20 + b"}", 422,
         "validation_failed", {"q" + ".0" * 10}),
        (b'{"a": ' * 5000 + b"1" + b"}" * 5000, 400, "malformed_json", {"body"}),
    ],
)  # fmt: skip
def test_bodies_that_are_not_a_form_are_refused(api, form_key, snapshot, content, status, code,
                                                 fields):  # fmt: skip
    key = form_key("content_download")
    before = snapshot()
    response = api.client.post(
        "/api/v1/intake/content_download",
        content=content,
        headers={"X-Form-Key": key, "Content-Type": "application/json"},
    )
    assert set(api.error(response, status, code)["fields"]) == fields
    assert snapshot() == before


@pytest.mark.parametrize(
    ("form_type", "body", "fields"),
    [
        ("content_download", {"email": "pas-un-email"}, {"email"}),
        ("content_download", {"email": "a@b.fr", "phone": "12"}, {"phone"}),
        ("content_download", {"message": "bonjour"}, {"email"}),
        ("content_download", BODY | {"country": "FRA"}, {"country"}),
        ("content_download", BODY | {"employees": "beaucoup"}, {"employees"}),
        ("content_download", BODY | {"employees": -1}, {"employees"}),
        ("content_download", BODY | {"tags": "salon"}, {"tags"}),
        ("content_download", BODY | {"first_name": {"a": 1}}, {"first_name"}),
        ("content_download", BODY | {"last_name": "x" * 121}, {"last_name"}),
        ("content_download", BODY | {"message": "x" * 10_001}, {"message"}),
        ("content_download", BODY | {f"q{i}": i for i in range(51)}, {"body"}),
        ("content_download", BODY | {"q": "x" * 8001}, {"q"}),
        ("content_download", BODY | {"bad name": 1}, {"bad name"}),
        ("demo_request", BODY | {"users": [25]}, {"users"}),
        ("demo_request", BODY | {"budget": {"min": 1}}, {"budget"}),
        ("rfp", BODY | {"project": "P", "budget": "1k", "expected_close_date": "2031-02-30"},
         {"expected_close_date"}),
        ("rfp", BODY | {"project": "P", "budget": "1k", "expected_close_date": "2031-01-01",
                        "contacts": [{"email": "x@y.fr", "role": "boss"}]}, {"contacts.0.role"}),
        ("rfp", BODY | {"contacts": "everyone"}, {"contacts"}),
        ("freemium_signup", BODY | {"workspace": 42}, {"workspace"}),
    ],
)  # fmt: skip
def test_bad_fields_are_refused_by_name_and_write_nothing(
    api, form_key, snapshot, form_type, body, fields
):
    key = form_key(form_type)
    before = snapshot()
    response = api.intake(form_type, body, key=key)
    assert response.status_code == 422, response.text
    assert set(api.error(response, 422)["fields"]) == fields
    assert snapshot() == before
