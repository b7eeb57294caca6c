"""Conversion lead -> opportunity through the HTTP API (SPEC §5, §3, §7).

One action, one transaction, idempotent: account, contact and opportunity are linked or
created, the lead is converted, and a refused conversion leaves nothing behind.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bascule.storage import tables as t

# Written around a seller's own records: the driver calls as the sales user.
AS = "sales"

WRITTEN_BY_CONVERSION = (t.Account, t.Contact, t.Opportunity, t.LeadConversion)


def counts(rows) -> tuple[int, ...]:
    return tuple(rows(model) for model in WRITTEN_BY_CONVERSION)


@pytest.fixture
def lead(api):
    """A ready-to-convert demo request from Aciers Durand."""
    created = api.create_lead(
        first_name="Camille",
        last_name="Martin",
        email="camille.martin@acier-durand.fr",
        phone="0612345678",
        company="Aciers Durand",
        job_title="DSI",
        employees=250,
        sector="Industrie",
        country="FR",
        source="demo_request",
        campaign="Salon Lyon 2030",
    )
    return api.make_ready(created["id"])


# --- the happy path ---------------------------------------------------------------------------


def test_conversion_creates_account_contact_and_opportunity(api, users, lead, rows):
    # When the ready lead is converted
    body = api.convert_body(
        name="Projet CRM – Aciers Durand",
        amount=48000,
        expected_close_date="2031-03-31",
        stage="discovery",
    )
    result = api.convert(lead["id"], body)
    # Then one account, one contact and one opportunity exist, linked together
    assert set(result) >= {"account_id", "contact_id", "opportunity_id"}
    assert result["replayed"] is False
    assert counts(rows) == (1, 1, 1, 1)

    account = api.ok(api.get(f"/accounts/{result['account_id']}"))
    assert (account["name"], account["domain"], account["is_customer"]) == (
        "Aciers Durand",
        "acier-durand.fr",
        False,
    )
    contact = api.ok(api.get(f"/contacts/{result['contact_id']}"))
    assert {k: contact[k] for k in ("first_name", "last_name", "email", "phone", "job_title")} == {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@acier-durand.fr",
        "phone": "+33612345678",
        "job_title": "DSI",
    }
    assert contact["account_id"] == account["id"]

    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    assert opp["name"] == "Projet CRM – Aciers Durand"
    assert opp["account_id"] == account["id"]
    assert opp["amount"] == 48000
    assert opp["currency"] == "EUR"
    assert opp["expected_close_date"] == "2031-03-31"
    assert (opp["stage"], opp["probability"], opp["weighted_amount"]) == ("discovery", 25, 12000)
    assert opp["type"] == "new_business"
    assert opp["lead_source"] == "demo_request"
    assert opp["campaign"] == "Salon Lyon 2030"
    assert opp["lead_id"] == lead["id"]
    assert opp["owner_id"] == users["sales"].id
    assert opp["contacts"] == [
        {"contact_id": contact["id"], "role": "decision_maker", "is_primary": True}
    ]
    # The BANT answers moved to the opportunity
    assert opp["qualification"] == lead["qualification"]

    # And the lead is converted, with links to the three records
    after = api.ok(api.get(f"/leads/{lead['id']}"))
    assert after["status"] == "converted"
    assert (after["account_id"], after["contact_id"], after["opportunity_id"]) == (
        account["id"],
        contact["id"],
        opp["id"],
    )
    converted_at = datetime.fromisoformat(after["converted_at"])
    assert abs(converted_at - datetime.now(UTC)) < timedelta(minutes=1)
    last = api.ok(api.get(f"/leads/{lead['id']}/history"))[-1]
    assert (last["from_status"], last["to_status"]) == ("new", "converted")


def test_conversion_defaults_to_stage_qualification_and_accepts_a_contact_role(api, lead):
    body = api.convert_body() | {"contact_role": "it"}
    result = api.convert(lead["id"], body)
    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    assert (opp["stage"], opp["probability"], opp["type"]) == ("qualification", 10, "new_business")
    assert opp["contacts"] == [
        {"contact_id": result["contact_id"], "role": "it", "is_primary": True}
    ]


def test_conversion_with_an_unknown_contact_role_is_refused(api, lead, rows):
    error = api.error(
        api.post(f"/leads/{lead['id']}/convert", api.convert_body() | {"contact_role": "boss"}),
        422,
    )
    assert list(error["fields"]) == ["contact_role"]
    assert counts(rows) == (0, 0, 0, 0)


def test_a_converted_lead_is_read_only(api, lead):
    api.convert(lead["id"], api.convert_body())
    api.error(api.patch(f"/leads/{lead['id']}", {"job_title": "CEO"}), 422)
    api.error(api.post(f"/leads/{lead['id']}/status", {"status": "nurturing"}), 409)
    api.error(api.patch(f"/leads/{lead['id']}/qualification", {"authority": "none"}), 422)
    assert api.ok(api.get(f"/leads/{lead['id']}"))["job_title"] == "DSI"


# --- idempotence ------------------------------------------------------------------------------


def test_retrying_the_same_conversion_returns_the_same_records(api, lead, rows):
    body = api.convert_body()
    first = api.convert(lead["id"], body)
    second = api.convert(lead["id"], body, status=200)
    assert second["replayed"] is True
    assert {k: second[k] for k in ("account_id", "contact_id", "opportunity_id")} == {
        k: first[k] for k in ("account_id", "contact_id", "opportunity_id")
    }
    assert counts(rows) == (1, 1, 1, 1)
    history = api.ok(api.get(f"/leads/{lead['id']}/history"))
    assert [h["to_status"] for h in history].count("converted") == 1


def test_a_different_conversion_after_the_first_is_refused(api, lead, rows):
    first = api.convert(lead["id"], api.convert_body())
    response = api.post(f"/leads/{lead['id']}/convert", api.convert_body(name="Autre projet"))
    error = api.error(response, 409, "already_converted")
    assert error["opportunity_id"] == first["opportunity_id"]
    assert counts(rows) == (1, 1, 1, 1)


# --- refusals that write nothing ----------------------------------------------------------------


def test_an_unqualified_lead_is_not_ready_to_convert(api, rows):
    created = api.create_lead()
    error = api.error(
        api.post(f"/leads/{created['id']}/convert", api.convert_body()),
        422,
        "not_ready_to_convert",
    )
    assert set(error["fields"]) == {
        "qualification.need",
        "qualification.budget",
        "qualification.timing",
    }
    assert counts(rows) == (0, 0, 0, 0)
    assert api.ok(api.get(f"/leads/{created['id']}"))["status"] == "new"


def test_a_lead_without_timing_names_only_the_timing(api, rows):
    created = api.create_lead()
    api.qualify(
        created["id"],
        {
            "budget": {"status": "confirmed", "amount": 20000},
            "need": {"text": "CRM", "confirmed": True},
        },
    )
    error = api.error(
        api.post(f"/leads/{created['id']}/convert", api.convert_body()),
        422,
        "not_ready_to_convert",
    )
    assert list(error["fields"]) == ["qualification.timing"]
    assert counts(rows) == (0, 0, 0, 0)


INCOMPLETE = [
    (None, {"opportunity.name", "opportunity.amount", "opportunity.expected_close_date"}),
    ({}, {"opportunity.name", "opportunity.amount", "opportunity.expected_close_date"}),
    ({"amount": 1000, "expected_close_date": "2031-01-31"}, {"opportunity.name"}),
    ({"name": "  ", "amount": 1000, "expected_close_date": "2031-01-31"}, {"opportunity.name"}),
    ({"name": "P", "expected_close_date": "2031-01-31"}, {"opportunity.amount"}),
    ({"name": "P", "amount": 1000}, {"opportunity.expected_close_date"}),
    (
        {"name": "P", "amount": 1000, "expected_close_date": "2031-01-31", "stage": "dreams"},
        {"opportunity.stage"},
    ),
    (
        {"name": "P", "amount": 1000, "expected_close_date": "2031-01-31", "type": "gift"},
        {"opportunity.type"},
    ),
]


def test_missing_opportunity_fields_give_one_error_each(api, lead, rows):
    for opportunity, fields in INCOMPLETE:
        body = {} if opportunity is None else {"opportunity": opportunity}
        error = api.error(api.post(f"/leads/{lead['id']}/convert", body), 422)
        assert set(error["fields"]) == fields, opportunity
    assert counts(rows) == (0, 0, 0, 0)
    assert api.ok(api.get(f"/leads/{lead['id']}"))["status"] == "new"


def test_an_impossible_amount_is_refused(api, lead, rows):
    for amount in (-1, 0, -0.01, "-5000", 10**12, 10**13, "1e400", "NaN", "abc", True, [1]):
        response = api.post(f"/leads/{lead['id']}/convert", api.convert_body(amount=amount))
        assert 400 <= response.status_code < 500, (amount, response.text)
        error = api.error(response, response.status_code)
        assert "opportunity.amount" in error["fields"], (amount, error)
    assert counts(rows) == (0, 0, 0, 0)


def test_a_closed_stage_cannot_be_the_start_of_a_conversion(api, lead, rows):
    for stage in ("won", "lost"):
        error = api.error(
            api.post(f"/leads/{lead['id']}/convert", api.convert_body(stage=stage)), 422
        )
        assert "opportunity.stage" in error["fields"]
    assert counts(rows) == (0, 0, 0, 0)


def test_a_disqualified_lead_cannot_be_converted(api, lead, rows):
    api.ok(api.post(f"/leads/{lead['id']}/status", {"status": "disqualified", "reason": "spam"}))
    api.error(api.post(f"/leads/{lead['id']}/convert", api.convert_body()), 409)
    assert counts(rows) == (0, 0, 0, 0)


def test_marketing_may_not_convert(api, lead, rows):
    response = api.post(f"/leads/{lead['id']}/convert", api.convert_body(), as_="marketing")
    api.error(response, 403, "forbidden")
    assert counts(rows) == (0, 0, 0, 0)


def test_converting_an_unknown_lead_is_404(api):
    api.error(api.post("/leads/424242/convert", api.convert_body()), 404, "not_found")


def test_converting_with_an_unknown_account_is_404(api, lead, rows):
    body = api.convert_body() | {"account_id": 424242}
    error = api.error(api.post(f"/leads/{lead['id']}/convert", body), 404, "not_found")
    assert "account_id" in error["fields"]
    assert counts(rows) == (0, 0, 0, 0)


# --- account and contact matching ---------------------------------------------------------------


def test_the_account_is_matched_by_email_domain(api, lead, rows):
    existing = api.create_account(name="ADX Holding", domain="www.Acier-Durand.fr")
    result = api.convert(lead["id"], api.convert_body())
    assert result["account_id"] == existing["id"]
    assert rows(t.Account) == 1
    contact = api.ok(api.get(f"/contacts/{result['contact_id']}"))
    assert contact["account_id"] == existing["id"]


def test_the_account_is_matched_by_normalised_company_name(api, rows):
    existing = api.create_account(name="Acme")
    for i, company in enumerate(["ACME S.A.S.", "acme", "Acme SAS", "ACMÉ", "Acme Inc."]):
        # Each from its own free-mail address: only the company name can match
        created = api.create_lead(email=f"acheteur{i}@gmail.com", company=company)
        api.make_ready(created["id"])
        result = api.convert(created["id"], api.convert_body(name=f"Projet {i}"))
        assert result["account_id"] == existing["id"], company
    assert rows(t.Account) == 1
    assert rows(t.Opportunity) == 5


def test_two_accounts_with_the_same_domain_are_ambiguous(api, lead, rows):
    first = api.create_account(name="Aciers Durand Nord", domain="acier-durand.fr")
    second = api.create_account(name="Aciers Durand Sud", domain="acier-durand.fr")
    response = api.post(f"/leads/{lead['id']}/convert", api.convert_body())
    error = api.error(response, 409, "ambiguous_account")
    assert "account_id" in error["fields"]
    assert sorted(choice["id"] for choice in error["choices"]) == [first["id"], second["id"]]
    assert {choice["name"] for choice in error["choices"]} == {
        "Aciers Durand Nord",
        "Aciers Durand Sud",
    }
    assert counts(rows) == (2, 0, 0, 0)
    assert api.ok(api.get(f"/leads/{lead['id']}"))["status"] == "new"
    # The user chooses one: the conversion goes through on that account
    chosen = api.convert(lead["id"], api.convert_body() | {"account_id": second["id"]})
    assert chosen["account_id"] == second["id"]
    assert counts(rows) == (2, 1, 1, 1)


def test_new_account_creates_another_account_even_when_one_matches(api, lead, rows):
    existing = api.create_account(name="Aciers Durand", domain="acier-durand.fr")
    result = api.convert(lead["id"], api.convert_body() | {"new_account": True})
    assert result["account_id"] != existing["id"]
    assert counts(rows) == (2, 1, 1, 1)
    account = api.ok(api.get(f"/accounts/{result['account_id']}"))
    assert (account["name"], account["domain"]) == ("Aciers Durand", "acier-durand.fr")


def test_a_free_mail_domain_is_never_used_to_match(api, rows):
    # Someone once created an account with the gmail.com domain
    gmail = api.create_account(name="Compte perso", domain="gmail.com")
    created = api.create_lead(email="paul.boulanger@gmail.com", company="Boulangerie Paul")
    api.make_ready(created["id"])
    result = api.convert(created["id"], api.convert_body())
    assert result["account_id"] != gmail["id"]
    account = api.ok(api.get(f"/accounts/{result['account_id']}"))
    assert (account["name"], account["domain"]) == ("Boulangerie Paul", None)
    assert rows(t.Account) == 2


def test_an_existing_contact_is_linked_by_email_whatever_the_case(api, lead, rows):
    account = api.create_account(name="Groupe Durand", domain="groupe-durand.fr")
    contact = api.create_contact(
        first_name="Camille",
        last_name="Martin",
        email="Camille.Martin@Acier-Durand.fr",
        account_id=account["id"],
    )
    result = api.convert(lead["id"], api.convert_body())
    assert result["contact_id"] == contact["id"]
    assert result["account_id"] == account["id"]
    assert (rows(t.Account), rows(t.Contact)) == (1, 1)


def test_a_lead_without_company_or_account_cannot_create_an_account(api, rows):
    created = api.create_lead(email="jo@gmail.com", company=None, last_name="Jo")
    api.make_ready(created["id"])
    error = api.error(api.post(f"/leads/{created['id']}/convert", api.convert_body()), 422)
    assert "company" in error["fields"]
    assert counts(rows) == (0, 0, 0, 0)


# --- attach to an existing opportunity ----------------------------------------------------------


def test_attach_to_an_existing_open_opportunity(api, lead, rows):
    account = api.create_account(name="Aciers Durand", domain="acier-durand.fr")
    opp = api.create_opportunity(name="Projet CRM", account_id=account["id"])
    result = api.convert(lead["id"], {"opportunity_id": opp["id"], "contact_role": "business"})
    assert (result["opportunity_id"], result["account_id"]) == (opp["id"], account["id"])
    assert rows(t.Opportunity) == 1
    after = api.ok(api.get(f"/opportunities/{opp['id']}"))
    assert {"contact_id": result["contact_id"], "role": "business", "is_primary": False} in after[
        "contacts"
    ]
    lead_after = api.ok(api.get(f"/leads/{lead['id']}"))
    assert (lead_after["status"], lead_after["opportunity_id"]) == ("converted", opp["id"])


def test_attach_to_a_closed_opportunity_is_refused(api, lead, rows):
    account = api.create_account(name="Aciers Durand", domain="acier-durand.fr")
    opp = api.create_opportunity(account_id=account["id"])
    api.move(opp["id"], "lost", loss_reason="timing")
    response = api.post(f"/leads/{lead['id']}/convert", {"opportunity_id": opp["id"]})
    api.error(response, 409, "opportunity_closed")
    assert counts(rows) == (1, 0, 1, 0)


def test_attach_and_create_at_once_is_refused(api, lead, rows):
    account = api.create_account(name="Aciers Durand", domain="acier-durand.fr")
    opp = api.create_opportunity(account_id=account["id"])
    body = api.convert_body() | {"opportunity_id": opp["id"]}
    error = api.error(api.post(f"/leads/{lead['id']}/convert", body), 422)
    assert "opportunity_id" in error["fields"]
    assert counts(rows) == (1, 0, 1, 0)


def test_attach_to_an_unknown_opportunity_is_404(api, lead, rows):
    response = api.post(f"/leads/{lead['id']}/convert", {"opportunity_id": 424242})
    api.error(response, 404, "not_found")
    assert counts(rows) == (0, 0, 0, 0)


# --- support / service leads --------------------------------------------------------------------


@pytest.fixture
def support_lead(api):
    created = api.create_lead(
        email="office@cabinet-roux.fr",
        last_name="Roux",
        company="Cabinet Roux",
        kind="support_service",
        source="inbound_call",
    )
    return api.make_ready(created["id"])


def test_a_support_lead_becomes_a_service_opportunity(api, support_lead):
    body = api.convert_body(name="Paramétrage CRM", amount=1800, type="service")
    result = api.convert(support_lead["id"], body)
    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    assert (opp["type"], opp["amount"], opp["lead_source"]) == ("service", 1800, "inbound_call")


def test_a_support_lead_without_a_type_gives_a_service_opportunity(api, support_lead):
    result = api.convert(support_lead["id"], api.convert_body(name="Paramétrage CRM"))
    assert api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))["type"] == "service"


def test_a_support_lead_never_becomes_a_product_opportunity(api, support_lead, rows):
    for product_type in ("new_business", "upsell", "cross_sell", "renewal", "extension"):
        body = api.convert_body(name="Licences", type=product_type)
        error = api.error(api.post(f"/leads/{support_lead['id']}/convert", body), 422)
        assert list(error["fields"]) == ["opportunity.type"], product_type
    assert counts(rows) == (0, 0, 0, 0)
    assert api.ok(api.get(f"/leads/{support_lead['id']}"))["status"] == "new"
