"""SPEC §12 scenario 7: an existing customer grows.

A customer (50 users) mentions a new subsidiary and a support team during a quarterly review:
no lead; a new upsell/extension opportunity on the existing account. A lead for a contact of a
customer account is refused (SPEC §6).
"""

from __future__ import annotations

from bascule.storage import tables as t


def test_a_customer_review_gives_an_extension_opportunity_and_no_lead(api, users, rows):
    # Given a customer account: its first opportunity (50 users) was won
    account = api.create_account(
        name="Hôtels Duval", domain="hotels-duval.fr", owner_id=users["account_manager"].id
    )
    contact = api.create_contact(
        first_name="Claire",
        last_name="Duval",
        email="claire.duval@hotels-duval.fr",
        job_title="Directrice générale",
        account_id=account["id"],
    )
    first = api.create_opportunity(
        name="CRM 50 utilisateurs",
        account_id=account["id"],
        amount=45000,
        expected_close_date="2029-12-15",
        lead_source="referral",
    )
    won = api.move(first["id"], "won")
    assert won["is_won"] is True
    customer = api.ok(api.get(f"/accounts/{account['id']}"))
    assert customer["is_customer"] is True

    # When the account manager records the new subsidiary and support team from the review
    extension = api.ok(
        api.post(
            "/opportunities",
            {
                "name": "Extension – filiale Duval Résidences et équipe support",
                "account_id": account["id"],
                "amount": 18000,
                "expected_close_date": "2030-09-30",
                "type": "extension",
                "lead_source": "other",
                "description": "Revue trimestrielle : nouvelle filiale, 20 utilisateurs support",
                "contacts": [{"contact_id": contact["id"], "role": "decision_maker"}],
            },
            as_="account_manager",
        ),
        201,
    )

    # Then the opportunity is on the existing account, of type extension, with no lead
    opp = api.ok(api.get(f"/opportunities/{extension['id']}"))
    assert (opp["account_id"], opp["type"], opp["lead_id"]) == (account["id"], "extension", None)
    assert (opp["stage"], opp["amount"]) == ("qualification", 18000)
    assert opp["owner_id"] == users["account_manager"].id
    assert opp["contacts"] == [
        {"contact_id": contact["id"], "role": "decision_maker", "is_primary": True}
    ]
    on_account = api.ok(api.get(f"/opportunities?account_id={account['id']}"))
    assert on_account["total"] == 2
    assert api.ok(api.get(f"/opportunities?account_id={account['id']}&is_closed=false"))[
        "items"
    ] == [opp]
    assert rows(t.Lead) == 0

    # When marketing tries to create a lead for the customer's contact (e-mail in another case)
    response = api.post(
        "/leads",
        {
            "first_name": "Claire",
            "last_name": "Duval",
            "email": "Claire.Duval@Hotels-Duval.fr",
            "company": "Hôtels Duval",
            "source": "content_download",
        },
        as_="marketing",
    )

    # Then it is refused as an existing customer, and no lead is created
    error = api.error(response, 409, "existing_customer")
    assert error["account_id"] == account["id"]
    assert error["contact_id"] == contact["id"]
    assert rows(t.Lead) == 0
    assert api.ok(api.get("/leads"))["total"] == 0
    # And the customer's account still has its two opportunities and its customer flag
    assert api.ok(api.get(f"/accounts/{account['id']}"))["is_customer"] is True
    assert rows(t.Opportunity) == 2


def test_upsell_and_extension_types_are_accepted_on_a_customer_account(api):
    account = api.create_account(name="Hôtels Duval", domain="hotels-duval.fr")
    first = api.create_opportunity(name="CRM 50 utilisateurs", account_id=account["id"])
    api.move(first["id"], "won")
    for opp_type in ("upsell", "cross_sell", "extension", "renewal"):
        opp = api.create_opportunity(
            name=f"Projet {opp_type}", account_id=account["id"], type=opp_type
        )
        assert (opp["type"], opp["account_id"]) == (opp_type, account["id"])
    assert api.ok(api.get(f"/opportunities?account_id={account['id']}"))["total"] == 5
