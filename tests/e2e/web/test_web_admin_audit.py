"""The admin audit page (``/admin/audit``) and a lead page's audit section, through HTTP (no
browser needed: plain GET forms), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from bascule.playbook import service as playbooks
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users.sessions import COOKIE


def _client(database: Database, web_app, session_cookie, user_id: int) -> TestClient:
    client = TestClient(web_app(database))
    client.cookies.set(COOKIE, session_cookie(database, user_id))
    return client


def test_the_audit_page_filters_and_is_for_admins(db_url, web_app, session_cookie, sales_desk):
    database = Database(db_url)
    playbooks.forget(database)
    desk = sales_desk(database, amount=30000, paul_company="Agrinova")
    with database.uow(write=True) as uow:
        admin = users.create_user(
            uow, email="admin@bascule.fr", role="admin", name="Admin", now=datetime.now(UTC)
        )
        uow.commit()
        admin_id = admin.id
    as_admin = _client(database, web_app, session_cookie, admin_id)
    page = as_admin.get(f"/admin/audit?entity=lead&entity_id={desk.paul_id}")
    assert page.status_code == 200
    assert f"lead #{desk.paul_id}" in page.text and "Créé" in page.text  # the action, in words
    assert f"lead #{desk.claire_id}" not in page.text

    bad = as_admin.get("/admin/audit?from=tomorrow&entity=nothing")
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text and "from" in bad.text

    as_rep = _client(database, web_app, session_cookie, desk.rep_id)
    assert as_rep.get("/admin/audit").status_code == 403
    # The rep's own lead shows its audit; the admin's own lead is not found by the rep.
    lead = as_rep.get(f"/leads/{desk.paul_id}")
    assert lead.status_code == 200 and 'id="audit"' in lead.text
    database.dispose()
