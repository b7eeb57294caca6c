"""SPEC §12 scenario 6: a start-up on the free plan hits its seat limit and asks for pricing.

The freemium signup form makes a freemium_signup lead and claims the workspace; product usage
sent to ``POST /api/v1/events`` naming only that workspace lands on the lead; the pricing
request is a strong signal: an "opportunity suggested" alert (the upgrade suggestion). When
the buyer confirms 10 users within 2 months, the lead becomes the upsell opportunity
"Upgrade vers plan Pro – 10 licences".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bascule.storage import tables as t

EMAIL = "lea.moreau@pixelfarm.io"
WORKSPACE = "pixelfarm"


def usage(kind: str, minutes_ago: int, **properties: object) -> dict[str, object]:
    occurred = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "type": kind,
        "occurred_at": occurred.isoformat(),
        "properties": {"workspace": WORKSPACE, **properties},
    }


def test_a_freemium_startup_at_its_seat_limit_becomes_an_upsell_opportunity(
    api, form_key, users, database, rows
):
    # When a start-up signs up for the free plan (3 users)
    signup = api.ok(
        api.intake(
            "freemium_signup",
            {
                "first_name": "Léa",
                "last_name": "Moreau",
                "email": EMAIL,
                "company": "PixelFarm",
                "employees": 8,
                "workspace": WORKSPACE,
                "plan": "free",
                "seats": 3,
            },
            key=form_key("freemium_signup", "app signup"),
        ),
        201,
    )
    lead_id = signup["lead_id"]
    lead = api.ok(api.get(f"/leads/{lead_id}"))
    assert (lead["source"], lead["status"], lead["temperature"]) == (
        "freemium_signup",
        "new",
        None,
    )

    # And the product reports its usage, by workspace only, up to the seat limit
    events = [
        usage("product_login", 50),
        usage("seats_used", 40, seats=2, limit=3),
        usage("feature_used", 30, feature="pipeline"),
        usage("seats_used", 20, seats=3, limit=3),
        usage("seat_limit_reached", 10, seats=3, limit=3),
    ]
    sent = api.ok(api.post("/events", events, as_="marketing"))
    assert sent == {"accepted": 5, "pending": 0, "rejected": []}

    # And the founder asks for pricing
    pricing = api.ok(
        api.intake(
            "pricing_request",
            {"email": EMAIL, "message": "Combien pour 10 utilisateurs en plan Pro ?"},
            key=form_key("pricing_request"),
        ),
        201,
    )

    # Then everything is on the one lead: the signup, the usage, the pricing request
    assert pricing == {"outcome": "lead_updated", "lead_id": lead_id}
    with database.uow() as uow:
        signals = list(uow.session.scalars(select(t.Signal).order_by(t.Signal.id)))
        assert [(s.type, s.origin, s.lead_id) for s in signals] == [
            ("form_submit", "form", lead_id),
            ("product_login", "event", lead_id),
            ("seats_used", "event", lead_id),
            ("feature_used", "event", lead_id),
            ("seats_used", "event", lead_id),
            ("seat_limit_reached", "event", lead_id),
            ("form_submit", "form", lead_id),
        ]
        assert signals[0].workspace == WORKSPACE
        # And sales is told twice: an upgrade opportunity is suggested for this lead when the
        # trial reaches its seat limit, and when its founder asks for pricing (SPEC §8)
        seat_limit, pricing_request = uow.session.scalars(
            select(t.Outbox).where(t.Outbox.kind == "opportunity_suggested").order_by(t.Outbox.id)
        )
        assert (seat_limit.payload, seat_limit.status) == (
            {"lead_id": lead_id, "signal_type": "seat_limit_reached"},
            "pending",
        )
        assert (pricing_request.payload["lead_id"], pricing_request.payload["form_type"]) == (
            lead_id,
            "pricing_request",
        )
        assert pricing_request.status == "pending"
    assert rows(t.Lead) == 1

    # When the salesperson calls and the buyer confirms 10 users within 2 months
    api.ok(api.patch(f"/leads/{lead_id}", {"owner_id": users["sales"].id}))
    api.ok(
        api.post(
            f"/leads/{lead_id}/activities",
            {"kind": "call", "direction": "out", "outcome": "reached",
             "summary": "Passage au plan Pro : 10 licences, dans les 2 mois"},
        ),
        201,
    )  # fmt: skip
    api.make_ready(
        lead_id,
        need={"text": "Plan Pro pour 10 utilisateurs (limite de 3 atteinte)", "confirmed": True},
        budget={"status": "confirmed", "amount": 4800},
        timing={"horizon": "3_months"},
    )
    converted = api.convert(
        lead_id,
        api.convert_body(
            name="Upgrade vers plan Pro – 10 licences",
            amount=4800,
            expected_close_date=(datetime.now(UTC) + timedelta(days=60)).date().isoformat(),
            type="upsell",
        ),
    )

    # Then the upsell opportunity exists, from the freemium lead, on the start-up's account
    opp = api.ok(api.get(f"/opportunities/{converted['opportunity_id']}"))
    assert opp["name"] == "Upgrade vers plan Pro – 10 licences"
    assert (opp["type"], opp["amount"], opp["stage"]) == ("upsell", 4800, "qualification")
    assert (opp["lead_id"], opp["lead_source"], opp["owner_id"]) == (
        lead_id,
        "freemium_signup",
        users["sales"].id,
    )
    account = api.ok(api.get(f"/accounts/{converted['account_id']}"))
    assert (account["name"], account["domain"]) == ("PixelFarm", "pixelfarm.io")
    assert api.ok(api.get(f"/leads/{lead_id}"))["status"] == "converted"
    assert (rows(t.Lead), rows(t.Opportunity), rows(t.Account), rows(t.Contact)) == (1, 1, 1, 1)
