"""SPEC §12 scenario 7 and §6, through the public demo form: a customer's contact asks for a
demo for a new subsidiary.

No lead: an activity on the contact and account, an upsell suggestion on the account and an
alert for its account manager, in one transaction; the account manager then opens an
extension opportunity on the existing account.
"""

from __future__ import annotations

from sqlalchemy import select

from bascule.storage import tables as t


def test_a_customer_demo_request_is_an_upsell_suggestion_not_a_lead(
    api, form_key, users, database, rows
):
    # Given a customer (50 users) managed by an account manager, and its general manager
    manager = users["account_manager"]
    account = api.create_account(name="Hôtels Duval", domain="hotels-duval.fr", owner_id=manager.id)
    contact = api.create_contact(
        first_name="Claire",
        last_name="Duval",
        email="claire.duval@hotels-duval.fr",
        job_title="Directrice générale",
        account_id=account["id"],
    )
    won = api.create_opportunity(name="CRM 50 utilisateurs", account_id=account["id"], amount=45000)
    api.move(won["id"], "won")
    key = form_key("demo_request", "Demander une démo")

    # When she fills the demo form for a new subsidiary and a support team
    result = api.ok(
        api.intake(
            "demo_request",
            {
                "first_name": "Claire",
                "last_name": "Duval",
                "email": "claire.duval@hotels-duval.fr",
                "company": "Hôtels Duval",
                "users": 20,
                "message": "Démo pour la filiale Duval Résidences et notre équipe support",
            },
            key=key,
        ),
        201,
    )

    # Then no lead: the customer is recognised
    assert result == {
        "outcome": "existing_customer",
        "account_id": account["id"],
        "contact_id": contact["id"],
    }
    assert rows(t.Lead) == 0
    assert api.ok(api.get("/leads"))["total"] == 0
    # And the account has the activity, the upsell suggestion and its manager's alert
    with database.uow() as uow:
        (activity,) = uow.session.scalars(select(t.Activity))
        (suggestion,) = uow.session.scalars(select(t.UpsellSuggestion))
        (alert,) = uow.session.scalars(select(t.Outbox))
        assert (activity.kind, activity.account_id, activity.contact_id) == (
            "signal",
            account["id"],
            contact["id"],
        )
        assert (suggestion.account_id, suggestion.intent, suggestion.status) == (
            account["id"],
            "demo_request",
            "open",
        )
        assert suggestion.summary == (
            "Formulaire demo_request : Démo pour la filiale Duval Résidences et notre équipe "
            "support"
        )
        assert (alert.kind, alert.recipient_user_id, alert.payload["suggestion_id"]) == (
            "upsell_suggested",
            manager.id,
            suggestion.id,
        )

    # When the account manager turns it into an extension opportunity on the account
    extension = api.ok(
        api.post(
            "/opportunities",
            {
                "name": "Extension – filiale Duval Résidences et équipe support",
                "account_id": account["id"],
                "amount": 18000,
                "expected_close_date": "2031-09-30",
                "type": "extension",
                "lead_source": "demo_request",
                "contacts": [{"contact_id": contact["id"], "role": "decision_maker"}],
            },
            as_="account_manager",
        ),
        201,
    )

    # Then the customer has a new open extension opportunity, and still no lead
    assert (extension["account_id"], extension["type"], extension["owner_id"]) == (
        account["id"],
        "extension",
        manager.id,
    )
    open_ones = api.ok(api.get(f"/opportunities?account_id={account['id']}&is_closed=false"))
    assert [o["id"] for o in open_ones["items"]] == [extension["id"]]
    assert (rows(t.Lead), rows(t.Opportunity)) == (0, 2)
