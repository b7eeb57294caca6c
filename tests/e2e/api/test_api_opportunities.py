"""Opportunities through the HTTP API (SPEC §3): mandatory fields, one open opportunity per
project on an account, stages, weighted amount, won and lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bascule.storage import tables as t

# Written around a seller's own records: the driver calls as the sales user.
AS = "sales"

MANDATORY = {
    "name": "Projet CRM",
    "amount": 40000,
    "expected_close_date": "2031-06-30",
    "lead_source": "referral",
}


@pytest.fixture
def account(api):
    return api.create_account(name="Aciers Durand", domain="acier-durand.fr")


# --- creation ---------------------------------------------------------------------------------


def test_create_opportunity_with_the_mandatory_fields(api, users, account, rows):
    body = MANDATORY | {"account_id": account["id"], "stage": "discovery", "type": "new_business"}
    opp = api.ok(api.post("/opportunities", body), 201)
    assert opp["name"] == "Projet CRM"
    assert opp["account_id"] == account["id"]
    assert (opp["amount"], opp["currency"]) == (40000, "EUR")
    assert opp["expected_close_date"] == "2031-06-30"
    assert (opp["stage"], opp["probability"], opp["weighted_amount"]) == ("discovery", 25, 10000)
    assert (opp["type"], opp["lead_source"]) == ("new_business", "referral")
    assert (opp["lead_id"], opp["loss_reason"], opp["contacts"]) == (None, None, [])
    assert (opp["is_closed"], opp["is_won"]) == (False, False)
    assert opp["owner_id"] == users["sales"].id
    assert api.ok(api.get(f"/opportunities/{opp['id']}")) == opp
    assert rows(t.Opportunity) == 1
    assert rows(t.OpportunityStageHistory) == 1


def test_create_opportunity_defaults_to_the_first_stage_and_new_business(api, account):
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    assert (opp["stage"], opp["probability"], opp["type"]) == ("qualification", 10, "new_business")
    assert opp["weighted_amount"] == 4000


def test_an_empty_body_gives_one_error_per_missing_field(api, rows):
    error = api.error(api.post("/opportunities", {}), 422)
    assert set(error["fields"]) == {
        "name",
        "account_id",
        "amount",
        "expected_close_date",
        "lead_source",
    }
    assert rows(t.Opportunity) == 0


def test_each_missing_field_is_named(api, account, rows):
    full = MANDATORY | {"account_id": account["id"]}
    for missing in ("name", "account_id", "amount", "expected_close_date", "lead_source"):
        body = {k: v for k, v in full.items() if k != missing}
        error = api.error(api.post("/opportunities", body), 422)
        assert list(error["fields"]) == [missing]
    assert rows(t.Opportunity) == 0


def test_the_lead_source_is_copied_from_the_lead(api, account):
    lead = api.create_lead(source="trade_show")
    body = {k: v for k, v in MANDATORY.items() if k != "lead_source"}
    opp = api.ok(
        api.post("/opportunities", body | {"account_id": account["id"], "lead_id": lead["id"]}), 201
    )
    assert (opp["lead_source"], opp["lead_id"]) == ("trade_show", lead["id"])


INVALID = [
    ({"amount": 0}, "amount"),
    ({"amount": -100}, "amount"),
    ({"amount": 10**13}, "amount"),
    ({"name": "   "}, "name"),
    ({"name": "–––"}, "name"),
    ({"expected_close_date": "2031-02-30"}, "expected_close_date"),
    ({"stage": "dreaming"}, "stage"),
    ({"type": "gift"}, "type"),
    ({"lead_source": "pigeon"}, "lead_source"),
    ({"stage": "lost"}, "loss_reason"),
    ({"loss_reason": "price"}, "loss_reason"),
    ({"contacts": [{"contact_id": 424242, "role": "it"}]}, "contacts.0.contact_id"),
    ({"lead_id": 424242}, "lead_id"),
]


def test_invalid_opportunity_fields_are_named(api, account, rows):
    for change, field in INVALID:
        body = MANDATORY | {"account_id": account["id"]} | change
        error = api.error(api.post("/opportunities", body), 422)
        assert field in error["fields"], (change, error)
    assert rows(t.Opportunity) == 0


def test_create_opportunity_on_an_unknown_account_is_404(api, rows):
    error = api.error(api.post("/opportunities", MANDATORY | {"account_id": 424242}), 404)
    assert error["code"] == "not_found"
    assert "account_id" in error["fields"]
    assert rows(t.Opportunity) == 0


def test_opportunity_contacts_with_roles(api, account):
    contacts = [
        api.create_contact(last_name=name, email=f"{name.lower()}@acier-durand.fr",
                           account_id=account["id"])
        for name in ("Informatique", "Metier", "Achats")
    ]  # fmt: skip
    body = MANDATORY | {
        "account_id": account["id"],
        "contacts": [
            {"contact_id": contacts[0]["id"], "role": "it"},
            {"contact_id": contacts[1]["id"], "role": "business"},
            {"contact_id": contacts[2]["id"], "role": "purchasing"},
        ],
    }
    created = api.ok(api.post("/opportunities", body), 201)
    opp = api.ok(api.get(f"/opportunities/{created['id']}"))
    assert sorted((c["contact_id"], c["role"], c["is_primary"]) for c in opp["contacts"]) == [
        (contacts[0]["id"], "it", True),
        (contacts[1]["id"], "business", False),
        (contacts[2]["id"], "purchasing", False),
    ]


CONTACTS_NOT_FLUSHED = (
    "BUG: the opportunity is read back before its contact rows are flushed (sessions have "
    "autoflush off), so the response shows contacts [] although GET shows them"
)


def test_create_response_lists_the_contacts(api, account):
    contact = api.create_contact(last_name="Roux", account_id=account["id"])
    body = MANDATORY | {
        "account_id": account["id"],
        "contacts": [{"contact_id": contact["id"], "role": "it"}],
    }
    created = api.ok(api.post("/opportunities", body), 201)
    assert created["contacts"] == [{"contact_id": contact["id"], "role": "it", "is_primary": True}]


def test_patch_response_lists_the_new_contacts(api, account):
    contact = api.create_contact(last_name="Roux", account_id=account["id"])
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    body = {"contacts": [{"contact_id": contact["id"], "role": "business"}]}
    patched = api.ok(api.patch(f"/opportunities/{opp['id']}", body))
    expected = [{"contact_id": contact["id"], "role": "business", "is_primary": True}]
    assert api.ok(api.get(f"/opportunities/{opp['id']}"))["contacts"] == expected
    assert patched["contacts"] == expected


def test_opportunity_contact_with_an_unknown_role_is_refused(api, account, rows):
    contact = api.create_contact(last_name="Roux", account_id=account["id"])
    body = MANDATORY | {
        "account_id": account["id"],
        "contacts": [{"contact_id": contact["id"], "role": "astrologer"}],
    }
    error = api.error(api.post("/opportunities", body), 422)
    assert list(error["fields"]) == ["contacts.0.role"]
    assert rows(t.Opportunity) == 0


# --- one open opportunity per project -----------------------------------------------------------


def test_a_second_open_opportunity_for_the_same_project_is_refused(api, account, rows):
    first = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    for second_name in ("Projet CRM", "projet crm", "  PROJET  CRM ", "Projét-CRM", "Projet – CRM"):
        body = MANDATORY | {"account_id": account["id"], "name": second_name, "amount": 99000}
        error = api.error(api.post("/opportunities", body), 409, "duplicate_opportunity")
        assert error["existing_id"] == first["id"], second_name
    assert rows(t.Opportunity) == 1


def test_the_same_project_name_on_another_account_is_allowed(api, account):
    other = api.create_account(name="Boulangerie Paul")
    api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    api.ok(api.post("/opportunities", MANDATORY | {"account_id": other["id"]}), 201)


@pytest.mark.parametrize(
    ("closing", "extra"), [("lost", {"loss_reason": "no_decision"}), ("won", {})]
)
def test_the_same_project_is_allowed_again_once_the_first_is_closed(
    api, account, rows, closing, extra
):
    first = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    api.move(first["id"], closing, **extra)
    second = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    assert second["id"] != first["id"]
    assert rows(t.Opportunity) == 2


def test_renaming_onto_an_open_project_is_refused(api, account):
    first = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    second = api.ok(
        api.post("/opportunities", MANDATORY | {"account_id": account["id"], "name": "Autre"}),
        201,
    )
    response = api.patch(f"/opportunities/{second['id']}", {"name": "PROJET-crm"})
    error = api.error(response, 409, "duplicate_opportunity")
    assert error["existing_id"] == first["id"]
    assert api.ok(api.get(f"/opportunities/{second['id']}"))["name"] == "Autre"


# --- stages -------------------------------------------------------------------------------------


def test_moving_through_the_stages_updates_probability_and_weighted_amount(api, account):
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    seen = [(opp["stage"], opp["probability"], opp["weighted_amount"])]
    for stage in ("discovery", "proposal", "negotiation"):
        moved = api.move(opp["id"], stage)
        seen.append((moved["stage"], moved["probability"], moved["weighted_amount"]))
        assert (moved["is_closed"], moved["is_won"], moved["closed_at"]) == (False, False, None)
    assert seen == [
        ("qualification", 10, 4000),
        ("discovery", 25, 10000),
        ("proposal", 50, 20000),
        ("negotiation", 75, 30000),
    ]


def test_winning_makes_the_account_a_customer_once(api, account):
    assert account["is_customer"] is False
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    won = api.move(opp["id"], "won")
    assert (won["stage"], won["probability"], won["weighted_amount"]) == ("won", 100, 40000)
    assert (won["is_closed"], won["is_won"]) == (True, True)
    closed_at = datetime.fromisoformat(won["closed_at"])
    assert abs(closed_at - datetime.now(UTC)) < timedelta(minutes=1)
    customer = api.ok(api.get(f"/accounts/{account['id']}"))
    assert customer["is_customer"] is True
    since = customer["customer_since"]
    assert since is not None
    # A second win does not move the "customer since" date
    again = api.ok(
        api.post("/opportunities", MANDATORY | {"account_id": account["id"], "name": "Extension"}),
        201,
    )
    api.move(again["id"], "won")
    assert api.ok(api.get(f"/accounts/{account['id']}"))["customer_since"] == since
    assert api.ok(api.get("/accounts?is_customer=true"))["total"] == 1


def test_losing_needs_a_loss_reason(api, account, rows):
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    error = api.error(api.post(f"/opportunities/{opp['id']}/stage", {"stage": "lost"}), 422)
    assert list(error["fields"]) == ["loss_reason"]
    response = api.post(
        f"/opportunities/{opp['id']}/stage", {"stage": "lost", "loss_reason": "bored"}
    )
    assert list(api.error(response, 422)["fields"]) == ["loss_reason"]
    assert api.ok(api.get(f"/opportunities/{opp['id']}"))["stage"] == "qualification"
    assert rows(t.OpportunityStageHistory) == 1

    lost = api.move(opp["id"], "lost", loss_reason="no_real_need")
    assert (lost["stage"], lost["probability"], lost["weighted_amount"]) == ("lost", 0, 0)
    assert (lost["loss_reason"], lost["is_closed"], lost["is_won"]) == ("no_real_need", True, False)
    assert api.ok(api.get(f"/accounts/{account['id']}"))["is_customer"] is False
    assert rows(t.OpportunityStageHistory) == 2


def test_a_loss_reason_is_only_for_lost(api, account):
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    body = {"stage": "proposal", "loss_reason": "price"}
    error = api.error(api.post(f"/opportunities/{opp['id']}/stage", body), 422)
    assert list(error["fields"]) == ["loss_reason"]


@pytest.mark.parametrize(("closing", "extra"), [("won", {}), ("lost", {"loss_reason": "price"})])
def test_a_closed_opportunity_cannot_move_or_change(api, account, rows, closing, extra):
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    api.move(opp["id"], closing, **extra)
    for stage in ("negotiation", "qualification", "won" if closing == "lost" else "lost"):
        body = {"stage": stage} | ({"loss_reason": "price"} if stage == "lost" else {})
        response = api.post(f"/opportunities/{opp['id']}/stage", body)
        api.error(response, 409, "opportunity_closed")
    api.error(api.patch(f"/opportunities/{opp['id']}", {"amount": 1}), 409, "opportunity_closed")
    after = api.ok(api.get(f"/opportunities/{opp['id']}"))
    assert (after["stage"], after["amount"]) == (closing, 40000)
    assert rows(t.OpportunityStageHistory) == 2


def test_unknown_or_unchanged_stage_is_refused(api, account):
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    error = api.error(api.post(f"/opportunities/{opp['id']}/stage", {"stage": "signed"}), 422)
    assert list(error["fields"]) == ["stage"]
    api.error(api.post(f"/opportunities/{opp['id']}/stage", {"stage": "qualification"}), 409)


def test_marketing_may_not_create_or_move_opportunities(api, account, rows):
    body = MANDATORY | {"account_id": account["id"]}
    api.error(api.post("/opportunities", body, as_="marketing"), 403, "forbidden")
    opp = api.ok(api.post("/opportunities", body), 201)
    response = api.post(f"/opportunities/{opp['id']}/stage", {"stage": "won"}, as_="marketing")
    api.error(response, 403, "forbidden")
    assert api.ok(api.get(f"/opportunities/{opp['id']}"))["stage"] == "qualification"
    assert rows(t.Opportunity) == 1


# --- edit and read ------------------------------------------------------------------------------


def test_patch_amount_and_close_date(api, account):
    opp = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    patched = api.ok(
        api.patch(
            f"/opportunities/{opp['id']}",
            {"amount": "52000.50", "expected_close_date": "2031-09-30"},
        )
    )
    assert (patched["amount"], patched["weighted_amount"]) == (52000.5, 5200.05)
    assert patched["expected_close_date"] == "2031-09-30"
    for bad in ({"amount": 0}, {"amount": -1}, {"name": ""}, {"type": "gift"}):
        error = api.error(api.patch(f"/opportunities/{opp['id']}", bad), 422)
        assert list(error["fields"]) == list(bad)
    assert api.ok(api.get(f"/opportunities/{opp['id']}"))["amount"] == 52000.5


UNKNOWN_IDS = [
    ("GET", "/opportunities/424242", None),
    ("PATCH", "/opportunities/424242", {"amount": 10}),
    ("POST", "/opportunities/424242/stage", {"stage": "won"}),
    ("GET", "/accounts/424242", None),
    ("PATCH", "/accounts/424242", {"name": "X"}),
    ("GET", "/contacts/424242", None),
    ("PATCH", "/contacts/424242", {"last_name": "X"}),
    ("GET", "/leads/424242", None),
    ("PATCH", "/leads/424242", {"last_name": "X"}),
    ("POST", "/leads/424242/status", {"status": "contacted"}),
    ("PATCH", "/leads/424242/qualification", {"authority": "none"}),
    ("POST", "/leads/424242/activities", {"kind": "note"}),
    ("GET", "/leads/424242/activities", None),
    ("GET", "/leads/424242/history", None),
    ("POST", "/leads/424242/convert", {}),
]


def test_unknown_ids_are_404(api):
    for method, path, body in UNKNOWN_IDS:
        response = api.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
        api.error(response, 404, "not_found")


def test_list_opportunities_by_account_stage_and_closed(api, account):
    other = api.create_account(name="Boulangerie Paul")
    a = api.ok(api.post("/opportunities", MANDATORY | {"account_id": account["id"]}), 201)
    b = api.ok(
        api.post("/opportunities", MANDATORY | {"account_id": account["id"], "name": "Autre"}),
        201,
    )
    c = api.ok(api.post("/opportunities", MANDATORY | {"account_id": other["id"]}), 201)
    api.move(b["id"], "lost", loss_reason="price")
    api.move(c["id"], "proposal")

    def listed(query: str) -> list[int]:
        page = api.ok(api.get(f"/opportunities?{query}"))
        assert page["total"] == len(page["items"])
        return sorted(item["id"] for item in page["items"])

    assert listed(f"account_id={account['id']}") == sorted([a["id"], b["id"]])
    assert listed("stage=proposal") == [c["id"]]
    assert listed("is_closed=false") == sorted([a["id"], c["id"]])
    assert listed("is_closed=true") == [b["id"]]
    page = api.ok(api.get("/opportunities?page_size=2"))
    assert (page["total"], len(page["items"]), page["page_size"]) == (3, 2, 2)
