"""The admin pages in Chromium (issue 12): an admin creates a user, marks them away, and
deactivates a rep after a preview of where the rep's open lead goes; creates and revokes an
API token and a form key (each shown once); edits the playbook (an error shown at its line
and field, then a valid change, its diff, apply, the history, a roll-back). Every admin page
has no serious accessibility fault on a desktop or a 390 px phone, in French and English."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bascule.playbook import service as playbooks
from bascule.playbook.load import default_text
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.web.security import SESSION_COOKIE

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
  .filter(v => ["serious", "critical"].includes(v.impact))
  .map(v => v.id + " " + v.nodes[0].target)"""
ADMIN = "admin@bascule.fr"
# The active playbook places the open leads of a departing user with the admin.
ROUTED = default_text().replace(
    "enabled = true\nrules = []", f'enabled = true\nrules = []\nfallback_owner = "{ADMIN}"'
)


@pytest.fixture
def site(
    db_url: str, serve: Any, web_app: Any, session_cookie: Any, sales_desk: Any
) -> Iterator[dict[str, Any]]:
    database = Database(db_url)
    playbooks.forget(database)
    desk = sales_desk(database, amount=30000, paul_company="Agrinova")
    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        admin = users.create_user(uow, email=ADMIN, role="admin", name="Alice Admin", now=now)
        playbooks.apply(uow, text=ROUTED, by=ADMIN, now=now)
        uow.commit()
        admin_id = admin.id
    playbooks.forget(database)
    base = serve(web_app(database))
    yield {
        "base": base,
        "database": database,
        "desk": desk,
        "admin": session_cookie(database, admin_id),
    }
    database.dispose()


def signed_in(browser: Any, site: dict[str, Any], **context: Any) -> Any:
    ctx = browser.new_context(locale="en-GB", **context)
    ctx.add_cookies([{"name": SESSION_COOKIE, "value": site["admin"], "url": site["base"]}])
    return ctx.new_page()


def test_an_admin_creates_a_user_marks_them_away_and_deactivates_a_rep(browser, site):
    page = signed_in(browser, site)
    page.goto(f"{site['base']}/?lang=en")
    page.locator("#admin-link").click()
    assert page.url.endswith("/admin/users")

    page.get_by_label("Email").fill("camille.roux@bascule.fr")
    page.get_by_label("Name", exact=True).fill("Camille Roux")
    page.locator("#new-role").select_option("sdr")
    page.get_by_label("Reason (optional)").fill("Arrivée en décembre")
    page.get_by_role("button", name="Create user").click()
    assert page.locator("#done").inner_text() == "The user was created."
    assert "Camille Roux" in page.locator("h1").inner_text()

    today = date.today()
    page.get_by_label("Away from").fill(today.isoformat())
    page.get_by_label("Away until (included)").fill((today + timedelta(days=6)).isoformat())
    page.get_by_role("button", name="Mark away").click()
    assert page.locator("#done").inner_text() == "The absence was saved."
    assert page.locator("#state").inner_text() == "Away"

    desk = site["desk"]
    page.goto(f"{site['base']}/admin/users/{desk.rep_id}")
    page.get_by_role("link", name="Deactivate…").click()
    preview = page.locator("#reassigned")
    assert f"#{desk.paul_id}" in preview.inner_text() and ADMIN in preview.inner_text()
    assert f"#{desk.opportunity_id}" in page.locator("#opportunities").inner_text()
    with site["database"].uow() as uow:  # the preview wrote nothing
        rep = uow.session.get(t.User, desk.rep_id)
        assert rep.is_active
        assert uow.session.get(t.Lead, desk.paul_id).owner_id == desk.rep_id
    page.get_by_label("Reason (optional)").fill("Départ le 5 décembre")
    page.get_by_role("button", name="Confirm deactivation").click()
    assert "Open leads routed again: 1" in page.locator("#done").inner_text()
    assert ADMIN in page.locator("#reassigned").inner_text()
    with site["database"].uow() as uow:
        assert not uow.session.get(t.User, desk.rep_id).is_active
        assert uow.session.get(t.Lead, desk.paul_id).owner_id != desk.rep_id
        reasons = {
            row.action: row.reason for row in uow.session.query(t.AuditLog).filter_by(entity="user")
        }
    assert reasons["deactivate"] == "Départ le 5 décembre"
    assert reasons["create"] == "Arrivée en décembre"

    page.get_by_role("link", name="Back to the user").click()
    assert page.locator("#state").inner_text() == "Deactivated"
    page.get_by_role("button", name="Reactivate").click()
    assert page.locator("#done").inner_text() == "The user is active again."
    assert page.locator("#state").inner_text() == "Active"


def test_tokens_and_form_keys_are_shown_once_and_revoked(browser, site):
    page = signed_in(browser, site)
    page.goto(f"{site['base']}/admin/tokens?lang=en")
    page.locator("#token-email").select_option("rep@bascule.fr")
    page.get_by_label("Label").fill("Zapier")
    page.get_by_label("Expires in").fill("30d")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#shown-secret").input_value()
    assert secret.startswith("bsc_") and len(secret) > 40
    row = page.locator("#tokens tbody tr", has_text="Zapier")
    assert secret[:12] in row.inner_text() and "Active" in row.inner_text()
    page.goto(f"{site['base']}/admin/tokens")
    assert page.locator("#shown-secret").count() == 0
    assert secret not in page.content()
    page.get_by_role("button", name=f"Revoke token {secret[:12]}").click()
    assert "Revoked" in page.locator("#tokens tbody tr", has_text="Zapier").inner_text()

    page.goto(f"{site['base']}/admin/form-keys")
    page.locator("#key-form_type").select_option("demo_request")
    page.get_by_label("Label").fill("Site vitrine")
    page.get_by_role("button", name="Create form key").click()
    key = page.locator("#shown-secret").input_value()
    assert key.startswith("bfk_")
    page.goto(f"{site['base']}/admin/form-keys")
    assert key not in page.content()
    row = page.locator("#form-keys tbody tr", has_text="Site vitrine")
    assert "Active" in row.inner_text()
    row.get_by_role("button").click()
    assert "Revoked" in page.locator("#form-keys tbody tr", has_text="Site vitrine").inner_text()


def test_the_playbook_is_checked_previewed_applied_and_rolled_back(browser, site):
    page = signed_in(browser, site)
    page.goto(f"{site['base']}/admin/playbook?lang=en")
    assert "version 1" in page.locator("#active-version").inner_text()
    editor = page.get_by_label("Playbook (TOML)")
    text = editor.input_value()
    line = text.splitlines().index("mql_threshold = 50") + 1
    editor.fill(text.replace("mql_threshold = 50", 'mql_threshold = "lots"'))
    page.get_by_role("button", name="Check and preview").click()
    problem = page.locator(".playbook-problem").first.inner_text()
    assert f"Line {line}" in problem and "scoring.mql_threshold" in problem
    # The text typed is kept for its correction; nothing was stored.
    assert 'mql_threshold = "lots"' in page.get_by_label("Playbook (TOML)").input_value()

    page.get_by_label("Playbook (TOML)").fill(
        text.replace("mql_threshold = 50", "mql_threshold = 60")
    )
    page.get_by_role("button", name="Check and preview").click()
    diff = page.locator("#diff")
    assert diff.locator(".diff-removed").inner_text().endswith("mql_threshold = 50")
    assert diff.locator(".diff-added").inner_text().endswith("mql_threshold = 60")
    assert "removed" in diff.locator(".diff-removed").inner_text()  # said, not only coloured
    page.get_by_label("Reason (optional)").fill("Moins de MQL")
    page.get_by_role("button", name="Apply as the new version").click()
    assert "Version 2" in page.locator("#applied").inner_text()
    history = page.locator("#history tbody tr")
    assert ADMIN in history.first.inner_text() and "2 (active)" in history.first.inner_text()
    assert "mql_threshold = 60" in page.get_by_label("Playbook (TOML)").input_value()

    page.get_by_role("button", name="Roll back to version 1").click()
    assert page.locator("#diff .diff-added").inner_text().endswith("mql_threshold = 50")
    page.get_by_role("button", name="Apply as the new version").click()
    assert "Version 3" in page.locator("#applied").inner_text()
    with site["database"].uow() as uow:
        version, active = playbooks.active_text(uow)
        reasons = [r.reason for r in uow.session.query(t.AuditLog).filter_by(entity="playbook")]
    assert version == 3 and active == ROUTED
    assert "Moins de MQL" in reasons


@pytest.mark.parametrize("width", [1280, 390])
def test_every_admin_page_has_no_serious_accessibility_fault(browser, site, axe, width):
    # axe is injected by the test: only this context bypasses the pages' no-inline policy.
    page = signed_in(browser, site, viewport={"width": width, "height": 900}, bypass_csp=True)
    desk = site["desk"]
    rep = f"/admin/users/{desk.rep_id}"
    paths = ["/admin/users", rep, f"{rep}/deactivate", "/admin/teams", "/admin/tokens",
             "/admin/form-keys", "/admin/playbook"]  # fmt: skip
    found: dict[str, list[str]] = {}
    too_wide: dict[str, int] = {}

    def check(where: str) -> None:
        page.add_script_tag(path=str(axe))
        if faults := page.evaluate(RUN_AXE):
            found[where] = faults
        if (wide := page.evaluate("document.documentElement.scrollWidth")) > width:
            too_wide[where] = wide

    for lang in ("fr", "en"):
        for path in paths:
            page.goto(f"{site['base']}{path}?lang={lang}")
            assert page.locator("html").get_attribute("lang") == lang
            check(f"{path} {lang}")
    # The preview with its diff, and the editor with an error.
    page.goto(f"{site['base']}/admin/playbook?lang=en")
    text = page.locator("#playbook-text").input_value()
    page.locator("#playbook-text").fill(text.replace("mql_threshold = 50", "mql_threshold = 55"))
    page.locator("#editor button").click()
    check("playbook preview")
    page.locator("#playbook-text").fill("name = ")
    page.locator("#editor button").click()
    assert page.locator(".playbook-problem").count() == 1
    check("playbook errors")
    assert found == {}
    assert too_wide == {}
