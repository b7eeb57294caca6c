"""SPEC §12 scenario 5, through the public RFP form: a large account sends an RFP.

Budget, timeline and requirements in; an opportunity out, directly (no lead), attached to
the existing account with its IT, business and purchasing contacts. A second submission of
the same project adds nothing and answers the same opportunity.
"""

from __future__ import annotations

from bascule.storage import tables as t

RFP = {
    "first_name": "Agnès",
    "last_name": "Perrin",
    "email": "agnes.perrin@ghra.fr",
    "company": "Groupe Hospitalier Rhône-Alpes",
    "job_title": "Acheteuse",
    "project": "Refonte de la relation patients – CRM",
    "budget": "180 k€",
    "expected_close_date": "2031-01-31",
    "message": "Cahier des charges : 300 utilisateurs, SSO, hébergement HDS. Réponse sous 6 sem.",
    "contacts": [
        {"first_name": "Nadia", "last_name": "Benali", "email": "nadia.benali@ghra.fr",
         "role": "it"},
        {"first_name": "Luc", "last_name": "Fournier", "email": "luc.fournier@ghra.fr",
         "role": "business"},
        {"first_name": "Agnès", "last_name": "Perrin", "email": "agnes.perrin@ghra.fr",
         "role": "purchasing"},
    ],
}  # fmt: skip


def test_an_rfp_form_gives_one_opportunity_on_the_known_account(api, form_key, users, rows):
    # Given a large account already known, owned by a salesperson
    account = api.create_account(
        name="Groupe Hospitalier Rhône-Alpes",
        domain="ghra.fr",
        employees=5200,
        owner_id=users["sales"].id,
    )
    key = form_key("rfp", "Appels d'offres")

    # When the RFP arrives through the public form
    first = api.ok(api.intake("rfp", RFP, key=key), 201)

    # Then an opportunity exists straight away on that account, with no lead
    assert first["outcome"] == "opportunity_created"
    assert first["account_id"] == account["id"]
    opp = api.ok(api.get(f"/opportunities/{first['opportunity_id']}"))
    assert (opp["name"], opp["amount"], opp["expected_close_date"]) == (
        "Refonte de la relation patients – CRM",
        180000,
        "2031-01-31",
    )
    assert (opp["stage"], opp["type"], opp["lead_source"], opp["lead_id"]) == (
        "qualification",
        "new_business",
        "rfp",
        None,
    )
    assert opp["owner_id"] == users["sales"].id
    assert opp["description"].startswith("Cahier des charges : 300 utilisateurs")
    # And the IT, business and purchasing people are its contacts, on the account
    contacts = api.ok(api.get(f"/contacts?account_id={account['id']}"))
    by_email = {c["email"]: c["id"] for c in contacts["items"]}
    assert sorted((c["role"], c["contact_id"]) for c in opp["contacts"]) == [
        ("business", by_email["luc.fournier@ghra.fr"]),
        ("it", by_email["nadia.benali@ghra.fr"]),
        ("purchasing", by_email["agnes.perrin@ghra.fr"]),
    ]
    assert rows(t.Lead) == 0

    # When the same RFP is submitted again (another spelling, another budget)
    again = api.intake(
        "rfp", RFP | {"project": "REFONTE de la relation patients - crm", "budget": 175000}, key=key
    )

    # Then the same opportunity is answered and nothing new is written
    assert api.ok(again, 201) == first
    assert again.headers["X-Bascule-Duplicate"] == "true"
    on_account = api.ok(api.get(f"/opportunities?account_id={account['id']}"))
    assert [item["id"] for item in on_account["items"]] == [opp["id"]]
    assert api.ok(api.get(f"/opportunities/{opp['id']}"))["amount"] == 180000
    counts = (rows(t.Opportunity), rows(t.Account), rows(t.Contact), rows(t.OpportunityContact))
    assert counts == (1, 1, 3, 3)
