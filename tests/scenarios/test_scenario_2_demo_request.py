"""SPEC §12 scenario 2: a sales manager requests a demo.

A hot demo_request lead (users, indicative budget, desired timeline). After the scoping call,
where the need and the timing are confirmed, it is ready to convert and becomes an
opportunity in stage qualification or discovery. (The lead is created through
``POST /leads``; the public intake form is tested with the intake endpoint.)
"""

from __future__ import annotations

from datetime import datetime

from bascule.storage import tables as t

# Written around a seller's own records: the driver calls as the sales user.
AS = "sales"


def test_a_demo_request_becomes_an_opportunity_after_the_scoping_call(api, users, rows):
    # Given a sales manager's demo request: 25 users, 20-30 k€, "before the summer"
    lead = api.create_lead(
        first_name="Sophie",
        last_name="Marchand",
        email="sophie.marchand@logistique-vallee.fr",
        company="Logistique de la Vallée",
        job_title="Directrice commerciale",
        employees=180,
        source="demo_request",
        campaign="Demande de démo – site web",
        temperature="hot",
        tags=["demo"],
    )
    lead_id = lead["id"]
    assert (lead["status"], lead["temperature"], lead["source"]) == (
        "new",
        "hot",
        "demo_request",
    )
    # The form's answers are known, but nothing is confirmed yet
    form = api.qualify(
        lead_id,
        {
            "framework": "bant",
            "budget": {"status": "range", "min": 20000, "max": 30000},
            "need": {"text": "CRM pour 25 commerciaux", "confirmed": False},
            "timing": {"horizon": "unknown"},
        },
    )
    assert form["ready_to_convert"] is False
    # So the lead cannot be converted yet
    too_early = api.post(f"/leads/{lead_id}/convert", api.convert_body())
    error = api.error(too_early, 422, "not_ready_to_convert")
    assert set(error["fields"]) == {"qualification.need", "qualification.timing"}
    assert rows(t.Opportunity) == 0

    # When the SDR holds the scoping call
    call = api.ok(
        api.post(
            f"/leads/{lead_id}/activities",
            {
                "kind": "meeting",
                "direction": "out",
                "outcome": "reached",
                "summary": "Cadrage : 25 utilisateurs, besoin confirmé, déploiement en juin",
                "occurred_at": "2030-03-18T10:00:00+01:00",
            },
        ),
        201,
    )
    assert call["lead_id"] == lead_id
    contacted = api.ok(api.get(f"/leads/{lead_id}"))
    assert contacted["status"] == "contacted"
    assert datetime.fromisoformat(contacted["first_response_at"]) == datetime.fromisoformat(
        "2030-03-18T10:00:00+01:00"
    )
    # and records the confirmed need and timing
    qualified = api.qualify(
        lead_id,
        {
            "need": {"text": "CRM pour 25 commerciaux, fin des tableurs", "confirmed": True},
            "timing": {"horizon": "3_months", "date": "2030-06-30"},
            "authority": "decision_maker",
        },
    )
    # Then the lead is ready to convert, the budget range from the form still there
    assert qualified["ready_to_convert"] is True
    assert qualified["qualification"]["budget"]["status"] == "range"
    api.ok(api.post(f"/leads/{lead_id}/status", {"status": "sql"}))

    # When the salesperson converts it
    result = api.convert(
        lead_id,
        api.convert_body(
            name="CRM 25 utilisateurs – Logistique de la Vallée",
            amount=25000,
            expected_close_date="2030-06-30",
        ),
    )
    # Then an opportunity exists in stage qualification (or discovery), from the demo request
    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    assert opp["stage"] in ("qualification", "discovery")
    assert (opp["stage"], opp["probability"]) == ("qualification", 10)
    assert opp["name"] == "CRM 25 utilisateurs – Logistique de la Vallée"
    assert (opp["amount"], opp["expected_close_date"]) == (25000, "2030-06-30")
    assert (opp["type"], opp["lead_source"]) == ("new_business", "demo_request")
    assert (opp["campaign"], opp["lead_id"]) == ("Demande de démo – site web", lead_id)
    assert opp["qualification"]["need"]["confirmed"] is True
    assert opp["qualification"]["timing"] == {"horizon": "3_months", "date": "2030-06-30"}
    assert opp["owner_id"] == users["sales"].id
    account = api.ok(api.get(f"/accounts/{result['account_id']}"))
    assert (account["name"], account["domain"]) == (
        "Logistique de la Vallée",
        "logistique-vallee.fr",
    )
    # And the lead is converted, with its whole path in the history
    converted = api.ok(api.get(f"/leads/{lead_id}"))
    assert converted["status"] == "converted"
    assert converted["opportunity_id"] == opp["id"]
    history = api.ok(api.get(f"/leads/{lead_id}/history"))
    moves = [h["to_status"] for h in history if h["kind"] != "assignment"]
    assert moves == ["new", "contacted", "sql", "converted"]
    assert (rows(t.Lead), rows(t.Account), rows(t.Contact), rows(t.Opportunity)) == (1, 1, 1, 1)
