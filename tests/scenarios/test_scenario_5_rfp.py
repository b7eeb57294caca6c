"""SPEC §12 scenario 5: a large account sends an RFP.

An opportunity is created directly (no lead), on the existing account, with several contacts
(IT, business, purchasing). A second submission for the same project does not create a second
opportunity: it is refused with a pointer to the existing one. (Created here through
``POST /opportunities``; the public RFP intake form has its own tests.)
"""

from __future__ import annotations

from bascule.storage import tables as t


def test_an_rfp_becomes_one_opportunity_with_its_contacts(api, users, rows):
    # Given a large account already known, with three people named in the RFP
    account = api.create_account(
        name="Groupe Hospitalier Rhône-Alpes", domain="ghra.fr", employees=5200, country="FR"
    )
    people = {
        "it": ("Nadia", "Benali", "DSI"),
        "business": ("Luc", "Fournier", "Directeur des admissions"),
        "purchasing": ("Agnès", "Perrin", "Acheteuse"),
    }
    contacts = {
        role: api.create_contact(
            first_name=first,
            last_name=last,
            job_title=title,
            email=f"{first.lower()}.{last.lower()}@ghra.fr",
            account_id=account["id"],
        )
        for role, (first, last, title) in people.items()
    }

    # When the RFP arrives: budget, timeline and requirements
    body = {
        "name": "Refonte de la relation patients – CRM",
        "account_id": account["id"],
        "amount": 180000,
        "expected_close_date": "2031-01-31",
        "stage": "qualification",
        "type": "new_business",
        "lead_source": "rfp",
        "description": "Cahier des charges : 300 utilisateurs, SSO, hébergement HDS",
        "contacts": [
            {"contact_id": contacts["it"]["id"], "role": "it", "is_primary": True},
            {"contact_id": contacts["business"]["id"], "role": "business"},
            {"contact_id": contacts["purchasing"]["id"], "role": "purchasing"},
        ],
    }
    created = api.ok(api.post("/opportunities", body), 201)

    # Then one opportunity exists on that account, with the three contacts and their roles
    opp = api.ok(api.get(f"/opportunities/{created['id']}"))
    assert opp["account_id"] == account["id"]
    assert (opp["name"], opp["amount"], opp["expected_close_date"]) == (
        "Refonte de la relation patients – CRM",
        180000,
        "2031-01-31",
    )
    assert (opp["stage"], opp["probability"], opp["type"]) == ("qualification", 10, "new_business")
    assert (opp["lead_source"], opp["lead_id"]) == ("rfp", None)
    assert sorted((c["role"], c["contact_id"], c["is_primary"]) for c in opp["contacts"]) == [
        ("business", contacts["business"]["id"], False),
        ("it", contacts["it"]["id"], True),
        ("purchasing", contacts["purchasing"]["id"], False),
    ]
    assert rows(t.Lead) == 0

    # When the same RFP is submitted again (another spelling of the project)
    again = body | {"name": "REFONTE de la relation patients - crm", "amount": 175000}
    response = api.post("/opportunities", again)

    # Then it is refused with the existing opportunity, and nothing new is written
    error = api.error(response, 409, "duplicate_opportunity")
    assert error["existing_id"] == created["id"]
    on_account = api.ok(api.get(f"/opportunities?account_id={account['id']}"))
    assert on_account["total"] == 1
    assert [item["id"] for item in on_account["items"]] == [created["id"]]
    assert (rows(t.Opportunity), rows(t.OpportunityContact), rows(t.Account)) == (1, 3, 1)
    assert api.ok(api.get(f"/opportunities/{created['id']}"))["amount"] == 180000
