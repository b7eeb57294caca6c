"""The admin's privacy page in Chromium (issue 12): look a person up, see what is held, erase
them with a reason; do-not-contact and consents on the lead page; nobody but an admin gets in;
no serious accessibility fault on a desktop or a 390 px phone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bascule.leads import service as leads
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.web.security import SESSION_COOKIE

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)
EMAIL = "ondine.verlaque@exemple.fr"
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter(v => ["serious", "critical"].includes(v.impact)).map(v => v.id)"""


@pytest.fixture
def site(db_url: str, serve: Any, web_app: Any, session_cookie: Any) -> Iterator[dict[str, Any]]:
    database = Database(db_url)
    playbooks.forget(database)
    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        admin = users.create_user(uow, email="dpo@bascule.fr", role="admin", name="DPO", now=now)
        rep = users.create_user(uow, email="rep@bascule.fr", role="sales", name="Rep", now=now)
        data = {"first_name": "Ondine", "last_name": "Verlaque", "email": EMAIL,
                "company": "Verlaque SAS", "source": "web_form", "do_not_contact": True,
                "consents": [{"purpose": "events", "granted": True}]}  # fmt: skip
        lead, _ = leads.create(
            uow, data=data, actor=users.actor_for(admin), playbook=default_playbook(), now=now
        )
        uow.commit()
        ids = {"admin": admin.id, "rep": rep.id, "lead": lead.id}
    base = serve(web_app(database))
    yield {
        "base": base,
        "lead": ids["lead"],
        "admin": session_cookie(database, ids["admin"]),
        "rep": session_cookie(database, ids["rep"]),
    }
    database.dispose()


def signed_in(browser: Any, site: dict[str, Any], who: str, **context: Any) -> Any:
    ctx = browser.new_context(locale="en-GB", **context)
    ctx.add_cookies([{"name": SESSION_COOKIE, "value": site[who], "url": site["base"]}])
    return ctx.new_page()


def test_an_admin_looks_a_person_up_and_erases_them(browser, site):
    page = signed_in(browser, site, "admin")
    page.goto(f"{site['base']}/leads/{site['lead']}?lang=en")
    assert page.locator(".do-not-contact-flag").inner_text().startswith("yes")
    assert "events: yes" in page.locator(".consents").inner_text()

    page.goto(f"{site['base']}/admin/privacy?lang=en")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Look up").click()
    held = page.locator("#held")
    assert f"#{site['lead']}" in held.inner_text()
    assert "Do not contact" in held.inner_text()
    page.get_by_label("Reason").fill("Demande écrite du 3 décembre")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Erase").click()

    assert "Leads: 1" in page.locator("#erased").inner_text()
    assert EMAIL not in page.url
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Look up").click()
    assert page.locator("#nothing-held").is_visible()
    page.goto(f"{site['base']}/leads/{site['lead']}?lang=en")
    assert "Verlaque" not in page.locator("h1").inner_text()


def test_only_an_admin_reaches_the_privacy_page(browser, site):
    page = signed_in(browser, site, "rep")
    response = page.goto(f"{site['base']}/admin/privacy?lang=en")
    assert response.status == 403


@pytest.mark.parametrize("width", [1280, 390])
def test_the_privacy_page_has_no_serious_accessibility_fault(browser, site, axe, width):
    # axe is injected by the test: only this context bypasses the pages' no-inline policy.
    page = signed_in(
        browser, site, "admin", viewport={"width": width, "height": 900}, bypass_csp=True
    )
    for lang in ("fr", "en"):
        page.goto(f"{site['base']}/admin/privacy?lang={lang}&email={EMAIL}")
        page.add_script_tag(path=str(axe))
        assert page.evaluate(RUN_AXE) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
