"""Edits may carry a reason (SPEC §11 "why"): every edit of a lead, opportunity, account or
contact takes an optional ``reason``, trimmed, kept as the reason of the change's audit row;
too long is a 422 naming ``reason``; without one, nothing changes."""

from __future__ import annotations


def _audit(api, entity: str, entity_id: int) -> list[dict]:
    return api.ok(api.get(f"/audit?entity={entity}&entity_id={entity_id}", as_="admin"))["items"]


def test_each_kind_of_edit_keeps_its_reason(api):
    lead = api.create_lead()
    api.ok(api.patch(f"/leads/{lead['id']}", {"job_title": "DSI", "reason": "  met at the fair "}))
    api.ok(api.post(f"/leads/{lead['id']}/status", {"status": "contacted", "reason": "called"}))
    api.qualify(lead["id"], {"authority": "influencer", "reason": "her manager signs"})
    rows = _audit(api, "lead", lead["id"])
    assert [(r["action"], r["reason"]) for r in rows[:3]] == [
        ("qualify", "her manager signs"),
        ("status:progress", "called"),
        ("update", "met at the fair"),
    ]
    assert rows[2]["changes"] == {"job_title": [None, "DSI"]}
    assert "reason" not in str(rows[0]["changes"])  # no answer of the qualification

    account = api.create_account(name="Aciers Durand")
    api.ok(api.patch(f"/accounts/{account['id']}", {"sector": "Steel", "reason": "Kbis read"}))
    assert _audit(api, "account", account["id"])[0]["reason"] == "Kbis read"

    contact = api.create_contact(last_name="Martin", account_id=account["id"])
    api.ok(api.patch(f"/contacts/{contact['id']}", {"job_title": "CFO", "reason": "promoted"}))
    assert _audit(api, "contact", contact["id"])[0]["reason"] == "promoted"

    opp = api.create_opportunity(account_id=account["id"])
    api.ok(api.patch(f"/opportunities/{opp['id']}", {"amount": 45000, "reason": "two sites"}))
    api.move(opp["id"], "proposal", reason="proposal sent on Monday")
    api.move(opp["id"], "lost", loss_reason="price", reason="cheaper offer")
    rows = _audit(api, "opportunity", opp["id"])
    assert [r["reason"] for r in rows[:3]] == [
        "cheaper offer",
        "proposal sent on Monday",
        "two sites",
    ]
    # The loss reason is not lost when the mover gave their own words.
    assert rows[0]["changes"]["loss_reason"] == [None, "price"]
    assert "amount" in rows[2]["changes"]


def test_without_a_reason_nothing_changes(api):
    opp = api.create_opportunity(account_id=api.create_account()["id"])
    api.ok(api.patch(f"/opportunities/{opp['id']}", {"amount": 31000}))
    api.move(opp["id"], "lost", loss_reason="price")
    rows = _audit(api, "opportunity", opp["id"])
    assert [r["reason"] for r in rows[:2]] == ["price", None]
    blank = api.create_lead()
    api.ok(api.patch(f"/leads/{blank['id']}", {"job_title": "DSI", "reason": "   "}))
    assert _audit(api, "lead", blank["id"])[0]["reason"] is None


def test_a_reason_too_long_is_refused_naming_it_and_changes_nothing(api):
    lead = api.create_lead()
    refused = api.patch(f"/leads/{lead['id']}", {"job_title": "DSI", "reason": "x" * 501})
    error = api.error(refused, 422)
    assert any("reason" in field for field in error["fields"]), error
    assert api.ok(api.get(f"/leads/{lead['id']}"))["job_title"] is None
    opp = api.create_opportunity(account_id=api.create_account()["id"])
    moved = api.post(f"/opportunities/{opp['id']}/stage", {"stage": "proposal", "reason": 5})
    assert any("reason" in f for f in api.error(moved, 422)["fields"])
    # Trimmed first: spaces around a reason of the longest length do not count.
    ok = api.patch(f"/accounts/{api.create_account()['id']}", {"reason": " " + "y" * 500 + " "})
    assert ok.status_code == 200, ok.text


def test_the_reason_is_documented_in_openapi(api):
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    for name in (
        "LeadUpdate", "QualificationBody", "OpportunityUpdate", "StageBody", "AccountUpdate",
        "ContactUpdate",
    ):  # fmt: skip
        reason = schemas[name]["properties"]["reason"]
        text = str(reason)
        assert "audit" in text and "500" in text, (name, reason)
    assert "description" in str(schemas["StatusBody"]["properties"]["reason"])
