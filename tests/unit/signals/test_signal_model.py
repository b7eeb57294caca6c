"""Signal rules (SPEC §1, §6): checking one item of a batch, and where a valid one goes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.signals.model import (
    MAX_PROPERTIES_BYTES,
    NO_CLAIM,
    PRODUCT_TYPES,
    SIGNAL_TYPES,
    Directory,
    Placement,
    Rejected,
    SignalItem,
    check_item,
    claims_workspace,
    email_key,
    place,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def item(**fields: Any) -> dict[str, Any]:
    return {"type": "page_view", "occurred_at": "2025-03-01T10:15:00+01:00"} | fields


def ok(raw: Any) -> SignalItem:
    checked = check_item(7, raw, NOW)
    assert isinstance(checked, SignalItem), checked
    return checked


def errors(raw: Any) -> dict[str, str]:
    checked = check_item(7, raw, NOW)
    assert isinstance(checked, Rejected), checked
    assert checked.index == 7
    return checked.errors


# --- the check of one item --------------------------------------------------------------------


def test_the_ten_spec_types_and_no_other():
    spec = {
        "page_view", "email_open", "email_click", "form_submit", "content_download",
        "pricing_view", "product_login", "feature_used", "seats_used", "seat_limit_reached",
    }  # fmt: skip
    product = {"product_login", "feature_used", "seats_used", "seat_limit_reached"}
    assert (spec, product) == (SIGNAL_TYPES, PRODUCT_TYPES)


def test_a_valid_item_is_normalised_to_utc_and_an_email_key():
    checked = ok(item(email="  Camille.Martin@Acier-Durand.FR ", properties={"url": "/tarifs"}))
    assert checked.occurred_at == datetime(2025, 3, 1, 9, 15, tzinfo=UTC)
    assert checked.email_key == "camille.martin@acier-durand.fr"
    assert (checked.lead_id, checked.contact_id, checked.workspace) == (None, None, None)
    assert checked.properties == {"url": "/tarifs"}
    assert ok(item(lead_id=3, occurred_at="2025-03-01T09:15:00Z")).occurred_at == datetime(
        2025, 3, 1, 9, 15, tzinfo=UTC
    )
    assert ok(item(lead_id=3, properties=None)).properties == {}
    assert ok(item(lead_id=3, email=None)).lead_id == 3


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2025-03-01T10:15:00", "needs a UTC offset (e.g. 2025-03-01T10:15:00+01:00 or ...Z)"),
        ("2025-03-01", "needs a UTC offset (e.g. 2025-03-01T10:15:00+01:00 or ...Z)"),
        ("01/03/2025 10:15", "not an ISO 8601 time (e.g. 2025-03-01T10:15:00+01:00)"),
        (1740820500, "required, an ISO 8601 time with its UTC offset"),
        (None, "required, an ISO 8601 time with its UTC offset"),
        ("2025-03-02T12:00:01+00:00", "is in the future"),
        ("1969-12-31T23:59:59+00:00", "is before 1970"),
        ("0001-01-01T00:00:00+14:00", "out of range"),
    ],
)
def test_occurred_at_must_carry_an_offset_and_be_plausible(value, reason):
    assert errors(item(lead_id=1, occurred_at=value)) == {"occurred_at": reason}


def test_a_day_of_clock_drift_is_tolerated():
    assert ok(item(lead_id=1, occurred_at="2025-03-02T12:00:00+00:00")).lead_id == 1


def test_exactly_one_person_is_named():
    two = errors(item(email="a@b.fr", lead_id=1, contact_id=2))
    assert two == {name: "give exactly one of email, lead_id, contact_id" for name in two}
    assert set(two) == {"email", "lead_id", "contact_id"}
    assert errors(item()) == {"email": "give exactly one of email, lead_id, contact_id"}
    assert "properties.workspace" in errors(item(type="seats_used"))["email"]


def test_product_usage_may_name_only_its_workspace_and_other_types_may_not():
    usage = ok(item(type="seats_used", properties={"workspace": " acme ", "seats": 3}))
    assert usage.by_workspace and usage.workspace == "acme" and not claims_workspace(usage)
    assert set(errors(item(properties={"workspace": "acme"}))) == {"email"}
    claim = ok(item(type="form_submit", email="a@acme.io", properties={"workspace": "acme"}))
    assert claims_workspace(claim) and not claim.by_workspace


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"lead_id": 0}, "lead_id"),
        ({"lead_id": -3}, "lead_id"),
        ({"lead_id": 2**31}, "lead_id"),
        ({"lead_id": "12"}, "lead_id"),
        ({"lead_id": True}, "lead_id"),
        ({"lead_id": 1.0}, "lead_id"),
        ({"contact_id": [1]}, "contact_id"),
        ({"email": "no-at-sign"}, "email"),
        ({"email": "two@@at.fr"}, "email"),
        ({"email": "nodot@localhost"}, "email"),
        ({"email": "a b@c.fr"}, "email"),
        ({"email": "nul\x00@c.fr"}, "email"),
        ({"email": "lone\ud800@c.fr"}, "email"),
        ({"email": "x" * 250 + "@c.fr"}, "email"),
        ({"email": 42}, "email"),
        ({"lead_id": 1, "type": "phone_call"}, "type"),
        ({"lead_id": 1, "type": None}, "type"),
        ({"lead_id": 1, "properties": "x"}, "properties"),
        ({"lead_id": 1, "properties": {"n": float("nan")}}, "properties"),
        ({"lead_id": 1, "properties": {"t": "\x00"}}, "properties"),
        ({"lead_id": 1, "properties": {"t": "\udc00"}}, "properties"),
        ({"lead_id": 1, "properties": {"workspace": 3}}, "properties.workspace"),
        ({"lead_id": 1, "properties": {"workspace": "x" * 121}}, "properties.workspace"),
        ({"lead_id": 1, "properties": {"workspace": "a\nb"}}, "properties.workspace"),
        ({"lead_id": 1, "campaign": "spring"}, "campaign"),
    ],
)
def test_each_bad_field_is_named(fields, field):
    assert set(errors(item(**fields))) == {field}


def test_properties_are_bounded_in_bytes_of_json():
    at_limit = {"t": "é" * ((MAX_PROPERTIES_BYTES - 8) // 2)}
    assert len(json.dumps(at_limit, ensure_ascii=False, separators=(",", ":")).encode()) <= 4096
    assert ok(item(lead_id=1, properties=at_limit)).properties == at_limit
    over = {"t": "é" * (MAX_PROPERTIES_BYTES // 2)}
    assert errors(item(lead_id=1, properties=over))["properties"].startswith("at most 4096 bytes")


def test_an_item_that_is_not_an_object_is_refused():
    for raw in ("page_view", 3, None, [item(lead_id=1)]):
        assert errors(raw) == {"item": "must be an object"}


def test_email_keys_match_the_leads_and_contacts_keys():
    assert email_key(" Léa.Roux@Exemple.FR ") == "léa.roux@exemple.fr"
    decomposed = "Le\u0301a@exemple.fr"  # e + combining acute
    assert email_key(decomposed) == "léa@exemple.fr"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD_NAMES = st.sampled_from(["type", "occurred_at", "email", "lead_id", "contact_id",
                               "properties", "other"])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(FIELD_NAMES, JSON, max_size=6) | JSON)
def test_any_json_value_is_either_a_valid_item_or_named_errors(raw):
    checked = check_item(0, raw, NOW)
    if isinstance(checked, Rejected):
        assert checked.errors and all(isinstance(v, str) and v for v in checked.errors.values())
    else:
        assert checked.type in SIGNAL_TYPES
        assert checked.occurred_at.tzinfo is UTC
        named = [checked.email_key, checked.lead_id, checked.contact_id]
        assert sum(v is not None for v in named) == 1 or checked.by_workspace


# --- where a valid item goes ------------------------------------------------------------------


def directory(**parts: Any) -> Directory:
    empty: dict[str, Any] = {
        "leads": {}, "contacts": {}, "open_leads": {}, "contacts_by_email": {}, "claims": {},
    }  # fmt: skip
    return Directory(**(empty | parts))


def test_a_lead_id_goes_to_that_lead_and_its_conversion_records():
    d = directory(leads={5: (None, None), 6: (60, 600)})
    assert place(ok(item(lead_id=5)), d) == Placement(5, None, None, None)
    assert place(ok(item(lead_id=6)), d) == Placement(6, 60, 600, None)
    assert place(ok(item(lead_id=7)), d) == Rejected(7, {"lead_id": "no such lead"})


def test_a_contact_id_goes_to_that_contact_and_its_account():
    d = directory(contacts={8: 80, 9: None})
    assert place(ok(item(contact_id=8)), d) == Placement(None, 8, 80, None)
    assert place(ok(item(contact_id=9)), d) == Placement(None, 9, None, None)
    assert place(ok(item(contact_id=10)), d) == Rejected(7, {"contact_id": "no such contact"})


def test_an_email_goes_to_the_open_lead_else_the_contact_else_waits():
    d = directory(open_leads={"a@x.fr": 1, "both@x.fr": 2}, contacts_by_email={
        "c@x.fr": (3, 30), "both@x.fr": (4, 40)})  # fmt: skip
    assert place(ok(item(email="A@x.fr")), d) == Placement(1, None, None, "a@x.fr")
    assert place(ok(item(email="both@x.fr")), d) == Placement(2, None, None, "both@x.fr")
    assert place(ok(item(email="c@x.fr")), d) == Placement(None, 3, 30, "c@x.fr")
    waiting = place(ok(item(email="new@x.fr")), d)
    assert waiting == Placement(None, None, None, "new@x.fr")
    assert isinstance(waiting, Placement) and waiting.is_pending


def test_workspace_usage_follows_the_latest_claim():
    usage = ok(item(type="feature_used", properties={"workspace": "acme"}))
    assert place(usage, directory()) == Rejected(7, {"properties.workspace": NO_CLAIM})
    on_lead = directory(claims={"acme": (1, None, None, "a@acme.io")}, leads={1: (None, None)})
    assert place(usage, on_lead) == Placement(1, None, None, "a@acme.io")
    converted = directory(claims={"acme": (1, None, None, "a@acme.io")}, leads={1: (10, 100)})
    assert place(usage, converted) == Placement(1, 10, 100, "a@acme.io")
    on_contact = directory(claims={"acme": (None, 10, 100, "a@acme.io")})
    assert place(usage, on_contact) == Placement(None, 10, 100, "a@acme.io")
    pending = directory(claims={"acme": (None, None, None, "a@acme.io")})
    assert place(usage, pending) == Placement(None, None, None, "a@acme.io")
    identified = directory(
        claims={"acme": (None, None, None, "a@acme.io")}, open_leads={"a@acme.io": 4}
    )
    assert place(usage, identified) == Placement(4, None, None, "a@acme.io")
