"""Signals through the HTTP API (SPEC §1, §6, §13 ``POST /api/v1/events``).

A batch answers 200 with ``{"accepted", "pending", "rejected": [{"index", "errors"}]}``: valid
items are stored (on a lead, a contact and its account, or kept with their e-mail until that
person is identified), invalid ones are reported by index and never stored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bascule.storage import tables as t
from bascule.storage.uow import Database

NOW = datetime.now(UTC).replace(microsecond=0)


def event(kind: str = "page_view", minutes_ago: int = 10, **fields: Any) -> dict[str, Any]:
    occurred = (NOW - timedelta(minutes=minutes_ago)).isoformat()
    return {"type": kind, "occurred_at": occurred, "properties": {}} | fields


def send(api, items: Any, *, as_: str = "marketing") -> dict[str, Any]:
    return api.ok(api.post("/events", items, as_=as_))


def signals_of(api, path: str) -> dict[str, Any]:
    return api.ok(api.get(f"{path}/signals?page_size=200"))


def stored(database: Database) -> list[tuple[str, int | None, int | None, int | None, str | None]]:
    """(type, lead_id, contact_id, account_id, email_key) of every signal, in id order."""
    s = t.Signal
    query = select(s.type, s.lead_id, s.contact_id, s.account_id, s.email_key).order_by(s.id)
    with database.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def customer_account(api, users) -> tuple[dict[str, Any], dict[str, Any]]:
    """An account made a customer by a won opportunity, and its contact."""
    account = api.create_account(
        name="Hôtels Duval", domain="hotels-duval.fr", owner_id=users["account_manager"].id
    )
    contact = api.create_contact(
        last_name="Duval", email="claire.duval@hotels-duval.fr", account_id=account["id"]
    )
    opp = api.create_opportunity(name="CRM 50 utilisateurs", account_id=account["id"])
    api.move(opp["id"], "won")
    assert api.ok(api.get(f"/accounts/{account['id']}"))["is_customer"] is True
    return account, contact


# --- attaching by each key --------------------------------------------------------------------


def test_signals_attach_by_lead_id_contact_id_and_email(api, database):
    # Given an open lead and a contact of a (non-customer) account
    lead = api.create_lead(email="Camille.Martin@Acier-Durand.fr")
    account = api.create_account(name="Boulangerie Paul")
    contact = api.create_contact(
        last_name="Paul", email="paul@boulangerie-paul.fr", account_id=account["id"]
    )
    # When events name them by id and by e-mail (any case, spaces around)
    result = send(
        api,
        [
            event("page_view", 1, lead_id=lead["id"], properties={"url": "/tarifs"}),
            event("email_open", email="  CAMILLE.MARTIN@acier-durand.FR "),
            event("email_click", contact_id=contact["id"]),
            event("content_download", email="Paul@Boulangerie-Paul.fr"),
        ],
    )
    # Then all four are stored, none pending
    assert result == {"accepted": 4, "pending": 0, "rejected": []}
    assert stored(database) == [
        ("page_view", lead["id"], None, None, None),
        ("email_open", lead["id"], None, None, "camille.martin@acier-durand.fr"),
        ("email_click", None, contact["id"], account["id"], None),
        ("content_download", None, contact["id"], account["id"], "paul@boulangerie-paul.fr"),
    ]
    # And each person shows its own, newest first
    on_lead = signals_of(api, f"/leads/{lead['id']}")
    assert on_lead["total"] == 2
    assert [s["type"] for s in on_lead["items"]] == ["page_view", "email_open"]
    assert on_lead["items"][0]["properties"] == {"url": "/tarifs"}
    assert signals_of(api, f"/contacts/{contact['id']}")["total"] == 2
    assert signals_of(api, f"/accounts/{account['id']}")["total"] == 2


def test_every_role_may_send_events_and_a_token_is_required(api, rows):
    for role in ("sales", "sdr", "marketing", "account_manager", "admin"):
        assert send(api, [event(email=f"{role}@example.org")], as_=role)["accepted"] == 1
    refused = api.post("/events", [event(email="x@example.org")], as_=None)
    api.error(refused, 401, "unauthorized")
    assert rows(t.Signal) == 5


# --- unknown e-mails are kept, then attached -------------------------------------------------


def test_an_unknown_email_is_kept_and_attached_when_a_lead_is_created_with_it(api, database, rows):
    # Given three signals of an address nobody knows yet
    items = [
        event("page_view", minutes_ago=30, email="Lea.Roux@Roux-Transports.fr"),
        event("pricing_view", minutes_ago=20, email="lea.roux@roux-transports.fr"),
        event("email_click", minutes_ago=5, email="LEA.ROUX@ROUX-TRANSPORTS.FR"),
    ]
    assert send(api, items) == {"accepted": 3, "pending": 3, "rejected": []}
    assert [row[1:4] for row in stored(database)] == [(None, None, None)] * 3
    assert rows(t.Lead) == 0  # a signal never creates a lead
    # When a lead is created with that address
    lead = api.create_lead(email="lea.roux@roux-transports.fr", last_name="Roux")
    # Then the three signals are on it, newest first
    page = signals_of(api, f"/leads/{lead['id']}")
    assert page["total"] == 3
    assert [s["type"] for s in page["items"]] == ["email_click", "pricing_view", "page_view"]
    assert {row[1] for row in stored(database)} == {lead["id"]}
    # And a later signal goes straight to the lead
    assert send(api, [event(email="lea.roux@roux-transports.fr")])["pending"] == 0
    assert signals_of(api, f"/leads/{lead['id']}")["total"] == 4


def test_an_unknown_email_is_attached_when_a_contact_is_created_with_it(api, database):
    assert (
        send(api, [event(email="marc@ferme-bio.fr"), event(email="other@ferme-bio.fr")])["pending"]
        == 2
    )
    account = api.create_account(name="Ferme Bio")
    contact = api.create_contact(
        last_name="Marc", email="Marc@Ferme-Bio.fr", account_id=account["id"]
    )
    assert stored(database) == [
        ("page_view", None, contact["id"], account["id"], "marc@ferme-bio.fr"),
        ("page_view", None, None, None, "other@ferme-bio.fr"),
    ]


def test_an_unknown_email_is_attached_when_a_lead_gets_that_email_later(api, database):
    lead = api.create_lead(email=None, last_name="Girard", company="Girard SA")
    assert send(api, [event(email="j.girard@girard.fr")])["pending"] == 1
    api.ok(api.patch(f"/leads/{lead['id']}", {"email": "j.girard@girard.fr"}))
    assert [row[1] for row in stored(database)] == [lead["id"]]


def test_signals_of_a_converted_lead_email_go_to_its_contact_and_account(api, database, rows):
    lead = api.ready_lead()
    done = api.convert(lead["id"], api.convert_body())
    result = send(api, [event(email=lead["email"]), event(lead_id=lead["id"])])
    assert result["accepted"] == 2 and result["pending"] == 0
    contact_id, account_id = done["contact_id"], done["account_id"]
    assert [row[1:4] for row in stored(database)] == [
        (None, contact_id, account_id),
        (lead["id"], contact_id, account_id),
    ]
    assert rows(t.Lead) == 1


# --- existing customers (SPEC §6) -------------------------------------------------------------


def test_a_customer_contact_signal_goes_on_the_contact_and_account_and_creates_no_lead(
    api, users, database, rows
):
    account, contact = customer_account(api, users)
    result = send(
        api,
        [
            event("pricing_view", email="Claire.Duval@hotels-duval.fr"),
            event("seat_limit_reached", email="claire.duval@hotels-duval.fr"),
        ],
    )
    assert result == {"accepted": 2, "pending": 0, "rejected": []}
    assert [row[1:4] for row in stored(database)] == [(None, contact["id"], account["id"])] * 2
    assert rows(t.Lead) == 0
    page = signals_of(api, f"/accounts/{account['id']}")
    # Same time: the later one first
    assert [s["type"] for s in page["items"]] == ["seat_limit_reached", "pricing_view"]
    assert page["total"] == 2


# --- invalid items ----------------------------------------------------------------------------


def test_invalid_items_are_reported_by_index_and_the_valid_ones_stored(api, database, rows):
    lead = api.create_lead()
    account = api.create_account(name="Acme")
    contact = api.create_contact(last_name="Doe", email="doe@acme.fr", account_id=account["id"])
    big = {"notes": "x" * 5000}
    naive = (NOW - timedelta(hours=1)).replace(tzinfo=None).isoformat()
    items = [
        event(lead_id=lead["id"]),  # 0 ok
        event("phone_call", lead_id=lead["id"]),  # 1 unknown type
        event(lead_id=lead["id"], occurred_at=naive),  # 2 naive time
        event(lead_id=999_999),  # 3 unknown lead
        event(lead_id=lead["id"], email="camille.martin@acier-durand.fr"),  # 4 two identifiers
        event(lead_id=lead["id"], properties=big),  # 5 oversized properties
        event(contact_id=contact["id"]),  # 6 ok
        event(lead_id=lead["id"], occurred_at=(NOW + timedelta(days=30)).isoformat()),  # 7
        event(contact_id=424_242),  # 8 unknown contact
        "page_view",  # 9 not an object
        event(email="not-an-address"),  # 10
        event(lead_id=lead["id"], campaign="x"),  # 11 unknown field
        event(),  # 12 nobody named
        event("page_view", lead_id=lead["id"], occurred_at="yesterday"),  # 13
        event("page_view", lead_id=True),  # 14 a boolean is not an id
        event("page_view", lead_id=lead["id"], properties=[1, 2]),  # 15
        event("feature_used"),  # 16 product usage without a person nor a workspace
        event(email="ok@example.org"),  # 17 ok (pending)
    ]
    result = send(api, items)
    assert (result["accepted"], result["pending"]) == (3, 1)
    rejected = {r["index"]: r["errors"] for r in result["rejected"]}
    assert [r["index"] for r in result["rejected"]] == sorted(rejected)
    assert sorted(rejected) == [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    assert set(rejected[1]) == {"type"} and "page_view" in rejected[1]["type"]
    assert set(rejected[2]) == {"occurred_at"} and "offset" in rejected[2]["occurred_at"]
    assert rejected[3] == {"lead_id": "no such lead"}
    assert set(rejected[4]) == {"lead_id", "email"}
    assert set(rejected[5]) == {"properties"} and "4096" in rejected[5]["properties"]
    assert rejected[7] == {"occurred_at": "is in the future"}
    assert rejected[8] == {"contact_id": "no such contact"}
    assert rejected[9] == {"item": "must be an object"}
    assert rejected[10] == {"email": "not an e-mail address"}
    assert rejected[11] == {"campaign": "unknown field"}
    assert set(rejected[12]) == {"email"}
    assert set(rejected[13]) == {"occurred_at"}
    assert set(rejected[14]) == {"lead_id"}
    assert rejected[15] == {"properties": "must be an object"}
    assert "workspace" in rejected[16]["email"]
    # Only the valid items were stored
    assert rows(t.Signal) == 3
    assert [row[1:3] for row in stored(database)] == [
        (lead["id"], None),
        (None, contact["id"]),
        (None, None),
    ]


def test_a_batch_of_ten_thousand_is_taken_and_one_more_is_refused_whole(api, rows):
    items = [event(email=f"visitor{i}@example.org") for i in range(10_000)]
    assert send(api, items) == {"accepted": 10_000, "pending": 10_000, "rejected": []}
    assert rows(t.Signal) == 10_000
    response = api.post("/events", [*items, event(email="one-more@example.org")])
    error = api.error(response, 413, "payload_too_large")
    assert "10000" in error["message"] and "10001" in error["message"]
    assert rows(t.Signal) == 10_000


def test_bodies_that_are_not_a_json_array_are_refused_and_nothing_is_stored(api, rows):
    headers = {"Content-Type": "application/json"}
    for body in (b'[{"type": "page_view", ', b"\xff\xfe garbage", b"", b"[" * 100_000):
        response = api.post("/events", None, content=body, headers=headers)
        api.error(response, 400, "malformed_json")
    for value in ({"type": "page_view"}, "page_view", 42, None):
        response = api.post("/events", None, content=json.dumps(value), headers=headers)
        error = api.error(response, 422, "validation_failed")
        assert set(error["fields"]) == {"body"}
    too_big = b"[" + b'"' + b"x" * (11 * 1024 * 1024) + b'"]'
    api.error(api.post("/events", None, content=too_big, headers=headers), 413)
    assert send(api, []) == {"accepted": 0, "pending": 0, "rejected": []}
    assert rows(t.Signal) == 0


def test_values_no_database_stores_are_refused_per_item_not_with_an_error(api, rows):
    lead = api.create_lead()
    weird = [
        event(lead_id=lead["id"], properties={"n": float("inf")}),
        event(email="nul\u0000@example.org"),
        event(lead_id=lead["id"], properties={"text": "nul \u0000 char"}),
        event(lead_id=lead["id"], properties={"workspace": "bad\u0000space"}),
        event(lead_id=lead["id"], occurred_at="0001-01-01T00:00:00+14:00"),
        event(lead_id=lead["id"], occurred_at="9999-12-31T23:59:59-14:00"),
        event(lead_id=2**40),
        event(lead_id=lead["id"], properties={"deep": _nested(200)}),
    ]
    body = json.dumps(weird, allow_nan=True)
    lone = {"type": "page_view", "occurred_at": NOW.isoformat(), "email": "a-SURROGATE@b.fr"}
    surrogate = json.dumps([lone]).replace("-SURROGATE", "\\ud800")
    headers = {"Content-Type": "application/json"}
    result = api.ok(api.post("/events", None, content=body, headers=headers))
    assert result["accepted"] + len(result["rejected"]) == len(weird)
    assert [r["index"] for r in result["rejected"]] == [0, 1, 2, 3, 4, 5, 6]
    result = api.ok(api.post("/events", None, content=surrogate, headers=headers))
    assert result["rejected"][0]["errors"] == {"email": "not an e-mail address"}
    assert rows(t.Signal) == 1  # the deeply nested one: valid JSON, under 4 kB


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


# --- reading ----------------------------------------------------------------------------------


def test_signals_of_a_lead_are_paged_newest_first(api):
    lead = api.create_lead()
    send(api, [event(lead_id=lead["id"], minutes_ago=m) for m in range(1, 26)])
    first = api.ok(api.get(f"/leads/{lead['id']}/signals?page_size=10"))
    assert (first["total"], first["page"], first["page_size"]) == (25, 1, 10)
    times = [s["occurred_at"] for s in first["items"]]
    assert times == sorted(times, reverse=True)
    assert datetime.fromisoformat(times[0]) == NOW - timedelta(minutes=1)
    last = api.ok(api.get(f"/leads/{lead['id']}/signals?page=3&page_size=10"))
    assert len(last["items"]) == 5
    item = last["items"][-1]
    assert (item["type"], item["lead_id"], item["origin"]) == ("page_view", lead["id"], "event")
    assert datetime.fromisoformat(item["received_at"]).tzinfo is not None
    api.error(api.get("/leads/999999/signals"), 404, "not_found")
    api.error(api.get("/contacts/999999/signals"), 404, "not_found")
    api.error(api.get("/accounts/999999/signals"), 404, "not_found")


def test_openapi_describes_the_batch_and_its_answer(api):
    spec = api.ok(api.get("/openapi.json", as_=None))
    operation = spec["paths"]["/api/v1/events"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert (body["type"], body["maxItems"]) == ("array", 10_000)
    item = body["items"]
    assert set(item["properties"]) == {
        "type", "occurred_at", "email", "lead_id", "contact_id", "properties",
    }  # fmt: skip
    assert item["additionalProperties"] is False
    assert "seat_limit_reached" in item["properties"]["type"]["enum"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    name = answer["$ref"].rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][name]["properties"]) == {
        "accepted", "pending", "rejected",
    }  # fmt: skip
