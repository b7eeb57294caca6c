"""``POST /api/v1/intake/{form_type}``: the public forms (SPEC §6, §7, §13).

Form keys, what each form type creates, a known e-mail enriching its open lead, a customer's
contact making no lead, and the alerts written with them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bascule.intake import forms
from bascule.storage import tables as t


@pytest.fixture
def fetch(database):
    """``fetch(t.Signal)``: the rows of a table, oldest first."""

    def rows(model: type[t.Base], **where: Any) -> list[Any]:
        with database.uow() as uow:
            query = select(model).order_by(*model.__table__.primary_key.columns)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            found = list(uow.session.scalars(query))
            uow.session.expunge_all()
            return found

    return rows


PERSON = {
    "first_name": "Sophie",
    "last_name": "Marchand",
    "email": "sophie.marchand@logistique-vallee.fr",
    "company": "Logistique de la Vallée",
    "job_title": "Directrice commerciale",
    "employees": 180,
}


# --- keys -------------------------------------------------------------------------------------


def test_a_form_needs_its_own_valid_unrevoked_key(api, form_key, database, rows):
    # Given a demo form, a pricing form, and a demo form whose key was revoked
    demo = form_key("demo_request", "site web")
    pricing = form_key("pricing_request")
    closed = form_key("demo_request")
    with database.uow(write=True) as uow:
        forms.revoke(uow, key_or_id=closed, now=datetime.now(UTC))
        uow.commit()

    # When the demo form is posted without a key, with a made-up key, with the revoked key,
    # with the pricing form's key, or with an API token instead of a key
    missing = api.intake("demo_request", PERSON, key=None)
    wrong = api.intake("demo_request", PERSON, key="bfk_made-up")
    revoked = api.intake("demo_request", PERSON, key=closed)
    other = api.intake("demo_request", PERSON, key=pricing)
    token = api.post("/intake/demo_request", PERSON, as_="admin")

    # Then each is refused in the SPEC shape, naming the header, and nothing is written
    assert api.error(missing, 401, "unauthorized")["fields"] == {"X-Form-Key": "missing"}
    assert api.error(wrong, 401, "unauthorized")["fields"] == {"X-Form-Key": "invalid"}
    assert api.error(revoked, 403, "forbidden")["fields"] == {"X-Form-Key": "revoked"}
    assert api.error(other, 403, "forbidden")["fields"] == {"X-Form-Key": "not for this form type"}
    assert api.error(token, 401, "unauthorized")["fields"] == {"X-Form-Key": "missing"}
    assert (rows(t.Lead), rows(t.Signal), rows(t.Outbox)) == (0, 0, 0)
    # And the right key opens the form, without any bearer token
    assert api.ok(api.intake("demo_request", PERSON, key=demo), 201)["outcome"] == "lead_created"
    assert rows(t.Lead) == 1


def test_an_unknown_form_type_is_not_found_whatever_the_key(api, form_key, rows):
    key = form_key("demo_request")
    for form_type in ("webinar", "DEMO_REQUEST", "x" * 41):
        response = api.intake(form_type, PERSON, key=key)
        assert response.status_code in (404, 422), response.text
        api.error(response, response.status_code)
    assert api.error(api.intake("webinar", PERSON, key=key), 404, "not_found")["fields"] == {
        "form_type": "unknown form type"
    }
    assert rows(t.Lead) == 0


def test_only_the_key_hash_is_stored(api, form_key, fetch):
    key = form_key("content_download", "livre blanc CRM")
    (form,) = fetch(t.IntakeForm)
    assert key.startswith("bfk_") and len(key) > 40
    assert (form.form_type, form.label, form.revoked_at) == (
        "content_download",
        "livre blanc CRM",
        None,
    )
    assert form.key_hash == forms.hash_key(key) and key not in form.key_hash


# --- what each form creates -------------------------------------------------------------------

EXPECTED = {
    # form type: (source, kind, temperature, "opportunity suggested" alerts)
    "content_download": ("content_download", "sales", None, 0),
    "demo_request": ("demo_request", "sales", "hot", 1),
    "contact_expert": ("web_form", "sales", "hot", 1),
    "pricing_request": ("web_form", "sales", None, 1),
    "support_request": ("web_form", "support_service", None, 0),
    "freemium_signup": ("freemium_signup", "sales", None, 0),
}


@pytest.mark.parametrize("form_type", sorted(EXPECTED))
def test_each_lead_form_creates_one_lead_and_one_signal(api, form_key, fetch, rows, form_type):
    source, kind, temperature, alerts = EXPECTED[form_type]
    key = form_key(form_type)
    body = PERSON | {"message": "Bonjour", "utm_source": "linkedin", "workspace": "ws-42"}

    # When the form is submitted
    result = api.ok(api.intake(form_type, body, key=key), 201)

    # Then one new lead exists, as the playbook says for this form, owned by nobody yet
    assert set(result) == {"outcome", "lead_id"}
    assert result["outcome"] == "lead_created"
    lead = api.ok(api.get(f"/leads/{result['lead_id']}"))
    assert (lead["source"], lead["kind"], lead["temperature"], lead["status"]) == (
        source,
        kind,
        temperature,
        "new",
    )
    assert (lead["email"], lead["company"], lead["employees"]) == (
        "sophie.marchand@logistique-vallee.fr",
        "Logistique de la Vallée",
        180,
    )
    assert (lead["owner_id"], lead["assigned_at"]) == (None, None)
    # And the form is kept as a signal with its free answers
    (signal,) = fetch(t.Signal)
    assert (signal.lead_id, signal.origin, signal.email_key) == (
        lead["id"],
        "form",
        "sophie.marchand@logistique-vallee.fr",
    )
    assert signal.type == ("content_download" if form_type == "content_download" else "form_submit")
    assert signal.properties["form_type"] == form_type
    assert (signal.properties["message"], signal.properties["utm_source"]) == (
        "Bonjour",
        "linkedin",
    )
    assert signal.workspace == "ws-42"
    # And strong signals raise one "opportunity suggested" alert
    outbox = fetch(t.Outbox)
    assert len(outbox) == alerts
    if alerts:
        assert (outbox[0].kind, outbox[0].status, outbox[0].recipient_user_id) == (
            "opportunity_suggested",
            "pending",
            None,
        )
        assert outbox[0].payload == {
            "lead_id": lead["id"],
            "form_type": form_type,
            "signal_id": signal.id,
        }
    assert (rows(t.Lead), rows(t.Opportunity), rows(t.Account), rows(t.Contact)) == (1, 0, 0, 0)


def test_fields_the_sender_does_not_decide_are_kept_as_answers_only(api, form_key, fetch):
    key = form_key("content_download")
    body = PERSON | {"source": "referral", "temperature": "hot", "owner_id": 1, "status": "sql"}
    result = api.ok(api.intake("content_download", body, key=key), 201)
    lead = api.ok(api.get(f"/leads/{result['lead_id']}"))
    assert (lead["source"], lead["temperature"], lead["owner_id"], lead["status"]) == (
        "content_download",
        None,
        None,
        "new",
    )
    (signal,) = fetch(t.Signal)
    assert {k: signal.properties[k] for k in ("source", "temperature", "owner_id", "status")} == {
        "source": "referral",
        "temperature": "hot",
        "owner_id": 1,
        "status": "sql",
    }


def test_a_demo_request_fills_the_budget_range_and_timing(api, form_key, fetch):
    key = form_key("demo_request")
    body = PERSON | {"users": "25 utilisateurs", "budget": "20-30 k€", "timeline": "dans 3 mois"}

    result = api.ok(api.intake("demo_request", body, key=key), 201)

    lead = api.ok(api.get(f"/leads/{result['lead_id']}"))
    assert lead["qualification"]["budget"] == {
        "status": "range",
        "min": "20000",
        "max": "30000",
        "amount": None,
    }
    assert lead["qualification"]["timing"] == {"horizon": "3_months", "date": None}
    assert lead["qualification"]["need"] == {"text": "", "confirmed": False}
    assert lead["ready_to_convert"] is False  # the need is still to be confirmed by a call
    (signal,) = fetch(t.Signal)
    assert signal.properties["read"] == {
        "users": 25,
        "budget": ["20000", "30000"],
        "timeline": {"horizon": "3_months", "date": None},
    }


def test_unreadable_demo_answers_are_kept_and_qualify_nothing(api, form_key, fetch):
    key = form_key("demo_request")
    body = PERSON | {"users": "beaucoup", "budget": "à voir", "timeline": "avant l'été"}
    result = api.ok(api.intake("demo_request", body, key=key), 201)
    assert api.ok(api.get(f"/leads/{result['lead_id']}"))["qualification"] is None
    (signal,) = fetch(t.Signal)
    assert (signal.properties["users"], signal.properties["timeline"]) == (
        "beaucoup",
        "avant l'été",
    )
    assert "read" not in signal.properties


# --- a known e-mail ---------------------------------------------------------------------------


def test_a_known_email_enriches_its_open_lead_and_never_blanks_it(api, form_key, fetch, rows):
    # Given a lead from a white paper: name and e-mail only
    first = api.ok(
        api.intake(
            "content_download",
            {"first_name": "Sophie", "email": "sophie.marchand@logistique-vallee.fr"},
            key=form_key("content_download"),
        ),
        201,
    )
    # When the same person (e-mail in another case) asks for a demo, with more details,
    # another first name and empty fields
    second = api.ok(
        api.intake(
            "demo_request",
            {
                "first_name": "Sophia",
                "last_name": "Marchand",
                "email": "Sophie.Marchand@Logistique-Vallee.fr",
                "company": "Logistique de la Vallée",
                "phone": "01 23 45 67 89",
                "job_title": "",
                "budget": "25k",
            },
            key=form_key("demo_request"),
        ),
        201,
    )

    # Then the same lead is updated: empty fields filled, known ones kept, warmed up to hot
    assert second == {"outcome": "lead_updated", "lead_id": first["lead_id"]}
    lead = api.ok(api.get(f"/leads/{first['lead_id']}"))
    assert (lead["first_name"], lead["last_name"], lead["company"], lead["phone"]) == (
        "Sophie",
        "Marchand",
        "Logistique de la Vallée",
        "+33123456789",
    )
    assert (lead["source"], lead["temperature"], lead["job_title"]) == (
        "content_download",
        "hot",
        None,
    )
    assert lead["qualification"]["budget"]["status"] == "range"
    # And each form is a signal on it; the merge is in the activities and the audit trail
    signals = fetch(t.Signal)
    assert [(s.lead_id, s.properties["form_type"]) for s in signals] == [
        (first["lead_id"], "content_download"),
        (first["lead_id"], "demo_request"),
    ]
    activities = api.ok(api.get(f"/leads/{first['lead_id']}/activities"))
    assert [a["kind"] for a in activities] == ["signal"]
    actions = [a.action for a in fetch(t.AuditLog, entity="lead")]
    assert actions == ["create", "merge", "qualify"]
    assert rows(t.Lead) == 1

    # When a white paper is downloaded again by the now hot lead
    third = api.ok(
        api.intake(
            "content_download",
            {"email": "sophie.marchand@logistique-vallee.fr", "company": "LDV"},
            key=form_key("content_download"),
        ),
        201,
    )
    # Then it stays hot, its company unchanged
    assert third["outcome"] == "lead_updated"
    lead = api.ok(api.get(f"/leads/{first['lead_id']}"))
    assert (lead["temperature"], lead["company"]) == ("hot", "Logistique de la Vallée")
    assert (rows(t.Lead), rows(t.Signal)) == (1, 3)


def test_a_cold_lead_asking_for_an_expert_is_warmed_up_to_hot(api, form_key, fetch):
    lead = api.create_lead(email=PERSON["email"], temperature="cold", source="trade_show")
    result = api.ok(api.intake("contact_expert", PERSON, key=form_key("contact_expert")), 201)
    assert result == {"outcome": "lead_updated", "lead_id": lead["id"]}
    after = api.ok(api.get(f"/leads/{lead['id']}"))
    assert (after["temperature"], after["source"]) == ("hot", "trade_show")
    (warm_up,) = fetch(t.AuditLog, action="warm_up")
    assert (warm_up.entity_id, warm_up.changes, warm_up.reason, warm_up.actor_rule) == (
        lead["id"],
        {"temperature": ["cold", "hot"]},
        "form contact_expert",
        "intake",
    )


def test_a_closed_lead_gives_way_to_a_new_one(api, form_key, rows):
    key = form_key("content_download")
    first = api.ok(api.intake("content_download", PERSON, key=key), 201)
    api.ok(api.post(f"/leads/{first['lead_id']}/status", {"status": "disqualified",
                                                           "reason": "no_project"}))  # fmt: skip
    second = api.ok(api.intake("content_download", PERSON, key=key), 201)
    assert second["outcome"] == "lead_created"
    assert second["lead_id"] != first["lead_id"]
    assert rows(t.Lead) == 2


def test_an_opportunity_suggested_alert_is_raised_once_per_lead_form_and_day(api, form_key, fetch):
    pricing = form_key("pricing_request")
    demo = form_key("demo_request")
    results = [
        api.ok(api.intake("pricing_request", PERSON, key=pricing), 201),
        api.ok(api.intake("pricing_request", PERSON | {"message": "relance"}, key=pricing), 201),
        api.ok(api.intake("demo_request", PERSON, key=demo), 201),
    ]
    assert {r["lead_id"] for r in results} == {results[0]["lead_id"]}
    # (the demo request also takes the lead past the MQL threshold: a "mql_reached" alert)
    outbox = [o for o in fetch(t.Outbox) if o.kind == "opportunity_suggested"]
    assert [(o.kind, o.payload["form_type"]) for o in outbox] == [
        ("opportunity_suggested", "pricing_request"),
        ("opportunity_suggested", "demo_request"),
    ]
    assert len(fetch(t.Signal)) == 3


# --- a customer's contact (SPEC §6) -----------------------------------------------------------


@pytest.fixture
def customer(api, users):
    """A customer account owned by the account manager, with one contact."""
    account = api.create_account(
        name="Hôtels Duval", domain="hotels-duval.fr", owner_id=users["account_manager"].id
    )
    contact = api.create_contact(
        first_name="Claire",
        last_name="Duval",
        email="claire.duval@hotels-duval.fr",
        account_id=account["id"],
    )
    won = api.create_opportunity(name="CRM 50 utilisateurs", account_id=account["id"])
    api.move(won["id"], "won")
    return account, contact


def test_a_customer_contact_asking_for_a_demo_gets_an_upsell_suggestion_not_a_lead(
    api, form_key, customer, fetch, rows, users
):
    account, contact = customer
    key = form_key("demo_request")
    body = {
        "first_name": "Claire",
        "last_name": "Duval",
        "email": "CLAIRE.DUVAL@hotels-duval.fr",
        "users": 20,
        "message": "Une démo pour notre nouvelle filiale",
    }

    # When the customer's contact fills the demo form
    result = api.ok(api.intake("demo_request", body, key=key), 201)

    # Then no lead: one activity, one upsell suggestion and one alert for the account owner
    assert result == {
        "outcome": "existing_customer",
        "account_id": account["id"],
        "contact_id": contact["id"],
    }
    assert rows(t.Lead) == 0
    (activity,) = fetch(t.Activity)
    assert (activity.kind, activity.direction, activity.contact_id, activity.account_id) == (
        "signal",
        "in",
        contact["id"],
        account["id"],
    )
    assert activity.summary == "Formulaire demo_request : Une démo pour notre nouvelle filiale"
    (signal,) = fetch(t.Signal)
    assert (signal.contact_id, signal.account_id, signal.lead_id) == (
        contact["id"],
        account["id"],
        None,
    )
    (suggestion,) = fetch(t.UpsellSuggestion)
    assert (suggestion.account_id, suggestion.contact_id, suggestion.intent) == (
        account["id"],
        contact["id"],
        "demo_request",
    )
    assert (suggestion.status, suggestion.signal_id) == ("open", signal.id)
    (alert,) = fetch(t.Outbox)
    assert (alert.kind, alert.recipient_user_id) == (
        "upsell_suggested",
        users["account_manager"].id,
    )
    assert alert.payload == {
        "account_id": account["id"],
        "contact_id": contact["id"],
        "suggestion_id": suggestion.id,
        "intent": "demo_request",
        "signal_id": signal.id,
    }

    # When the contact asks again
    again = api.ok(api.intake("demo_request", body, key=key), 201)

    # Then the activity is logged, but the suggestion and its alert stay one
    assert again == result
    assert (rows(t.Activity), rows(t.UpsellSuggestion), rows(t.Outbox), rows(t.Lead)) == (
        2,
        1,
        1,
        0,
    )


def test_a_customer_support_request_is_an_activity_only(api, form_key, customer, rows):
    _, contact = customer
    body = {"email": contact["email"], "message": "Mot de passe oublié"}
    result = api.ok(api.intake("support_request", body, key=form_key("support_request")), 201)
    assert result["outcome"] == "existing_customer"
    assert (rows(t.Activity), rows(t.Signal), rows(t.UpsellSuggestion), rows(t.Outbox)) == (
        1,
        1,
        0,
        0,
    )
    assert rows(t.Lead) == 0


@pytest.mark.parametrize("form_type", ["contact_expert", "pricing_request", "rfp"])
def test_every_commercial_form_of_a_customer_is_an_upsell_suggestion(
    api, form_key, customer, fetch, form_type
):
    _, contact = customer
    body = {"email": contact["email"], "project": "Filiale", "budget": "20k"}
    result = api.ok(api.intake(form_type, body, key=form_key(form_type)), 201)
    assert result["outcome"] == "existing_customer"
    assert [s.intent for s in fetch(t.UpsellSuggestion)] == [form_type]
    assert [o.kind for o in fetch(t.Outbox)] == ["upsell_suggested"]
    assert len(fetch(t.Opportunity)) == 1  # the won one only


def test_a_new_person_at_a_customer_is_a_lead(api, form_key, customer, rows):
    body = {"email": "paul.duval@hotels-duval.fr", "last_name": "Duval"}
    result = api.ok(api.intake("demo_request", body, key=form_key("demo_request")), 201)
    assert result["outcome"] == "lead_created"
    assert (rows(t.Lead), rows(t.UpsellSuggestion)) == (1, 0)
