"""The admin pages through HTTP, without a browser, on both databases: who gets in (admin and
sales ops; a sales rep is refused every page and every form), what sales ops may change (the
playbook, their own tokens) and may not (users, teams, form keys), a form without its CSRF
token refused before anything changes, a bad field answered 422 beside the field, and the
reason of a change kept in its audit row."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users.sessions import COOKIE

PAGES = ("/admin/users", "/admin/teams", "/admin/tokens", "/admin/form-keys", "/admin/playbook")


@pytest.fixture
def office(db_url: str, web_app: Any, session_cookie: Any) -> Any:
    database = Database(db_url)
    playbooks.forget(database)
    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        ids = {
            role: users.create_user(
                uow, email=f"{role}@bascule.fr", role=role, name=role.title(), team="Nord",
                now=now,
            ).id
            for role in ("admin", "sales_ops", "sales")
        }  # fmt: skip
        uow.commit()

    def client(role: str) -> TestClient:
        browser = TestClient(web_app(database))
        browser.cookies.set(COOKIE, session_cookie(database, ids[role]))
        return browser

    yield database, ids, client
    database.dispose()


def token_of(page: Any) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found
    return found.group(1)


def audit_rows(database: Database, entity: str) -> list[tuple[int, str, str | None]]:
    """(record id, action, reason) of the audit rows about one kind of record, in order."""
    with database.uow() as uow:
        rows = uow.session.query(t.AuditLog).filter_by(entity=entity).order_by(t.AuditLog.id)
        return [(row.entity_id, row.action, row.reason) for row in rows]


def test_a_sales_rep_is_refused_every_admin_page_and_form(office):
    database, ids, client = office
    rep = client("sales")
    token = token_of(rep.get("/"))
    for path in PAGES:
        assert rep.get(path).status_code == 403, path
    assert "/admin/users" not in rep.get("/").text  # no admin entry in the menu
    data = {"csrf_token": token, "email": "new@bascule.fr", "role": "sdr"}
    assert rep.post("/admin/users", data=data).status_code == 403
    assert rep.post(f"/admin/users/{ids['admin']}/deactivate", data=data).status_code == 403
    assert (
        rep.post("/admin/playbook/apply", data={"csrf_token": token, "text": ""}).status_code == 403
    )
    with database.uow() as uow:
        assert uow.session.get(t.User, ids["admin"]).is_active
        assert not uow.session.query(t.User).filter_by(email="new@bascule.fr").count()


def test_sales_ops_read_the_admin_pages_and_change_only_what_they_may(office):
    _database, _ids, client = office
    ops = client("sales_ops")
    for path in PAGES:
        page = ops.get(path)
        assert page.status_code == 200, path
        assert 'id="admin-link"' in page.text
    users_page = ops.get("/admin/users")
    assert 'action="/admin/users"' not in users_page.text  # no creation form for them
    token = token_of(users_page)
    refused = ops.post("/admin/users", data={"csrf_token": token, "email": "x@bascule.fr",
                                              "role": "sdr"})  # fmt: skip
    assert refused.status_code == 403
    assert ops.post("/admin/teams", data={"csrf_token": token, "name": "Sud"}).status_code == 403
    assert (
        ops.post("/admin/form-keys", data={"csrf_token": token, "form_type": "rfp"}).status_code
        == 403
    )
    # Their own token: yes (shown once); someone else's: no.
    own = ops.post("/admin/tokens", data={"csrf_token": token, "email": "sales_ops@bascule.fr",
                                          "expires_in": "30d"})  # fmt: skip
    assert own.status_code == 200 and 'id="shown-secret"' in own.text
    other = ops.post("/admin/tokens", data={"csrf_token": token, "email": "sales@bascule.fr",
                                            "expires_in": "30d"})  # fmt: skip
    assert other.status_code == 403


def test_a_form_without_its_csrf_token_changes_nothing(office):
    database, ids, client = office
    admin = client("admin")
    admin.get("/admin/users")
    for path, data in (
        ("/admin/users", {"email": "x@bascule.fr", "role": "sdr"}),
        (f"/admin/users/{ids['sales']}/deactivate", {}),
        ("/admin/teams", {"name": "Sud"}),
        ("/admin/form-keys", {"form_type": "rfp"}),
        ("/admin/playbook/apply", {"text": "name = 'x'"}),
    ):
        assert admin.post(path, data=data).status_code == 403, path
        assert admin.post(path, data=data | {"csrf_token": "0" * 64}).status_code == 403, path
    with database.uow() as uow:
        assert uow.session.get(t.User, ids["sales"]).is_active
        assert uow.session.query(t.Team).count() == 1
        assert uow.session.query(t.IntakeForm).count() == 0
        assert uow.session.query(t.PlaybookVersion).count() == 0


def test_bad_fields_are_answered_beside_them_and_reasons_reach_the_audit(office):
    database, ids, client = office
    admin = client("admin")
    token = token_of(admin.get("/admin/users?lang=en"))
    bad = admin.post("/admin/users", data={"csrf_token": token, "email": "not-an-address",
                                           "role": "wizard", "name": "Zed"})  # fmt: skip
    assert bad.status_code == 422
    assert 'id="error-email"' in bad.text and 'id="error-role"' in bad.text
    assert 'value="Zed"' in bad.text  # what was typed is kept
    made = admin.post("/admin/users", data={"csrf_token": token, "email": "zed@bascule.fr",
                                            "role": "sdr", "team": "Nord",
                                            "manager": "admin@bascule.fr",
                                            "reason": "Embauche de septembre"},
                      follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    zed = int(made.headers["location"].split("/")[3].split("?")[0])
    # A loop of managers is refused beside the manager field.
    loop = admin.post(f"/admin/users/{ids['admin']}", data={
        "csrf_token": token, "role": "admin", "team_id": "", "manager_id": str(zed)})  # fmt: skip
    assert loop.status_code == 422 and 'id="error-manager_id"' in loop.text
    away = admin.post(f"/admin/users/{zed}/away", data={
        "csrf_token": token, "from": "2031-08-03", "until": "2031-08-01"})  # fmt: skip
    assert away.status_code == 422 and 'id="error-until"' in away.text
    rows = audit_rows(database, "user")
    assert (zed, "create", "Embauche de septembre") in rows
    assert not [row for row in rows if row[:2] == (zed, "away")]


def test_an_admin_creates_renames_and_manages_a_team(office):
    database, ids, client = office
    admin = client("admin")
    token = token_of(admin.get("/admin/teams?lang=en"))
    made = admin.post("/admin/teams", data={"csrf_token": token, "name": "Sud"})
    assert made.status_code == 200 and "<h2" in made.text and "Sud" in made.text
    taken = admin.post("/admin/teams", data={"csrf_token": token, "name": "Nord"})
    assert taken.status_code == 422 and "A team of that name exists already." in taken.text
    with database.uow() as uow:
        sud = uow.session.query(t.Team).filter_by(name="Sud").one().id
    changed = admin.post(f"/admin/teams/{sud}", data={
        "csrf_token": token, "name": "Sud-Ouest", "manager_id": str(ids["sales_ops"]),
        "reason": "Réorganisation"})  # fmt: skip
    assert changed.status_code == 200 and "Sud-Ouest" in changed.text
    with database.uow() as uow:
        team = uow.session.get_one(t.Team, sud)
        assert (team.name, team.manager_id) == ("Sud-Ouest", ids["sales_ops"])
    assert [row for row in audit_rows(database, "team") if row[0] == sud] == [
        (sud, "create", None), (sud, "update", "Réorganisation"), (sud, "update", "Réorganisation")
    ]  # fmt: skip
