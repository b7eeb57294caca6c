"""SPEC §12 scenario 4: an office manager asks for help with another vendor's CRM.

The support form makes a lead of kind support_service. A quote for the support job may become
a small opportunity of type service; a product opportunity is refused, whatever the request.
"""

from __future__ import annotations

from bascule.storage import tables as t


def test_a_support_request_can_only_become_a_service_opportunity(api, form_key, rows):
    key = form_key("support_request", "Besoin d'aide")

    # When an office manager asks for help configuring another vendor's CRM
    result = api.ok(
        api.intake(
            "support_request",
            {
                "first_name": "Julien",
                "last_name": "Petit",
                "email": "julien.petit@cabinet-petit.fr",
                "phone": "04 72 00 00 00",
                "company": "Cabinet Petit Avocats",
                "job_title": "Office manager",
                "employees": 12,
                "message": "Pouvez-vous nous aider à paramétrer notre CRM actuel (autre éditeur) ?",
            },
            key=key,
        ),
        201,
    )

    # Then a support_service lead exists, with no product opportunity in sight
    lead_id = result["lead_id"]
    lead = api.ok(api.get(f"/leads/{lead_id}"))
    assert (lead["kind"], lead["source"], lead["status"]) == ("support_service", "web_form", "new")
    assert lead["phone"] == "+33472000000"
    assert rows(t.Outbox) == 0

    # Given the support job was scoped: 3 days of configuration, wanted this month
    api.make_ready(
        lead_id,
        need={"text": "Paramétrage du CRM existant, 3 jours", "confirmed": True},
        budget={"status": "confirmed", "amount": 2700},
        timing={"horizon": "now"},
    )

    # When someone tries to turn it into a product sale
    product = api.post(
        f"/leads/{lead_id}/convert",
        api.convert_body(name="Licences CRM – Cabinet Petit", amount=12000, type="new_business"),
    )

    # Then it is refused, naming the type, and nothing is written
    error = api.error(product, 422, "missing_fields")
    assert error["fields"] == {"opportunity.type": "must be one of service"}
    assert (rows(t.Opportunity), rows(t.Account), rows(t.Contact)) == (0, 0, 0)
    assert api.ok(api.get(f"/leads/{lead_id}"))["status"] == "new"

    # When the quote for the support job is converted instead
    converted = api.convert(
        lead_id,
        api.convert_body(
            name="Paramétrage CRM – Cabinet Petit", amount=2700, expected_close_date="2031-03-31"
        ),
    )

    # Then a small service opportunity exists, from the support lead
    opp = api.ok(api.get(f"/opportunities/{converted['opportunity_id']}"))
    assert (opp["type"], opp["amount"], opp["stage"]) == ("service", 2700, "qualification")
    assert (opp["lead_id"], opp["lead_source"]) == (lead_id, "web_form")
    assert api.ok(api.get(f"/leads/{lead_id}"))["status"] == "converted"
    assert (rows(t.Opportunity), rows(t.Account), rows(t.Contact)) == (1, 1, 1)


def test_an_explicit_service_type_is_accepted_too(api, form_key):
    key = form_key("support_request")
    result = api.ok(
        api.intake(
            "support_request",
            {"last_name": "Petit", "email": "j.petit@cabinet-petit.fr", "company": "Cabinet Petit"},
            key=key,
        ),
        201,
    )
    api.make_ready(result["lead_id"])
    converted = api.convert(
        result["lead_id"], api.convert_body(name="Formation CRM", amount=900, type="service")
    )
    opp = api.ok(api.get(f"/opportunities/{converted['opportunity_id']}"))
    assert opp["type"] == "service"
