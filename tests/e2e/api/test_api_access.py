"""The permission matrix (SPEC §18): every role × every action × a record of its own, of a
teammate and of someone else, through the HTTP API, on both databases.

``MATRIX`` is SPEC §18 written as a table (what each role reads and edits of each kind of
record); every expectation below is derived from it, so the test and the table cannot drift
apart. Unreadable answers 404 exactly like a missing record, readable but not editable 403
with the reason, and lists count only readable records.

The world: a team "Ventes" managed by Mathilde (role sales) with the sdr, sales and
account_manager users and Théo (sales); Olga (sales) is in no team. Every actor owns one
record of each kind; Théo's are the "team" records, Olga's the "other" ones. Mathilde, as
the team's manager, reaches her team's records (Salesforce's role hierarchy)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update

from bascule.storage import tables as t
from bascule.users import service as users_service

ENTITIES = ("lead", "opportunity", "account", "contact")
RELATIONS = ("own", "team", "other")
ACTIONS = ("read", "list", "edit")

SELLER = {"lead": ("own", "own"), "opportunity": ("own", "own"),
          "account": ("all", "own"), "contact": ("all", "own")}  # fmt: skip
EVERYTHING = dict.fromkeys(ENTITIES, ("all", "all"))
# SPEC §18: (read scope, edit scope) per role and kind of record.
MATRIX: dict[str, dict[str, tuple[str, str]]] = {
    "admin": EVERYTHING,
    "sales_ops": EVERYTHING,
    "marketing": {
        "lead": ("all", "own"),
        "opportunity": ("all", "none"),
        "account": ("all", "none"),
        "contact": ("all", "none"),
    },
    "sdr": SELLER,
    "sales": SELLER,
    "account_manager": SELLER,
    "manager": SELLER,  # a seller who manages the team: "own" reaches the team's records
}
PATHS = {"lead": "leads", "opportunity": "opportunities", "account": "accounts",
         "contact": "contacts"}  # fmt: skip
EDITS = {"lead": {"job_title": "Acheteur"}, "opportunity": {"description": "relu"},
         "account": {"sector": "Industrie"}, "contact": {"job_title": "Acheteuse"}}  # fmt: skip


def allowed(role: str, entity: str, relation: str, action: str) -> bool:
    read, edit = MATRIX[role][entity]
    scope = edit if action == "edit" else read
    reach = {"own", "team"} if role == "manager" else {"own"}
    if action == "edit" and not allowed(role, entity, relation, "read"):
        return False
    return scope == "all" or (scope == "own" and relation in reach)


def expected_status(role: str, entity: str, relation: str, action: str) -> int:
    if action == "edit":
        if not allowed(role, entity, relation, "read"):
            return 404
        return 200 if allowed(role, entity, relation, "edit") else 403
    return 200 if allowed(role, entity, relation, "read") else 404


def _user(uow: Any, email: str, role: str, name: str) -> t.User:
    return users_service.create_user(uow, email=email, role=role, name=name, now=NOW)


NOW = datetime.now(UTC)


@pytest.fixture
def world(api, database, users) -> dict[str, Any]:
    """Actors (role -> headers) and, per owner, one record of each kind (entity -> id)."""
    with database.uow(write=True) as uow:
        manager = _user(uow, "mathilde@bascule-crm.fr", "sales", "Mathilde")
        teammate = _user(uow, "theo@bascule-crm.fr", "sales", "Théo")
        other = _user(uow, "olga@bascule-crm.fr", "sales", "Olga")
        ops = _user(uow, "ops@bascule-crm.fr", "sales_ops", "Ops")
        team = t.Team(name="Ventes", manager_id=manager.id)
        uow.session.add(team)
        uow.session.flush()
        members = [teammate.id, manager.id] + [
            users[r].id for r in ("sdr", "sales", "account_manager")
        ]
        uow.session.execute(update(t.User).where(t.User.id.in_(members)).values(team_id=team.id))
        tokens = {
            "manager": users_service.create_token(uow, email=manager.email, label="t", now=NOW),
            "sales_ops": users_service.create_token(uow, email=ops.email, label="t", now=NOW),
        }
        ids = {"manager": manager.id, "sales_ops": ops.id, "team": teammate.id, "other": other.id}
        uow.commit()
    headers = {role: {"Authorization": f"Bearer {tok}"} for role, tok in tokens.items()}
    for role in ("admin", "marketing", "sdr", "sales", "account_manager"):
        headers[role] = users[role].headers
        ids[role] = users[role].id
    records: dict[int, dict[str, int]] = {}
    for n, owner in enumerate(sorted(set(ids.values()))):
        account = api.create_account(name=f"Compte {n}", owner_id=owner)
        contact = api.create_contact(last_name=f"Contact {n}", account_id=account["id"])
        lead = api.create_lead(email=f"lead{n}@acier-durand.fr", owner_id=owner)
        opp = api.create_opportunity(name=f"Projet {n}", account_id=account["id"], owner_id=owner)
        records[owner] = {"lead": lead["id"], "opportunity": opp["id"],
                          "account": account["id"], "contact": contact["id"]}  # fmt: skip
    with database.uow(write=True) as uow:
        for owner, made in records.items():
            uow.session.execute(
                update(t.Contact).where(t.Contact.id == made["contact"]).values(owner_id=owner)
            )
        uow.commit()
    return {"headers": headers, "ids": ids, "records": records}


def _record(world: dict[str, Any], role: str, relation: str, entity: str) -> int:
    owner = world["ids"][role if relation == "own" else relation]
    return int(world["records"][owner][entity])


@pytest.mark.parametrize("role", list(MATRIX))
def test_every_action_on_every_record_answers_as_the_matrix_says(api, world, role):
    headers = world["headers"][role]
    wrong: list[str] = []
    for entity in ENTITIES:
        listed = api.client.get(f"/api/v1/{PATHS[entity]}?page_size=200", headers=headers)
        assert listed.status_code == 200, listed.text
        seen = {item["id"] for item in listed.json()["items"]}
        for relation in RELATIONS:
            record = _record(world, role, relation, entity)
            cell = f"{role} {entity} {relation}"
            for action in ACTIONS:
                if action == "list":
                    if (record in seen) != allowed(role, entity, relation, "read"):
                        wrong.append(f"{cell} list: listed={record in seen}")
                    continue
                path = f"/api/v1/{PATHS[entity]}/{record}"
                if action == "read":
                    answer = api.client.get(path, headers=headers)
                else:
                    answer = api.client.patch(path, json=EDITS[entity], headers=headers)
                want = expected_status(role, entity, relation, action)
                if answer.status_code != want:
                    wrong.append(f"{cell} {action}: {answer.status_code} != {want}")
                elif want == 404:
                    # Exactly like a missing record.
                    missing = api.client.get(f"/api/v1/{PATHS[entity]}/2000000", headers=headers)
                    assert answer.json()["error"]["code"] == missing.json()["error"]["code"]
                elif want == 403:
                    assert answer.json()["error"]["message"], cell
    assert wrong == []


def test_marketing_reads_opportunities_without_amounts(api, world):
    headers = world["headers"]["marketing"]
    opp = _record(world, "admin", "own", "opportunity")
    read = api.client.get(f"/api/v1/opportunities/{opp}", headers=headers).json()
    assert (read["amount"], read["weighted_amount"]) == (None, None)
    listed = api.client.get("/api/v1/opportunities", headers=headers).json()
    assert {i["amount"] for i in listed["items"]} == {None}
    report = api.client.get("/api/v1/reports/pipeline", headers=headers).json()
    assert "amount" not in str({k: v for k, v in report.items() if v not in (None, [])}) or all(
        row.get("open_amount") is None for row in report.get("rows", [])
    )
    admin = api.client.get(f"/api/v1/opportunities/{opp}", headers=world["headers"]["admin"])
    assert admin.json()["amount"] == 30000


def test_lists_and_reports_count_only_readable_records(api, world):
    sdr = world["headers"]["sdr"]
    assert api.client.get("/api/v1/leads", headers=sdr).json()["total"] == 1
    manager = world["headers"]["manager"]
    # Her own, and those of the four members of her team.
    assert api.client.get("/api/v1/leads", headers=manager).json()["total"] == 5
    funnel = api.client.get("/api/v1/reports/funnel", headers=sdr).json()
    admin = api.client.get("/api/v1/reports/funnel", headers=world["headers"]["admin"]).json()
    assert funnel["rows"][0]["leads"] == 1
    assert admin["rows"][0]["leads"] == len(world["records"])


def test_an_unassigned_lead_sits_in_its_teams_queue(api, world, database):
    with database.uow(write=True) as uow:
        team_id = uow.session.query(t.Team.id).scalar()
        lead = t.Lead(
            email="queue@acier-durand.fr", email_key="queue@acier-durand.fr", source="web_form",
            status="new", score=0, team_id=team_id, search_text="", created_at=NOW,
            updated_at=NOW, score_explanation=[],
        )  # fmt: skip
        uow.session.add(lead)
        uow.commit()
        lead_id = lead.id
    headers = world["headers"]
    # The team sees it and may take it; someone outside the team does not find it.
    assert api.client.get(f"/api/v1/leads/{lead_id}", headers=headers["sdr"]).status_code == 200
    outsider = api.client.get(f"/api/v1/leads/{lead_id}", headers=headers["marketing"])
    assert outsider.status_code == 200  # marketing reads every lead
    taken = api.client.patch(
        f"/api/v1/leads/{lead_id}", json={"owner_id": world["ids"]["sdr"]}, headers=headers["sdr"]
    )
    assert taken.status_code == 200, taken.text
    # Taken: the rest of the team no longer reaches it, its manager still does.
    assert api.client.get(f"/api/v1/leads/{lead_id}", headers=headers["sales"]).status_code == 404
    assert api.client.get(f"/api/v1/leads/{lead_id}", headers=headers["manager"]).status_code == 200


def test_a_queued_lead_counts_once_in_its_teams_lists(api, world, database):
    # The list's total adds the owned leads and the queued ones (two counts): a lead nobody
    # owns in the team's queue is counted once, by those who reach the queue only.
    with database.uow(write=True) as uow:
        team_id = uow.session.query(t.Team.id).scalar()
        queued = t.Lead(
            email="file@acier-durand.fr", email_key="file@acier-durand.fr", source="web_form",
            status="new", score=0, team_id=team_id, search_text="file", created_at=NOW,
            updated_at=NOW, score_explanation=[],
        )  # fmt: skip
        uow.session.add(queued)
        uow.commit()
    headers = world["headers"]

    def listed(role: str, query: str = "") -> tuple[int, list[str]]:
        page = api.client.get(f"/api/v1/leads?page_size=50{query}", headers=headers[role]).json()
        return page["total"], sorted(item["email"] for item in page["items"])

    total, emails = listed("sdr")
    assert (total, len(emails)) == (2, 2) and "file@acier-durand.fr" in emails
    assert listed("sdr", "&status=new")[0] == 2
    assert listed("sdr", "&q=file") == (1, ["file@acier-durand.fr"])
    assert listed("manager")[0] == 6
    assert listed("sales_ops")[0] == len(world["records"]) + 1


def test_a_change_of_manager_reaches_the_lists_at_once(api, world, database):
    # Where everyone stands is kept a few seconds by the process (``access.people``); a write
    # to a user drops it, so the next list already counts the newly managed person's leads.
    sdr = world["headers"]["sdr"]
    assert api.client.get("/api/v1/leads", headers=sdr).json()["total"] == 1
    with database.uow(write=True) as uow:
        uow.session.execute(
            update(t.User).where(t.User.id == world["ids"]["other"])
            .values(manager_id=world["ids"]["sdr"])
        )  # fmt: skip
        uow.commit()
    assert api.client.get("/api/v1/leads", headers=sdr).json()["total"] == 2
    with database.uow(write=True) as uow:
        uow.session.execute(
            update(t.User).where(t.User.id == world["ids"]["other"]).values(manager_id=None)
        )
        uow.commit()
    assert api.client.get("/api/v1/leads", headers=sdr).json()["total"] == 1
