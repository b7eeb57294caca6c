"""SPEC §12 scenario 2, through the public demo form: a sales manager requests a demo.

The form (users, indicative budget, desired timeline) makes a hot demo_request lead whose
budget range and timing are read from the answers, with an "opportunity suggested" alert.
After the scoping call confirms the need it is ready to convert, and becomes an opportunity
in stage qualification. (The one-business-day SLA clock starts at assignment: routing and
SLAs come with their own issue.)
"""

from __future__ import annotations

from bascule.storage import tables as t


def test_a_demo_form_gives_a_hot_lead_that_becomes_an_opportunity(api, form_key, users, rows):
    key = form_key("demo_request", "Demander une démo")

    # When a sales manager requests a demo: 25 users, 20-30 k€, within two months
    result = api.ok(
        api.intake(
            "demo_request",
            {
                "first_name": "Sophie",
                "last_name": "Marchand",
                "email": "sophie.marchand@logistique-vallee.fr",
                "company": "Logistique de la Vallée",
                "job_title": "Directrice commerciale",
                "employees": 180,
                "users": "25 commerciaux",
                "budget": "20 000 – 30 000 €",
                "timeline": "d'ici 2 mois",
                "message": "Nous voulons remplacer nos tableurs.",
            },
            key=key,
        ),
        201,
    )

    # Then a hot demo_request lead exists, its budget and timing known from the form
    assert result["outcome"] == "lead_created"
    lead_id = result["lead_id"]
    lead = api.ok(api.get(f"/leads/{lead_id}"))
    assert (lead["status"], lead["temperature"], lead["source"]) == ("new", "hot", "demo_request")
    assert lead["qualification"]["budget"] == {
        "status": "range",
        "min": "20000",
        "max": "30000",
        "amount": None,
    }
    assert lead["qualification"]["timing"]["horizon"] == "3_months"
    assert lead["ready_to_convert"] is False  # the need is confirmed by a call, not a form
    # And sales is told an opportunity may be waiting
    assert rows(t.Outbox) == 1

    # When the salesperson takes the lead and holds the scoping call
    api.ok(api.patch(f"/leads/{lead_id}", {"owner_id": users["sales"].id}))
    api.ok(
        api.post(
            f"/leads/{lead_id}/activities",
            {
                "kind": "meeting",
                "direction": "out",
                "outcome": "reached",
                "summary": "Cadrage : 25 utilisateurs, besoin confirmé, déploiement en juin",
            },
        ),
        201,
    )
    qualified = api.qualify(
        lead_id,
        {
            "need": {"text": "CRM pour 25 commerciaux, fin des tableurs", "confirmed": True},
            "authority": "decision_maker",
        },
    )

    # Then it is ready to convert, the form's budget and timing still there
    assert qualified["ready_to_convert"] is True
    assert qualified["qualification"]["budget"]["max"] == "30000"
    api.ok(api.post(f"/leads/{lead_id}/status", {"status": "sql"}))

    # When it is converted
    converted = api.convert(
        lead_id,
        api.convert_body(
            name="CRM 25 utilisateurs – Logistique de la Vallée",
            amount=25000,
            expected_close_date="2031-06-30",
        ),
    )

    # Then one opportunity in stage qualification comes from the demo request
    opp = api.ok(api.get(f"/opportunities/{converted['opportunity_id']}"))
    assert (opp["stage"], opp["probability"], opp["type"]) == ("qualification", 10, "new_business")
    assert (opp["lead_source"], opp["lead_id"], opp["owner_id"]) == (
        "demo_request",
        lead_id,
        users["sales"].id,
    )
    assert opp["qualification"]["need"]["confirmed"] is True
    history = api.ok(api.get(f"/leads/{lead_id}/history"))
    moves = [h["to_status"] for h in history if h["kind"] != "assignment"]
    assert moves == ["new", "contacted", "sql", "converted"]
    assert (rows(t.Lead), rows(t.Account), rows(t.Contact), rows(t.Opportunity)) == (1, 1, 1, 1)
