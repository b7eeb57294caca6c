"""Every public form takes the person's consents (SPEC §18) and stores them on the record it
makes: a lead, a customer's contact, or, for an RFP, the sender's contact (the other people
the RFP names gave no answer: theirs stay unknown)."""

from __future__ import annotations

from typing import Any

import pytest

from bascule.playbook.load import default_playbook

FORM_TYPES = tuple(default_playbook().intake.forms)
ANSWERS = [
    {"purpose": "email_marketing", "granted": True},
    {"purpose": "phone_marketing", "granted": False},
]


def _body(form_type: str, email: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "first_name": "Agnès", "last_name": "Perrin", "email": email,
        "company": "Groupe Hospitalier Rhône-Alpes", "consents": ANSWERS,
    }  # fmt: skip
    if form_type == "rfp":
        body |= {
            "project": "Refonte CRM", "budget": "180 000 € HT",
            "expected_close_date": "2031-01-31",
            "contacts": [{"first_name": "Luc", "last_name": "Fournier",
                          "email": "luc.fournier@ghra.fr", "role": "business"}],
        }  # fmt: skip
    return body


def _answers(consents: list[dict[str, Any]]) -> dict[str, tuple[bool, str]]:
    return {c["purpose"]: (c["granted"], c["source"]) for c in consents}


@pytest.mark.parametrize("form_type", FORM_TYPES)
def test_every_form_stores_the_consents_it_is_given(api, form_key, form_type):
    key = form_key(form_type)
    made = api.ok(api.intake(form_type, _body(form_type, "agnes.perrin@ghra.fr"), key=key), 201)
    expected = {
        "email_marketing": (True, f"form:{form_type}"),
        "phone_marketing": (False, f"form:{form_type}"),
    }
    if "lead_id" in made and made.get("outcome") != "opportunity_created":
        assert _answers(api.ok(api.get(f"/leads/{made['lead_id']}"))["consents"]) == expected
    else:
        sender = api.ok(api.get(f"/contacts/{made['contact_id']}"))
        assert sender["email"] == "agnes.perrin@ghra.fr"
        assert _answers(sender["consents"]) == expected
        others = api.ok(api.get("/contacts?q=fournier"))["items"]
        assert [c["consents"] for c in others] == [[]]


def test_an_rfp_with_a_bad_consent_is_refused_and_writes_nothing(api, form_key, rows):
    from bascule.storage import tables as t

    body = _body("rfp", "agnes.perrin@ghra.fr")
    body["consents"] = [{"purpose": "spam", "granted": True}]
    refused = api.intake("rfp", body, key=form_key("rfp"))
    assert "consents.0.purpose" in api.error(refused, 422)["fields"]
    assert (rows(t.Opportunity), rows(t.Contact), rows(t.Consent)) == (0, 0, 0)


def test_a_customers_rfp_keeps_the_senders_answers(api, form_key):
    account = api.create_account(name="Groupe Hospitalier Rhône-Alpes", domain="ghra.fr")
    contact = api.create_contact(
        last_name="Perrin", email="agnes.perrin@ghra.fr", account_id=account["id"],
        consents=[{"purpose": "events", "granted": True}],
    )  # fmt: skip
    made = api.ok(api.intake("rfp", _body("rfp", "agnes.perrin@ghra.fr"), key=form_key("rfp")), 201)
    assert made["contact_id"] == contact["id"]
    held = _answers(api.ok(api.get(f"/contacts/{contact['id']}"))["consents"])
    assert held == {
        "events": (True, "api"),
        "email_marketing": (True, "form:rfp"),
        "phone_marketing": (False, "form:rfp"),
    }
