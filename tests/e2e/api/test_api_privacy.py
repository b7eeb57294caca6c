"""Privacy through the API (SPEC §11, §18): consents on leads, contacts and forms; a person's
export; their erasure, after which no table holds their e-mail or name while every report
says what it said; e-mail to a person refused when they asked not to be contacted."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import String, Text, cast, func, or_, select
from sqlalchemy.types import JSON

from bascule.storage import tables as t

EMAIL = "zephyrine.quatremarre@exemple-rgpd.fr"
FIRST, LAST = "Zephyrine", "Quatremarre"
PERSON = {"first_name": FIRST, "last_name": LAST, "email": EMAIL, "company": "Aciers Lumiere",
          "phone": "+33 6 12 34 56 78", "job_title": "Directrice achats"}  # fmt: skip
REPORTS = ("funnel", "pipeline", "loss-reasons", "stage-times", "sla", "requalifications")


def traces(database: Any, *needles: str) -> list[tuple[str, str]]:
    """(table, column) of every text or JSON column holding one of ``needles``, any case:
    every table of the schema, read through its metadata."""
    found = []
    with database.engine.connect() as conn:
        for table in t.Base.metadata.sorted_tables:
            for column in table.columns:
                if not isinstance(column.type, String | Text | JSON):
                    continue
                text = func.lower(cast(column, Text))
                hit = or_(*(text.contains(n.lower(), autoescape=True) for n in needles))
                if conn.execute(select(func.count()).select_from(table).where(hit)).scalar():
                    found.append((table.name, column.name))
    return found


def reports(api: Any) -> dict[str, Any]:
    """Every report over a period covering the test's data, without its clock."""
    period = "from=2020-01-01&to=2035-12-31"
    found = {}
    for name in REPORTS:
        body = api.ok(api.get(f"/reports/{name}?{period}", as_="admin"))
        body.pop("as_of", None)
        body.pop("generated_at", None)
        found[name] = body
    return found


def the_person_everywhere(api: Any, users: Any, form_key: Any) -> dict[str, Any]:
    """The person as a form, a seller and the events API leave them: a lead with consents,
    notes, signals, qualification, conversion (a contact, an opportunity), an alert."""
    key = form_key("demo_request")
    body = PERSON | {
        "message": f"Bonjour, ici {FIRST} {LAST}, rappelez-moi au 06 12 34 56 78",
        "consents": [{"purpose": "email_marketing", "granted": True}],
    }
    api.ok(api.intake("demo_request", body, key=key), 201)
    [lead] = api.ok(api.get(f"/leads?q={LAST}", as_="admin"))["items"]
    api.ok(api.patch(f"/leads/{lead['id']}", {"owner_id": users["sales"].id}, as_="admin"))
    events = [
        {"type": "page_view", "occurred_at": "2026-11-02T10:00:00+01:00", "email": EMAIL,
         "properties": {"url": "/tarifs", "visitor": f"{FIRST} {LAST}"}},
        {"type": "pricing_view", "occurred_at": "2026-11-03T10:00:00+01:00",
         "lead_id": lead["id"], "properties": {"plan": "pro", "email": EMAIL}},
    ]  # fmt: skip
    api.ok(api.post("/events", events))
    api.ok(
        api.post(f"/leads/{lead['id']}/activities", {
            "kind": "call", "direction": "out", "outcome": "reached",
            "summary": f"{FIRST} veut une démo pour 40 vendeurs",
        }),
        201,
    )  # fmt: skip
    api.make_ready(lead["id"], need={"text": f"{LAST} remplace ses tableurs", "confirmed": True})
    converted = api.convert(lead["id"], api.convert_body(name="Projet Lumiere", amount=48000))
    return {"lead_id": lead["id"], **converted}


def test_consents_are_written_read_and_follow_the_lead_to_its_contact(api, form_key):
    key = form_key("content_download")
    body = {"email": "ines@exemple.fr", "last_name": "Garnier", "company": "Garnier SA",
            "consents": [{"purpose": "email_marketing", "granted": True},
                         {"purpose": "events", "granted": False}]}  # fmt: skip
    lead_id = api.ok(api.intake("content_download", body, key=key), 201)["lead_id"]

    lead = api.ok(api.get(f"/leads/{lead_id}"))
    assert [(c["purpose"], c["granted"], c["source"]) for c in lead["consents"]] == [
        ("email_marketing", True, "form:content_download"),
        ("events", False, "form:content_download"),
    ]
    # Withdrawing one purpose keeps the other; a list shows the same answers.
    changed = api.ok(api.patch(f"/leads/{lead_id}", {"consents": [
        {"purpose": "email_marketing", "granted": False}]}))  # fmt: skip
    assert {c["purpose"]: (c["granted"], c["source"]) for c in changed["consents"]} == {
        "email_marketing": (False, "api"),
        "events": (False, "form:content_download"),
    }
    [listed] = api.ok(api.get("/leads?q=garnier"))["items"]
    assert listed["consents"] == changed["consents"]
    # Conversion: the contact holds the person's answers.
    api.make_ready(lead_id)
    contact_id = api.convert(lead_id, api.convert_body())["contact_id"]
    contact = api.ok(api.get(f"/contacts/{contact_id}"))
    assert {c["purpose"]: c["granted"] for c in contact["consents"]} == {
        "email_marketing": False, "events": False,
    }  # fmt: skip


def test_consents_on_contacts_and_their_errors(api):
    contact = api.create_contact(
        last_name="Roux", email="roux@exemple.fr", do_not_contact=True,
        consents=[{"purpose": "phone_marketing", "granted": True,
                   "at": "2026-01-15T09:00:00+01:00", "source": "salon"}],
    )  # fmt: skip
    assert contact["do_not_contact"] is True
    assert contact["consents"] == [
        {"purpose": "phone_marketing", "granted": True, "at": "2026-01-15T08:00:00Z",
         "source": "salon"}
    ]  # fmt: skip
    unknown = api.post(
        "/leads", {"last_name": "X", "consents": [{"purpose": "spam", "granted": True}]}
    )
    both = [{"purpose": "events", "granted": True}, {"purpose": "events", "granted": False}]
    twice = api.patch(f"/contacts/{contact['id']}", {"consents": both})
    future = api.post("/contacts", {"last_name": "Y", "consents": [
        {"purpose": "events", "granted": True, "at": "2099-01-01T00:00:00Z"}]})  # fmt: skip

    assert "consents.0.purpose" in api.error(unknown, 422, "validation_failed")["fields"]
    assert api.error(twice, 422)["fields"] == {"consents.1.purpose": "given twice"}
    assert api.error(future, 422)["fields"] == {"consents.0.at": "cannot be in the future"}


def test_export_holds_everything_about_the_person_and_is_admin_only(api, users, form_key):
    ids = the_person_everywhere(api, users, form_key)

    document = api.ok(api.get(f"/privacy/export?email={EMAIL.upper()}", as_="admin"))
    refused = api.get(f"/privacy/export?email={EMAIL}", as_="sales")
    nobody = api.ok(api.get("/privacy/export?email=personne@exemple.fr", as_="admin"))

    assert document["found"] is True
    assert [lead["id"] for lead in document["leads"]] == [ids["lead_id"]]
    assert [c["id"] for c in document["contacts"]] == [ids["contact_id"]]
    assert document["leads"][0]["first_name"] == FIRST
    assert {c["purpose"] for c in document["consents"]} == {"email_marketing"}
    assert any(FIRST in (a["summary"] or "") for a in document["activities"])
    assert sorted(s["type"] for s in document["signals"]) == [
        "form_submit", "page_view", "pricing_view"
    ]  # fmt: skip
    assert {a["entity"] for a in document["audit"]} == {"lead", "contact"}
    assert [h["to_status"] for h in document["history"]][-1] == "converted"
    api.error(refused, 403, "forbidden")
    assert nobody["found"] is False and nobody["leads"] == []
    # The export itself is in the audit log (who looked, not what they saw).
    again = api.ok(api.get(f"/privacy/export?email={EMAIL}", as_="admin"))
    assert any(a["action"] == "privacy_export" for a in again["audit"])


def test_erasure_leaves_no_trace_of_the_person_and_every_report_unchanged(
    api, users, form_key, database
):
    ids = the_person_everywhere(api, users, form_key)
    other = api.create_lead(email="quelquun@autre.fr", last_name="Autre")
    before = reports(api)
    assert traces(database, EMAIL, FIRST, LAST)  # the scan finds them before

    done = api.ok(
        api.post(
            "/privacy/erase", {"email": EMAIL, "reason": f"Demande RGPD de {EMAIL}"}, as_="admin"
        )
    )

    assert traces(database, EMAIL, FIRST, LAST, "zephyrine.quatremarre") == []
    assert reports(api) == before
    assert done["leads"] == 1 and done["contacts"] == 1
    assert done["signals"] >= 3 and done["consents"] == 2
    lead = api.ok(api.get(f"/leads/{ids['lead_id']}", as_="admin"))
    assert (lead["email"], lead["first_name"], lead["last_name"], lead["phone"]) == (
        None, None, None, None)  # fmt: skip
    assert lead["do_not_contact"] is True and lead["anonymised_at"] is not None
    assert lead["status"] == "converted" and lead["score"] > 0
    opportunity = api.ok(api.get(f"/opportunities/{ids['opportunity_id']}", as_="admin"))
    assert opportunity["amount"] == 48000
    # Someone else is untouched; erasing again finds nobody; the erasure is audited.
    assert api.ok(api.get(f"/leads/{other['id']}"))["email"] == "quelquun@autre.fr"
    again = api.ok(api.post("/privacy/erase", {"email": EMAIL, "reason": "again"}, as_="admin"))
    assert set(again.values()) == {0}
    with database.engine.connect() as conn:
        a = t.AuditLog
        erased = conn.execute(
            select(a.entity, a.actor_user_id, a.reason).where(a.action == "erase").order_by(a.id)
        ).all()
    assert [tuple(row) for row in erased] == [
        ("lead", users["admin"].id, "Demande RGPD de [erased]"),
        ("contact", users["admin"].id, "Demande RGPD de [erased]"),
    ]


@pytest.mark.parametrize("role", ["sales", "sales_ops_like_marketing"])
def test_erasure_is_for_admins_and_needs_a_reason(api, role):
    api.create_lead(email=EMAIL)
    as_ = "sales" if role == "sales" else "marketing"

    forbidden = api.post("/privacy/erase", {"email": EMAIL, "reason": "x"}, as_=as_)
    no_reason = api.post("/privacy/erase", {"email": EMAIL, "reason": "  "}, as_="admin")
    not_email = api.post("/privacy/erase", {"email": "pas-une-adresse", "reason": "x"}, as_="admin")

    api.error(forbidden, 403, "forbidden")
    assert api.error(no_reason, 422)["fields"] == {"reason": "required"}
    assert api.error(not_email, 422)["fields"] == {"email": "not an address"}
    assert api.ok(api.get(f"/leads?q={EMAIL}"))["total"] == 1


def test_an_email_to_a_person_who_asked_not_to_be_contacted_is_refused(api, rows):
    blocked = api.create_lead(email="non@exemple.fr", do_not_contact=True)
    reachable = api.create_contact(last_name="Oui", email="oui@exemple.fr")
    message = {"subject": "Votre démo", "body": "Bonjour"}

    refused = api.post(f"/leads/{blocked['id']}/messages", message)
    queued = api.ok(api.post(f"/contacts/{reachable['id']}/messages", message), 202)

    assert api.error(refused, 409, "do_not_contact")["fields"] == {"do_not_contact": "true"}
    assert queued["status"] == "queued"
    assert rows(t.Outbox) == 1
