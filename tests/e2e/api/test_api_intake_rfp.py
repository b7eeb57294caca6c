"""The RFP form: an opportunity directly (SPEC §7), on the known account, with every named
contact and its role; the same project again adds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bascule.storage import tables as t


@pytest.fixture
def fetch(database):
    def rows(model: type[t.Base], **where: Any) -> list[Any]:
        with database.uow() as uow:
            query = select(model).order_by(*model.__table__.primary_key.columns)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            found = list(uow.session.scalars(query))
            uow.session.expunge_all()
            return found

    return rows


@pytest.fixture
def rfp_key(form_key):
    return form_key("rfp", "appels d'offres")


def rfp_body(**overrides: Any) -> dict[str, Any]:
    return {
        "first_name": "Agnès",
        "last_name": "Perrin",
        "email": "agnes.perrin@ghra.fr",
        "company": "Groupe Hospitalier Rhône-Alpes",
        "job_title": "Acheteuse",
        "project": "Refonte de la relation patients – CRM",
        "budget": "180 000 € HT",
        "expected_close_date": "2031-01-31",
        "message": "Cahier des charges : 300 utilisateurs, SSO, hébergement HDS",
        "contacts": [
            {"first_name": "Nadia", "last_name": "Benali", "email": "nadia.benali@ghra.fr",
             "role": "it"},
            {"first_name": "Luc", "last_name": "Fournier", "email": "luc.fournier@ghra.fr",
             "role": "business"},
            {"first_name": "Agnès", "last_name": "Perrin", "email": "agnes.perrin@ghra.fr",
             "role": "purchasing"},
        ],
    } | overrides  # fmt: skip


def test_an_rfp_is_one_opportunity_on_the_known_account_with_its_three_contacts(
    api, rfp_key, users, fetch, rows
):
    # Given a large account already known, owned by a salesperson
    account = api.create_account(
        name="Groupe Hospitalier Rhône-Alpes", domain="ghra.fr", owner_id=users["sales"].id
    )

    # When its RFP arrives through the public form
    result = api.ok(api.intake("rfp", rfp_body(), key=rfp_key), 201)

    # Then one opportunity exists on that account, straight away, with no lead
    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    contacts = {c.email: c for c in fetch(t.Contact)}
    assert result == {
        "outcome": "opportunity_created",
        "opportunity_id": opp["id"],
        "account_id": account["id"],
        "contact_id": contacts["agnes.perrin@ghra.fr"].id,
    }
    assert (opp["name"], opp["amount"], opp["expected_close_date"]) == (
        "Refonte de la relation patients – CRM",
        180000,
        "2031-01-31",
    )
    assert (opp["stage"], opp["probability"], opp["type"], opp["lead_source"]) == (
        "qualification",
        10,
        "new_business",
        "rfp",
    )
    assert (opp["account_id"], opp["owner_id"], opp["lead_id"]) == (
        account["id"],
        users["sales"].id,
        None,
    )
    assert opp["description"] == "Cahier des charges : 300 utilisateurs, SSO, hébergement HDS"
    # And every person named is a contact of the account, attached with their role;
    # the sender is the primary contact
    assert sorted((c["role"], c["is_primary"]) for c in opp["contacts"]) == [
        ("business", False),
        ("it", False),
        ("purchasing", True),
    ]
    assert {c["contact_id"]: c["role"] for c in opp["contacts"]} == {
        contacts["nadia.benali@ghra.fr"].id: "it",
        contacts["luc.fournier@ghra.fr"].id: "business",
        contacts["agnes.perrin@ghra.fr"].id: "purchasing",
    }
    assert {c.account_id for c in contacts.values()} == {account["id"]}
    assert (rows(t.Lead), rows(t.Account), rows(t.Contact), rows(t.OpportunityContact)) == (
        0,
        1,
        3,
        3,
    )
    (signal,) = fetch(t.Signal)
    assert (signal.origin, signal.contact_id, signal.account_id) == (
        "form",
        contacts["agnes.perrin@ghra.fr"].id,
        account["id"],
    )
    assert signal.properties["opportunity_id"] == opp["id"]
    assert len(signal.properties["contacts"]) == 3


def test_the_same_project_again_adds_nothing_and_answers_the_same_opportunity(
    api, rfp_key, fetch, rows
):
    first = api.ok(api.intake("rfp", rfp_body(), key=rfp_key), 201)
    counts = [rows(m) for m in (t.Opportunity, t.Account, t.Contact, t.OpportunityContact)]

    # When the RFP is sent again: another spelling, another budget, one more contact
    again = rfp_body(
        project="REFONTE de la relation patients - crm",
        budget=175000,
        contacts=[*rfp_body()["contacts"], {"last_name": "Roux", "email": "roux@ghra.fr"}],
    )
    response = api.intake("rfp", again, key=rfp_key)

    # Then the answer names the same opportunity, flagged as a duplicate, and nothing changed
    assert api.ok(response, 201) == first
    assert response.headers["X-Bascule-Duplicate"] == "true"
    assert [rows(m) for m in (t.Opportunity, t.Account, t.Contact, t.OpportunityContact)] == (
        counts
    )
    assert counts == [1, 1, 3, 3]
    assert api.ok(api.get(f"/opportunities/{first['opportunity_id']}"))["amount"] == 180000
    # And the second submission is still kept, as a signal
    signals = fetch(t.Signal)
    assert [s.properties.get("duplicate") for s in signals] == [None, True]


def test_a_new_company_gets_its_account_from_the_sender(api, rfp_key, fetch, rows):
    result = api.ok(api.intake("rfp", rfp_body(contacts=[]), key=rfp_key), 201)
    account = api.ok(api.get(f"/accounts/{result['account_id']}"))
    assert (account["name"], account["domain"], account["owner_id"]) == (
        "Groupe Hospitalier Rhône-Alpes",
        "ghra.fr",
        None,
    )
    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    assert opp["contacts"] == [
        {"contact_id": result["contact_id"], "role": "decision_maker", "is_primary": True}
    ]
    assert (rows(t.Account), rows(t.Contact), rows(t.Opportunity)) == (1, 1, 1)


def test_the_sender_earlier_lead_is_linked_and_converted(api, rfp_key, form_key, fetch):
    # Given the sender downloaded a white paper before: an open lead
    lead = api.ok(
        api.intake(
            "content_download",
            {"email": "agnes.perrin@ghra.fr", "last_name": "Perrin", "campaign": "Livre blanc"},
            key=form_key("content_download"),
        ),
        201,
    )

    # When the RFP arrives
    result = api.ok(api.intake("rfp", rfp_body(), key=rfp_key), 201)

    # Then the opportunity comes from that lead, which is converted with links to all three
    assert result["lead_id"] == lead["lead_id"]
    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    assert (opp["lead_id"], opp["lead_source"], opp["campaign"]) == (
        lead["lead_id"],
        "rfp",
        "Livre blanc",
    )
    converted = api.ok(api.get(f"/leads/{lead['lead_id']}"))
    assert (converted["status"], converted["opportunity_id"]) == ("converted", opp["id"])
    assert (converted["account_id"], converted["contact_id"]) == (
        result["account_id"],
        result["contact_id"],
    )
    history = api.ok(api.get(f"/leads/{lead['lead_id']}/history"))
    assert [(h["to_status"], h["kind"], h["actor_rule"]) for h in history] == [
        ("new", "creation", "intake"),
        ("converted", "conversion", "intake"),
    ]
    (conversion,) = fetch(t.LeadConversion)
    assert conversion.opportunity_id == opp["id"]
    # And a later conversion request is refused: one lead, one opportunity
    refused = api.post(f"/leads/{lead['lead_id']}/convert", api.convert_body())
    api.error(refused, 409, "already_converted")


def test_several_matching_accounts_take_the_oldest_and_say_so(api, rfp_key, rows):
    older = api.create_account(name="GHRA")
    newer = api.create_account(name="G.H.R.A.")
    body = rfp_body(email="agnes@gmail.com", company="GHRA", contacts=[])

    first = api.ok(api.intake("rfp", body, key=rfp_key), 201)
    again = api.ok(api.intake("rfp", body, key=rfp_key), 201)

    assert first["account_id"] == older["id"] == again["account_id"]
    assert again["opportunity_id"] == first["opportunity_id"]
    opp = api.ok(api.get(f"/opportunities/{first['opportunity_id']}"))
    assert opp["description"].endswith(
        "Compte à vérifier : plusieurs comptes correspondent à l'appel d'offres "
        f"(#{older['id']} GHRA, #{newer['id']} G.H.R.A.)."
    )
    assert (rows(t.Account), rows(t.Opportunity)) == (2, 1)


def test_known_contacts_are_reused_and_a_loose_one_joins_the_account(api, rfp_key, fetch):
    account = api.create_account(name="GHRA", domain="ghra.fr")
    elsewhere = api.create_account(name="Clinique du Parc", domain="clinique-parc.fr")
    loose = api.create_contact(last_name="Benali", email="nadia.benali@ghra.fr")
    consultant = api.create_contact(
        last_name="Fournier", email="luc.fournier@ghra.fr", account_id=elsewhere["id"]
    )

    result = api.ok(api.intake("rfp", rfp_body(), key=rfp_key), 201)

    assert result["account_id"] == account["id"]
    by_email = {c.email: c for c in fetch(t.Contact)}
    assert len(by_email) == 3
    assert by_email["nadia.benali@ghra.fr"].id == loose["id"]
    assert by_email["nadia.benali@ghra.fr"].account_id == account["id"]
    assert by_email["luc.fournier@ghra.fr"].account_id == elsewhere["id"]  # not moved
    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    assert {c["contact_id"] for c in opp["contacts"]} == {
        loose["id"],
        consultant["id"],
        result["contact_id"],
    }


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"budget": None}, {"budget"}),
        ({"budget": "à définir"}, {"budget"}),
        ({"budget": 0}, {"budget"}),
        ({"project": "  "}, {"project"}),
        ({"expected_close_date": "31/01/2031"}, {"expected_close_date"}),
        ({"expected_close_date": None, "project": None}, {"expected_close_date", "project"}),
        ({"contacts": [{"last_name": "X", "email": "x@ghra.fr", "role": "boss"}]},
         {"contacts.0.role"}),
        ({"contacts": [{"email": "pas-un-email"}]}, {"contacts.0.email"}),
        ({"email": None, "company": None, "contacts": []}, {"company"}),
    ],
)  # fmt: skip
def test_an_incomplete_rfp_is_refused_field_by_field_and_writes_nothing(
    api, rfp_key, rows, overrides, fields
):
    response = api.intake("rfp", rfp_body(**overrides), key=rfp_key)
    error = api.error(response, 422)
    assert set(error["fields"]) == fields
    counts = (rows(t.Opportunity), rows(t.Account), rows(t.Contact), rows(t.Signal))
    assert counts == (0, 0, 0, 0)
