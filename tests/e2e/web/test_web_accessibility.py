"""Every page through axe-core (injected from the npm package ``make axe`` installs), on a
desktop and on a 390 px phone: no serious or critical violation, and at 390 px the page never
scrolls sideways (a wide table scrolls in its own box). In both languages."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.web import staged as staging
from bascule.web.security import SESSION_COOKIE

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)}));
}"""


# The lead list with every column, a sort and filters (and a refused one): the widest it gets.
LIST_SET_UP = (
    "/leads?status=new&status=contacted&sort=-score&min_score=nonsense&col=name&col=company"
    "&col=owner&col=status&col=source&col=score&col=temperature&col=ready&col=sla&col=created"
    "&col=tags"
)


def _fill_lead_pages(database: Database, rep_id: int, lead_id: int) -> None:
    """A saved view (its rename and delete forms), a tag and a logged call on Paul's page."""
    from bascule.leads import actions, listing, saved_views
    from bascule.leads import service as leads
    from bascule.playbook.load import default_playbook
    from bascule.storage import tables as t
    from bascule.users import service as users

    now = datetime.now(UTC)
    playbook = default_playbook()
    with database.uow(write=True) as uow:
        actor = users.actor_for(uow.session.get(t.User, rep_id))
        query = listing.LeadQuery(status=("new",), sort="-score")
        saved_views.create(uow, actor=actor, name="Nouveaux leads chauds", query=query, now=now)
        actions.add_tag(uow, lead_id=lead_id, tag="salon-lyon-2026", actor=actor,
                        playbook=playbook, now=now)  # fmt: skip
        call = {"kind": "call", "direction": "out", "outcome": "no_answer", "summary": "Rappeler"}
        leads.log_activity(uow, lead_id=lead_id, data=call, actor=actor, playbook=playbook,
                           now=now)  # fmt: skip
        uow.commit()


@pytest.fixture
def site(
    db_url: str,
    serve: Callable[[FastAPI], str],
    web_app: Any,
    session_cookie: Any,
    sales_desk: Any,
    ready_lead: Any,
) -> Iterator[dict[str, Any]]:
    """A served app with a sales rep (signed in by cookie), a lead with its history, and a
    converted lead whose opportunity fills the pipeline."""
    if not db_url.startswith("sqlite"):
        pytest.skip("axe judges the markup, which is the same on either database")
    database = Database(db_url)
    playbooks.forget(database)
    # A long company name and a seven-figure amount: what stretches a page on a phone.
    desk = sales_desk(
        database, amount=1101600, paul_company="Agrinova Coopérative Ouest",
        claire={"temperature": "hot"},
    )  # fmt: skip
    sophie = ready_lead(database, desk)
    _fill_lead_pages(database, desk.rep_id, desk.paul_id)
    base = serve(web_app(database))
    imported = import_pages(database, desk.rep_id)
    with database.uow() as uow:
        claire = uow.session.get(t.Lead, desk.claire_id)
        account_id, contact_id = claire.account_id, claire.contact_id
    yield {
        "base": base,
        "cookie": session_cookie(database, desk.rep_id),
        "pages": [
            "/", "/leads", f"/leads/{desk.claire_id}", f"/leads/{desk.paul_id}", LIST_SET_UP,
            "/opportunities",
            "/reports/sla", "/reports/requalifications", "/reports/sla?from=nonsense",
            "/reports/funnel", "/reports/funnel?group_by=month",
            "/reports/pipeline?to=2027-12-31&group_by=month", "/reports/loss-reasons",
            "/reports/stage-times?pipeline=opportunity", "/reports/backtest",
            "/reports/backtest?scoring.mql_threshold=20",
            "/reports/backtest?scoring.half_life_days=0&scoring.signals.page_view.points=x",
            "/reports/funnel?group_by=colour",
            "/no-such-page", "/accounts", f"/accounts/{account_id}", "/contacts",
            f"/contacts/{contact_id}", *imported, "/opportunities/board",
            f"/opportunities/{desk.opportunity_id}",
            f"/leads/{desk.paul_id}/convert", f"/leads/{sophie}/convert",
            "/opportunities?state=all&sort=-amount",
            "/leads?reached=mql&segment=none&owner=none&stalled=true&campaign=none&outcome=x",
            "/opportunities?state=lost&loss_reason=none&closed_from=2026-01-01&stage=nope",
        ],
    }  # fmt: skip
    database.dispose()


def import_pages(database: Database, user_id: int) -> list[str]:
    """The import pages of a file with a bad row: its mapping (staged for this user), the
    list of imports and the report of a finished import with its row errors."""
    content = b"Nom,Courriel,Divers\nDupont,dupont@acme.fr,x\n,pas-un-email,y\n"
    staged = staging.stage(io.BytesIO(content), filename="salon.csv", user_id=user_id)
    with database.uow() as uow:
        actor = users.actor_for(uow.session.get(t.User, user_id))
    batch, _ = imports.run(
        database, io.BytesIO(content), options=imports.ImportOptions("salon.csv", tag="Salon"),
        actor=actor, playbook=default_playbook(), now=datetime.now(UTC),
    )  # fmt: skip
    return ["/imports", f"/imports/new/{staged.id}", f"/imports/{batch.id}"]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_page_passes_axe_and_fits_a_phone(
    site: dict[str, Any], browser: Any, axe: Path, viewport: str, language: str
) -> None:
    # axe is injected as a script of the test: the pages' own policy (no inline script) would
    # refuse it, so this context alone bypasses it.
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        bypass_csp=True,
        locale="fr-FR" if language == "fr" else "en-US",
    )
    page = context.new_page()
    found: dict[str, list[dict[str, Any]]] = {}
    too_wide: dict[str, int] = {}

    def check(path: str) -> None:
        assert page.locator("html").get_attribute("lang") == language, path
        page.add_script_tag(path=str(axe))
        serious = [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]
        if serious:
            found[path] = serious
        width = page.evaluate("document.documentElement.scrollWidth")
        if viewport == "phone" and width > VIEWPORTS["phone"]["width"]:
            too_wide[path] = width

    try:
        # Signed out first: the sign-in page; then every page of a signed-in rep.
        page.goto(site["base"] + "/login")
        check("/login")
        session = {"name": SESSION_COOKIE, "value": site["cookie"], "url": site["base"]}
        context.add_cookies([session])
        for path in site["pages"]:
            page.goto(site["base"] + path)
            assert "/login" not in page.url, path
            check(path)
    finally:
        context.close()

    assert found == {}
    assert too_wide == {}
