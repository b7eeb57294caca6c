"""SPEC §12 scenario 3: 150 trade-show business cards.

The cards become leads tagged with the show and a temperature (created here through
``POST /leads``; the CSV/vCard import has its own tests). One IT director said his contract ends
in 6 months with budget planned: after the qualification call he becomes an opportunity
"Projet de migration CRM – <company>" with amount and close date.
"""

from __future__ import annotations

from datetime import date, timedelta

from bascule.storage import tables as t

SHOW = "Salon CRM Expo Lyon 2030"
SHOW_TAG = "crm-expo-lyon-2030"
TEMPERATURES = ("hot", "warm", "cold")


def card(i: int) -> dict:
    return {
        "first_name": f"Prénom{i:03d}",
        "last_name": f"Visiteur{i:03d}",
        "email": f"visiteur{i:03d}@entreprise{i:03d}.fr",
        "company": f"Entreprise {i:03d}",
        "job_title": "Responsable commercial",
        "source": "trade_show",
        "campaign": SHOW,
        "tags": [SHOW_TAG],
        "temperature": TEMPERATURES[i % 3],
    }


def test_a_trade_show_it_director_becomes_a_crm_migration_opportunity(api, users, rows):
    # Given 150 business cards from the show, one of them the IT director of Transports Lemoine
    cards = [card(i) for i in range(149)]
    cards.append(
        {
            "first_name": "Marc",
            "last_name": "Lemoine",
            "email": "marc.lemoine@transports-lemoine.fr",
            "phone": "+33 4 72 00 11 22",
            "company": "Transports Lemoine",
            "job_title": "Directeur informatique",
            "employees": 420,
            "source": "trade_show",
            "campaign": SHOW,
            "tags": [SHOW_TAG, "DSI"],
            "temperature": "hot",
        }
    )
    created = [api.create_lead(**body) for body in cards]
    director = created[-1]

    # Then 150 leads exist, tagged with the show, each with its temperature
    assert rows(t.Lead) == 150
    show = api.ok(api.get(f"/leads?tag={SHOW_TAG}&page_size=200"))
    assert show["total"] == 150
    assert all(SHOW_TAG in lead["tags"] for lead in show["items"])
    assert all(lead["source"] == "trade_show" for lead in show["items"])
    by_temperature = {
        temperature: api.ok(api.get(f"/leads?tag={SHOW_TAG}&temperature={temperature}"))["total"]
        for temperature in TEMPERATURES
    }
    assert by_temperature == {"hot": 51, "warm": 50, "cold": 49}
    assert director["tags"] == ["crm-expo-lyon-2030", "dsi"]
    assert api.ok(api.get("/leads?q=lemoine"))["total"] == 1

    # When the SDR calls him: the contract ends in 6 months, the budget is planned
    api.ok(
        api.post(
            f"/leads/{director['id']}/activities",
            {
                "kind": "call",
                "direction": "out",
                "outcome": "reached",
                "summary": "Contrat CRM actuel jusqu'à fin septembre, budget 60 k€ prévu",
            },
        ),
        201,
    )
    contract_end = date.today() + timedelta(days=183)
    qualified = api.qualify(
        director["id"],
        {
            "framework": "bant",
            "budget": {"status": "confirmed", "amount": 60000},
            "authority": "decision_maker",
            "need": {"text": "Remplacer le CRM actuel à la fin du contrat", "confirmed": True},
            "timing": {"horizon": "6_months", "date": contract_end.isoformat()},
        },
    )
    assert qualified["ready_to_convert"] is True
    result = api.convert(
        director["id"],
        api.convert_body(
            name="Projet de migration CRM – Transports Lemoine",
            amount=60000,
            expected_close_date=contract_end.isoformat(),
        ),
    )

    # Then his opportunity carries the agreed name, amount and close date
    opp = api.ok(api.get(f"/opportunities/{result['opportunity_id']}"))
    assert opp["name"] == "Projet de migration CRM – Transports Lemoine"
    assert (opp["amount"], opp["currency"]) == (60000, "EUR")
    assert opp["expected_close_date"] == contract_end.isoformat()
    assert (opp["stage"], opp["type"]) == ("qualification", "new_business")
    assert (opp["lead_source"], opp["campaign"], opp["lead_id"]) == (
        "trade_show",
        SHOW,
        director["id"],
    )
    assert opp["qualification"]["budget"]["status"] == "confirmed"
    account = api.ok(api.get(f"/accounts/{result['account_id']}"))
    assert (account["name"], account["domain"]) == ("Transports Lemoine", "transports-lemoine.fr")
    contact = api.ok(api.get(f"/contacts/{result['contact_id']}"))
    assert (contact["last_name"], contact["job_title"]) == ("Lemoine", "Directeur informatique")

    # And the 149 other cards are still leads, only one opportunity exists
    assert api.ok(api.get(f"/leads?tag={SHOW_TAG}&status=new"))["total"] == 149
    assert api.ok(api.get(f"/leads?tag={SHOW_TAG}&status=converted"))["total"] == 1
    assert (rows(t.Opportunity), rows(t.Account), rows(t.Lead)) == (1, 1, 150)
