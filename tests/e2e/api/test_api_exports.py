"""CSV exports of the lists (issue 12): the list's filters, only what the caller may read, the
do-not-contact flag and consents, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest


def table(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="')
    return list(csv.DictReader(io.StringIO(response.text)))


@pytest.mark.parametrize(
    ("typed", "exported"),
    [
        ('=HYPERLINK("http://evil.example","clic")', '\'=HYPERLINK("http://evil.example","clic")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Aciers Durand", "Aciers Durand"),
    ],
)
def test_formula_cells_are_neutralised(api, typed, exported):
    api.create_lead(email="f@exemple.fr", last_name="Formule", company=typed)

    [row] = table(api.client.get("/api/v1/exports/leads", headers=api.headers("admin")))

    assert row["company"] == exported
    assert row["last_name"] == "Formule"


def test_the_lead_export_takes_the_list_filters_and_flags_do_not_contact(api):
    api.create_lead(email="a@exemple.fr", last_name="Alpha", do_not_contact=True,
                    consents=[{"purpose": "events", "granted": True}], tags=["salon"])  # fmt: skip
    b = api.create_lead(email="b@exemple.fr", last_name="Bravo")
    api.ok(api.post(f"/leads/{b['id']}/status", {"status": "disqualified", "reason": "spam"}))

    everything = table(api.client.get("/api/v1/exports/leads?sort=last_name",
                                      headers=api.headers("admin")))  # fmt: skip
    open_only = table(api.client.get("/api/v1/exports/leads?status=new,contacted",
                                     headers=api.headers("admin")))  # fmt: skip
    bad = api.client.get("/api/v1/exports/leads?sort=nope", headers=api.headers("admin"))

    assert [(r["last_name"], r["do_not_contact"]) for r in everything] == [
        ("Alpha", "true"), ("Bravo", "false")]  # fmt: skip
    assert (everything[0]["consents"], everything[0]["tags"]) == ("events=yes", "salon")
    assert [r["last_name"] for r in open_only] == ["Alpha"]
    assert api.error(bad, 422, "validation_failed")["fields"].keys() == {"sort"}


def test_an_export_holds_only_what_the_caller_may_read(api, users):
    api.create_lead(email="mine@exemple.fr", last_name="Mine", owner_id=users["sdr"].id)
    api.create_lead(email="theirs@exemple.fr", last_name="Theirs", owner_id=users["sales"].id)
    account = api.create_account(name="Acme")
    api.create_opportunity(account_id=account["id"], name="Deal", amount=12500,
                           owner_id=users["sales"].id)  # fmt: skip

    as_sdr = table(api.client.get("/api/v1/exports/leads", headers=api.headers("sdr")))
    as_admin = table(api.client.get("/api/v1/exports/leads", headers=api.headers("admin")))
    sdr_deals = table(api.client.get("/api/v1/exports/opportunities", headers=api.headers("sdr")))
    marketing_deals = table(
        api.client.get("/api/v1/exports/opportunities", headers=api.headers("marketing"))
    )
    sales_deals = table(
        api.client.get("/api/v1/exports/opportunities", headers=api.headers("sales"))
    )

    assert [r["last_name"] for r in as_sdr] == ["Mine"]
    assert sorted(r["last_name"] for r in as_admin) == ["Mine", "Theirs"]
    assert sdr_deals == []
    assert "amount" not in marketing_deals[0] and "weighted_amount" not in marketing_deals[0]
    assert (sales_deals[0]["name"], sales_deals[0]["amount"]) == ("Deal", "12500.00")
    anonymous = api.client.get("/api/v1/exports/leads")
    api.error(anonymous, 401, "unauthorized")


def test_contacts_and_accounts_exports(api):
    account = api.create_account(name="=Acme")
    api.create_contact(last_name="Roux", email="roux@exemple.fr", account_id=account["id"],
                       do_not_contact=True)  # fmt: skip
    api.create_contact(last_name="Blanc", email="blanc@exemple.fr")

    contacts = table(api.client.get(f"/api/v1/exports/contacts?account_id={account['id']}",
                                    headers=api.headers()))  # fmt: skip
    accounts = table(api.client.get("/api/v1/exports/accounts", headers=api.headers()))

    assert [(c["last_name"], c["do_not_contact"]) for c in contacts] == [("Roux", "true")]
    assert [a["name"] for a in accounts] == ["'=Acme"]


@pytest.mark.parametrize(
    "query",
    [
        "reached=mql", "campaign=none", "source=none", "source=web_form&status=new",
        "segment=10-49", "employees_min=50", "stalled=true", "owner=none",
    ],
)  # fmt: skip
def test_a_lead_export_holds_the_records_of_the_list_it_was_asked_from(api, query):
    """A report's link opens a list; its export must hold those records, no more, no less."""
    api.create_lead(email="c@exemple.fr", source="web_form", campaign="salon-2026", employees=20)
    api.create_lead(email="d@exemple.fr", employees=120)
    e = api.create_lead(email="e@exemple.fr", source="web_form", employees=30)
    api.ok(api.post(f"/leads/{e['id']}/status", {"status": "mql"}))
    headers = api.headers("admin")

    listed = api.client.get(f"/api/v1/leads?{query}&page_size=200", headers=headers).json()
    exported = table(api.client.get(f"/api/v1/exports/leads?{query}", headers=headers))

    assert sorted(int(r["id"]) for r in exported) == sorted(i["id"] for i in listed["items"])
    assert len(exported) == listed["total"]


def test_an_opportunity_export_takes_the_list_filters_and_refuses_what_the_list_refuses(api):
    headers = api.headers("admin")
    for query in ("state=open", "state=won", "stalled=true"):
        listed = api.client.get(f"/api/v1/opportunities?{query}", headers=headers).json()
        exported = table(api.client.get(f"/api/v1/exports/opportunities?{query}", headers=headers))
        assert len(exported) == listed["total"], query

    bad = api.client.get("/api/v1/exports/leads?reached=everywhere", headers=headers)
    assert api.error(bad, 422, "validation_failed")["fields"].keys() == {"reached"}
    bad = api.client.get("/api/v1/exports/opportunities?state=maybe", headers=headers)
    assert api.error(bad, 422, "validation_failed")["fields"].keys() == {"state"}
