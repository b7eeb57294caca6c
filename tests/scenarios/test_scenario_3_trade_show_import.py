"""SPEC §12 scenario 3, through the import: 150 trade-show business cards.

The cards arrive as the file a badge scanner exports (French headers, `;`, Windows-1252), are
imported through ``POST /api/v1/imports`` tagged with the show, each with the temperature the
seller noted on the stand. One IT director said his contract ends in 6 months with budget
planned: after the qualification call he becomes the opportunity "Projet de migration CRM –
Transports Lemoine", with amount and close date.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from bascule.storage import tables as t

SHOW = "Salon Solutions Digitales 2026"
TEMPERATURES = ("chaud", "tiède", "froid")
TITLES = ("Responsable commercial", "DAF", "Directrice marketing", "Chef de projet", "DRH")
HEADER = "Prénom;Nom;E-mail;Société;Fonction;Téléphone;Effectif;Température;Notes"


def cards() -> bytes:
    lines = [HEADER]
    for i in range(149):
        lines.append(
            f"Prénom{i:03d};Visiteur{i:03d};visiteur{i:03d}@entreprise{i:03d}.fr;"
            f"Entreprise {i:03d};{TITLES[i % 5]};01 4{i % 10} 00 {i % 100:02d} 00;"
            f"{20 + i};{TEMPERATURES[i % 3]};Stand B{i % 40}"
        )
    lines.append(
        "Marc;Lemoine;marc.lemoine@transports-lemoine.fr;Transports Lemoine;"
        "Directeur informatique;04 72 00 11 22;420;chaud;"
        "Contrat CRM actuel jusqu'à fin septembre, budget prévu"
    )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def upload(api, **fields):
    files = {"file": ("badges-salon.csv", cards(), "text/csv")}
    return api.ok(api.post("/imports", files=files, data=fields, as_="marketing"), 201)


def test_trade_show_cards_imported_and_the_it_director_converted(api, users, rows):
    # Given the show's file, previewed first: nothing is written, all 150 would be created
    preview = upload(api, tag=SHOW, source="trade_show", dry_run="true")
    assert (preview["rows_created"], preview["rows_rejected"], rows(t.Lead)) == (150, 0, 0)
    assert preview["report"]["encoding"] == "cp1252"
    assert [p["values"]["temperature"] for p in preview["preview"][:3]] == ["hot", "warm", "cold"]

    # When marketing imports it with the show's tag
    result = upload(api, tag=SHOW, source="trade_show")

    # Then 150 leads exist, tagged with the show, each with its own temperature
    assert (result["rows_total"], result["rows_created"], result["rows_rejected"]) == (150, 150, 0)
    assert result["errors"] == []
    assert rows(t.Lead) == 150
    show = api.ok(api.get("/leads", params={"tag": SHOW, "page_size": 200}))
    assert show["total"] == 150
    assert {lead["source"] for lead in show["items"]} == {"trade_show"}
    assert Counter(lead["temperature"] for lead in show["items"]) == {
        "hot": 51,
        "warm": 50,
        "cold": 49,
    }
    director = api.ok(api.get("/leads", params={"q": "lemoine"}))["items"][0]
    assert (director["job_title"], director["employees"], director["phone"]) == (
        "Directeur informatique",
        420,
        "+33472001122",
    )
    assert director["attributes"] == {
        "Notes": "Contrat CRM actuel jusqu'à fin septembre, budget prévu"
    }

    # When sales ops give him to the SDR (the import left him unassigned: SPEC §18 lets
    # only those who read every lead see him), who calls him: the contract ends in 6
    # months, the budget is planned
    api.ok(api.patch(f"/leads/{director['id']}", {"owner_id": users["sdr"].id}))
    api.ok(
        api.post(
            f"/leads/{director['id']}/activities",
            {
                "kind": "call",
                "direction": "out",
                "outcome": "reached",
                "summary": "Contrat CRM jusqu'à fin septembre, budget 60 k€ prévu",
            },
            as_="sdr",
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
        as_="sdr",
    )
    assert qualified["ready_to_convert"] is True
    converted = api.convert(
        director["id"],
        api.convert_body(
            name="Projet de migration CRM – Transports Lemoine",
            amount=60000,
            expected_close_date=contract_end.isoformat(),
        ),
    )

    # Then his opportunity carries the name, amount and close date, from the show's lead
    opp = api.ok(api.get(f"/opportunities/{converted['opportunity_id']}"))
    assert opp["name"] == "Projet de migration CRM – Transports Lemoine"
    assert (opp["amount"], opp["currency"], opp["expected_close_date"]) == (
        60000,
        "EUR",
        contract_end.isoformat(),
    )
    assert (opp["stage"], opp["type"], opp["lead_source"], opp["lead_id"]) == (
        "qualification",
        "new_business",
        "trade_show",
        director["id"],
    )
    account = api.ok(api.get(f"/accounts/{converted['account_id']}"))
    assert (account["name"], account["domain"]) == ("Transports Lemoine", "transports-lemoine.fr")
    assert api.ok(api.get("/leads", params={"tag": SHOW, "status": "new"}))["total"] == 149
    assert (rows(t.Opportunity), rows(t.Account)) == (1, 1)

    # And if the import is undone afterwards, the converted director stays with his deal
    undone = api.ok(api.post(f"/imports/{result['id']}/undo", as_="marketing"))
    assert (undone["deleted"], undone["kept"]) == (149, 1)
    assert undone["kept_leads"] == [
        {"lead_id": director["id"], "reason": "converted since the import: kept"}
    ]
    assert rows(t.Lead) == 1
    assert api.ok(api.get(f"/opportunities/{opp['id']}"))["lead_id"] == director["id"]
