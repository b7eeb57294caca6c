"""Accounts and contacts through the HTTP API (SPEC §1, §13.1)."""

from __future__ import annotations

from bascule.storage import tables as t

# Written around a seller's own records: the driver calls as the sales user.
AS = "sales"


def test_create_account_normalises_the_domain(api, users):
    account = api.create_account(name="Aciers Durand", domain="https://www.Acier-Durand.fr/")
    assert (account["name"], account["domain"]) == ("Aciers Durand", "acier-durand.fr")
    assert (account["is_customer"], account["owner_id"]) == (False, users["sales"].id)
    assert api.ok(api.get(f"/accounts/{account['id']}")) == account


def test_is_customer_is_read_only(api):
    account = api.create_account()
    error = api.error(api.patch(f"/accounts/{account['id']}", {"is_customer": True}), 422)
    assert list(error["fields"]) == ["is_customer"]
    assert api.ok(api.get(f"/accounts/{account['id']}"))["is_customer"] is False


def test_contact_with_an_email_already_used_is_refused(api, rows):
    account = api.create_account()
    first = api.create_contact(
        last_name="Roux", email="Jeanne.Roux@acme.fr", account_id=account["id"]
    )
    response = api.post("/contacts", {"last_name": "Roux", "email": "jeanne.roux@ACME.fr"})
    error = api.error(response, 409)
    assert error["existing_id"] == first["id"]
    assert "email" in error["fields"]
    assert rows(t.Contact) == 1


def test_contacts_listed_by_account(api):
    acme = api.create_account(name="Acme")
    other = api.create_account(name="Boulangerie Paul")
    a = api.create_contact(last_name="Roux", account_id=acme["id"])
    api.create_contact(last_name="Paul", account_id=other["id"])
    page = api.ok(api.get(f"/contacts?account_id={acme['id']}"))
    assert (page["total"], [c["id"] for c in page["items"]]) == (1, [a["id"]])


def test_patch_contact_cannot_remove_its_last_identity(api):
    contact = api.create_contact(last_name="Roux", email="jeanne.roux@acme.fr")
    api.ok(api.patch(f"/contacts/{contact['id']}", {"email": None}))
    error = api.error(api.patch(f"/contacts/{contact['id']}", {"last_name": None}), 422)
    assert error["fields"]
    assert api.ok(api.get(f"/contacts/{contact['id']}"))["last_name"] == "Roux"
