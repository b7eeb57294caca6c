"""A salesperson's day with opportunities, in a real browser (Debian's Chromium), on both
databases: converting a lead through the wizard (field errors, a lead not ready yet), moving
the opportunity on the board and its page (drag and drop, the "Stage" select, won, lost with
its reason), French formats on the board, and a cross-site form refused."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bascule.accounts import service as accounts
from bascule.opportunities import service as opportunities
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.web.security import SESSION_COOKIE

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)


@dataclass(frozen=True)
class Site:
    base: str
    database: Database
    cookie: str
    desk: Any
    sophie_id: int  # ready to convert

    def stage_of(self, opportunity_id: int) -> tuple[str, bool, str | None]:
        """(stage, won, loss reason) as stored."""
        with self.database.uow() as uow:
            opp = uow.session.get_one(t.Opportunity, opportunity_id)
            return opp.stage, opp.is_won, opp.loss_reason


@pytest.fixture
def site(
    db_url: str, serve: Callable[[FastAPI], str], web_app: Any, session_cookie: Any,
    sales_desk: Any, ready_lead: Any,
) -> Iterator[Site]:  # fmt: skip
    """A rep with Claire's opportunity (12 500 €, closing on 5 December 2026), Paul (not
    qualified) and Sophie (ready to convert, same company as Claire)."""
    database = Database(db_url)
    playbooks.forget(database)
    desk = sales_desk(database, amount=12500, paul_company="Agrinova")
    sophie = ready_lead(database, desk)
    with database.uow(write=True) as uow:
        actor = users.actor_for(uow.session.get_one(t.User, desk.rep_id))
        opportunities.update(
            uow, opportunity_id=desk.opportunity_id,
            changes={"expected_close_date": date(2026, 12, 5)}, actor=actor,
            playbook=default_playbook(), now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    base = serve(web_app(database))
    yield Site(base, database, session_cookie(database, desk.rep_id), desk, sophie)
    database.dispose()


def signed_in(browser: Any, site: Site, locale: str) -> Any:
    context = browser.new_context(locale=locale)
    context.add_cookies([{"name": SESSION_COOKIE, "value": site.cookie, "url": site.base}])
    return context.new_page()


def errors_beside_fields(page: Any) -> dict[str, str]:
    """Each field error with the id of the field it describes."""
    return {
        (item.get_attribute("id") or "").removesuffix("-error"): item.inner_text()
        for item in page.locator(".field-error").all()
    }


def test_sales_converts_a_ready_lead_then_wins_the_opportunity(browser: Any, site: Site) -> None:
    p = signed_in(browser, site, "en-US")
    # Given Paul, not qualified: the wizard lists what is missing, with a link to the
    # qualification form of his page, and offers no "Convert" button.
    p.goto(f"{site.base}/leads/{site.desk.paul_id}/convert?lang=en")
    missing = p.locator(".missing-criteria li").all_inner_texts()
    assert "The need is not confirmed." in missing and "The timing is unknown." in missing
    link = p.get_by_role("link", name="Complete the qualification")
    assert link.get_attribute("href") == f"/leads/{site.desk.paul_id}#qualification"
    assert p.get_by_role("button", name="Convert").count() == 0

    # Sophie is ready: the wizard offers Logitrans (same e-mail domain, already chosen) and
    # Claire's open opportunity on it, and says the contact is new.
    p.goto(f"{site.base}/leads/{site.sophie_id}/convert")
    assert p.get_by_role("radio", name=re.compile(r"^Logitrans")).is_checked()
    assert "same e-mail domain" in p.inner_text(".convert-form")
    assert p.get_by_role("radio", name=re.compile("Projet CRM – Logitrans")).count() == 1
    assert "A new contact is created from the lead" in p.inner_text(".convert-form")

    # Bad input: one error beside each field at fault, and nothing created.
    p.get_by_label("Amount").fill("-5")
    p.get_by_role("button", name="Convert").click()
    assert p.url.endswith(f"/leads/{site.sophie_id}/convert")
    assert errors_beside_fields(p) == {
        "opportunity-name": "Required.",
        "amount": "Must be greater than 0.",
        "expected-close-date": "Required.",
    }
    assert p.get_by_label("Amount").get_attribute("aria-invalid") == "true"

    # Good input: the opportunity's page opens.
    p.get_by_label("Opportunity name").fill("Second site – Logitrans")
    p.get_by_label("Amount").fill("12,500")
    p.get_by_label("Expected close date").fill("2026-12-05")
    p.get_by_role("button", name="Convert").click()
    assert re.search(r"/opportunities/\d+$", p.url)
    created = int(p.url.rsplit("/", 1)[1])
    assert p.get_by_role("heading", level=1).inner_text().startswith("Second site – Logitrans")
    assert "€12,500" in p.inner_text(".opportunity-facts")

    # The board shows it in its column; its "Stage" select and "Move" close it as won.
    p.goto(f"{site.base}/opportunities/board")
    card = p.locator(f"[data-card='{created}']")
    card.get_by_label("Stage").select_option("won")
    card.get_by_role("button", name="Move").click()
    assert p.url.endswith("/opportunities/board")
    assert p.locator(f"[data-card='{created}']").count() == 0
    assert site.stage_of(created) == ("won", True, None)
    p.goto(f"{site.base}/opportunities/{created}")
    assert "Won" in p.inner_text(".closed-state")
    assert p.get_by_role("button", name="Move").count() == 0  # closed: nothing to move
    p.context.close()


def test_drag_and_drop_moves_a_card_and_the_page_moves_with_the_select(
    browser: Any, site: Site
) -> None:
    p = signed_in(browser, site, "en-US")
    opp = site.desk.opportunity_id
    p.goto(f"{site.base}/opportunities/board")
    p.locator(f"[data-card='{opp}']").drag_to(p.locator("[data-drop-stage='proposal']"))
    p.wait_for_selector(f"[data-drop-stage='proposal'] [data-card='{opp}']")
    assert site.stage_of(opp)[0] == "proposal"

    # On the opportunity page: the "Stage" select and "Move", then its history.
    p.goto(f"{site.base}/opportunities/{opp}")
    p.get_by_label("Stage", exact=True).select_option("negotiation")
    p.get_by_role("button", name="Move").click()
    assert site.stage_of(opp)[0] == "negotiation"
    history = p.locator(".stage-history tbody tr").all_inner_texts()
    assert len(history) == 3  # created, proposal, negotiation
    assert "Proposal sent → Negotiation" in " ".join(history[-1].split())
    assert "Rep" in history[-1]
    p.context.close()


def test_lost_requires_a_reason(browser: Any, site: Site) -> None:
    p = signed_in(browser, site, "en-US")
    opp = site.desk.opportunity_id
    # On the page, lost without a reason is refused beside the "Loss reason" field.
    p.goto(f"{site.base}/opportunities/{opp}?lang=en")
    p.get_by_label("Stage", exact=True).select_option("lost")
    p.get_by_role("button", name="Move").click()
    assert errors_beside_fields(p) == {"lose-reason": "Choose a reason from the list."}
    assert site.stage_of(opp)[0] == "qualification"

    # From the board, a card sent to lost asks for the reason, then goes back to the board.
    p.goto(f"{site.base}/opportunities/board")
    card = p.locator(f"[data-card='{opp}']")
    card.get_by_label("Stage").select_option("lost")
    card.get_by_role("button", name="Move").click()
    assert p.get_by_role("heading", level=1).inner_text().startswith("Why was")
    assert site.stage_of(opp)[0] == "qualification"
    p.get_by_label("Loss reason").select_option("competitor")
    p.get_by_role("button", name="Move").click()
    assert p.url.endswith("/opportunities/board")
    assert site.stage_of(opp) == ("lost", False, "competitor")
    p.context.close()


def test_french_formats_on_the_board_and_list(browser: Any, site: Site) -> None:
    p = signed_in(browser, site, "fr-FR")
    p.goto(f"{site.base}/opportunities/board?lang=fr")
    assert p.locator("html").get_attribute("lang") == "fr"
    totals = p.locator("[data-stage-totals='qualification']")
    assert totals.locator("[data-count]").inner_text() == "1"
    words = " ".join(totals.inner_text().split())
    assert "12 500 €" in words and "1 250 €" in words  # weighted at 10 %
    card = p.locator(f"[data-card='{site.desk.opportunity_id}']")
    assert " ".join(card.inner_text().split()).count("12 500 € · 05/12/2026") == 1
    assert card.get_by_label("Étape").count() == 1
    assert card.get_by_role("button", name="Déplacer").count() == 1

    # The filters: another close month empties the column; "mine" keeps it.
    p.get_by_label("Mois de clôture").fill("2027-01")
    p.get_by_role("button", name="Filtrer").click()
    assert "close_month=2027-01" in p.url
    assert p.locator("[data-stage-totals='qualification'] [data-count]").inner_text() == "0"
    p.goto(f"{site.base}/opportunities/board?owner=me&close_month=2026-12")
    assert p.locator("[data-stage-totals='qualification'] [data-count]").inner_text() == "1"

    p.goto(f"{site.base}/opportunities?state=all&sort=-amount")
    rows = p.locator(".opportunity-list tbody tr").all_inner_texts()
    assert len(rows) == 1 and "05/12/2026" in rows[0]
    p.context.close()


def test_a_cross_site_move_is_refused(site: Site, web_app: Any) -> None:
    client = TestClient(web_app(site.database), base_url="http://bascule.test")
    client.cookies.set(SESSION_COOKIE, site.cookie)
    page = client.get(f"/opportunities/{site.desk.opportunity_id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"csrf_token": token[1], "stage": "won"}
    target = f"/opportunities/{site.desk.opportunity_id}/stage"
    forged = client.post(target, data=form, headers={"Origin": "https://evil.example"})
    tokenless = client.post(target, data={"stage": "won"})
    assert (forged.status_code, tokenless.status_code) == (403, 403)
    assert site.stage_of(site.desk.opportunity_id)[0] == "qualification"
    wizard = client.post(
        f"/leads/{site.sophie_id}/convert", data={"amount": "1"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )  # fmt: skip
    assert wizard.status_code == 403
    # The same form from our own page goes through.
    own = client.post(target, data=form, follow_redirects=False)
    assert own.status_code == 303
    assert site.stage_of(site.desk.opportunity_id)[0] == "won"


def _form_client(site: Site, web_app: Any, path: str) -> tuple[TestClient, str]:
    client = TestClient(web_app(site.database), base_url="http://bascule.test")
    client.cookies.set(SESSION_COOKIE, site.cookie)
    page = client.get(path, params={"lang": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text[:500]
    return client, token[1]


def test_the_wizard_asks_to_choose_between_matching_accounts_or_create_one(
    site: Site, web_app: Any
) -> None:
    # Given a second account on Sophie's e-mail domain, the match is ambiguous: no account is
    # chosen for her, and converting without a choice says so beside the account choice.
    with site.database.uow(write=True) as uow:
        actor = users.actor_for(uow.session.get_one(t.User, site.desk.rep_id))
        accounts.create_account(
            uow, data={"name": "Logitrans Est", "domain": "logitrans.fr"}, actor=actor,
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    path = f"/leads/{site.sophie_id}/convert"
    client, token = _form_client(site, web_app, path)
    page = client.get(path).text
    assert "Several accounts match this lead: choose one." in page
    assert len(re.findall(r'name="account" id="account-\d+"', page)) == 2
    assert re.search(r'name="account" id="account-\d+" value="\d+" checked', page) is None
    form = {
        "csrf_token": token, "target": "new", "opportunity_name": "Second site",
        "amount": "12,500", "expected_close_date": "2026-12-05", "stage": "qualification",
    }  # fmt: skip
    refused = client.post(path, data=form)
    assert refused.status_code == 422
    assert '<p class="field-error" id="account-error">Several accounts match: choose one.</p>' in (
        refused.text
    )
    # Creating a third account is a choice too.
    done = client.post(path, data=form | {"account": "new"}, follow_redirects=False)
    assert done.status_code == 303
    with site.database.uow() as uow:
        (opp,) = [o for o in uow.session.query(t.Opportunity) if o.name == "Second site"]
        names = sorted(a.name for a in uow.session.query(t.Account))
        assert (opp.amount, opp.lead_id) == (Decimal("12500.00"), site.sophie_id)
    assert names == ["Logitrans", "Logitrans", "Logitrans Est"]


def test_the_wizard_adds_a_lead_to_an_open_opportunity(site: Site, web_app: Any) -> None:
    path = f"/leads/{site.sophie_id}/convert"
    client, token = _form_client(site, web_app, path)
    form = {"csrf_token": token, "account": "", "target": str(site.desk.opportunity_id)}
    done = client.post(path, data=form, follow_redirects=False)
    assert done.headers["location"] == f"/opportunities/{site.desk.opportunity_id}"
    page = client.get(done.headers["location"]).text
    assert "sophie@logitrans.fr" in page and "claire@logitrans.fr" in page
    # The wizard of a converted lead opens what it produced.
    again = client.get(path, follow_redirects=False)
    assert again.headers["location"] == f"/opportunities/{site.desk.opportunity_id}"


def test_marketing_may_read_but_not_move_an_opportunity(
    site: Site, web_app: Any, session_cookie: Any
) -> None:
    with site.database.uow(write=True) as uow:
        user = users.create_user(
            uow, email="marketing@bascule.fr", role="marketing", now=datetime.now(UTC)
        )
        uow.commit()
        marketing = user.id
    client = TestClient(web_app(site.database), base_url="http://bascule.test")
    client.cookies.set(SESSION_COOKIE, session_cookie(site.database, marketing))
    path = f"/opportunities/{site.desk.opportunity_id}"
    page = client.get(path)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token is not None
    refused = client.post(f"{path}/stage", data={"csrf_token": token[1], "stage": "won"})
    assert refused.status_code == 403
    assert site.stage_of(site.desk.opportunity_id)[0] == "qualification"
