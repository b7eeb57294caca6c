"""Daily jobs on leads in a real browser (Debian's Chromium driven by Playwright), on both
databases, through the accessible names of SPEC §17: an SDR logs a call nobody answered, then
qualifies the lead, which becomes ready to convert; a manager reassigns a lead; someone sets
up the lead list (filters, sort) and saves it as a view."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from bascule.leads import service as leads
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook
from bascule.storage.uow import Database
from bascule.users import service as users

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)


@dataclass(frozen=True)
class Desk:
    base: str
    password: str
    lead_id: int  # Hugo's, a demo request the SDR owns
    other_id: int  # Léa's, nobody's


@pytest.fixture
def desk(
    db_url: str, serve: Callable[[FastAPI], str], web_app: Any, with_password: Any
) -> Iterator[Desk]:
    database = Database(db_url)
    playbooks.forget(database)
    now = datetime.now(UTC)
    playbook = default_playbook()
    with database.uow(write=True) as uow:
        users.create_user(uow, email="lucie@bascule.fr", role="admin", name="Lucie Admin", now=now)
        sdr = users.create_user(uow, email="sam@bascule.fr", role="sdr", name="Sam Sdr", now=now)
        actor = users.actor_for(sdr)
        hugo = {"first_name": "Hugo", "last_name": "Perrin", "email": "hugo@forges.fr",
                "company": "Forges de l'Est", "source": "demo_request",
                "temperature": "hot"}  # fmt: skip
        lea = {"first_name": "Léa", "last_name": "Morin", "email": "lea@dalles.fr",
               "company": "Dalles", "source": "trade_show", "owner_id": None}  # fmt: skip
        lead, _ = leads.create(uow, data=hugo, actor=actor, playbook=playbook, now=now)
        other, _ = leads.create(uow, data=lea, actor=actor, playbook=playbook, now=now)
        leads.update(uow, lead_id=other.id, changes={"owner_id": None}, actor=actor,
                     playbook=playbook, now=now)  # fmt: skip
        uow.commit()
        ids = (lead.id, other.id)
    password = with_password(database, "sam@bascule.fr")
    with_password(database, "lucie@bascule.fr", password)
    yield Desk(serve(web_app(database)), password, *ids)
    database.dispose()


def sign_in(p: Any, desk: Desk, email: str, path: str) -> None:
    p.goto(f"{desk.base}/login?lang=en&next={path}")
    p.get_by_label("Email").fill(email)
    p.get_by_label("Password").fill(desk.password)
    p.get_by_role("button", name="Sign in").click()
    assert p.url.endswith(path)


def test_an_sdr_logs_a_call_nobody_answered_then_qualifies_the_lead_until_it_is_ready(
    desk: Desk, page: Any
) -> None:
    p = page
    sign_in(p, desk, "sam@bascule.fr", f"/leads/{desk.lead_id}")
    assert "Failed contact attempts in a row: 0" in p.inner_text(".attempts-note")

    # Two clicks and typing: the type is a call already; the outcome, a note, the button.
    p.get_by_label("Type", exact=True).select_option("call")
    p.get_by_label("Outcome").select_option(label="No answer")
    p.get_by_label("Notes").fill("Standard, then voicemail full")
    p.get_by_role("button", name="Log activity").click()

    assert p.get_by_role("status").inner_text() == "Activity logged."
    assert "Failed contact attempts in a row: 1" in p.inner_text(".attempts-note")
    timeline = p.inner_text("#timeline")
    assert "Call · outbound · No answer" in timeline
    assert "Standard, then voicemail full" in timeline and "by Sam Sdr" in timeline
    # The first outbound call answered the first-response deadline and moved the lead on.
    assert "New lead → Contacted" in timeline
    missing = p.inner_text(".missing")
    assert "A confirmed need" in missing and "A known timing" in missing

    p.get_by_label("Budget", exact=True).select_option("range")
    p.get_by_label("Budget from").fill("20 000")
    p.get_by_label("Budget up to").fill("40 000")
    p.get_by_label("Need", exact=True).fill("Replace three spreadsheets used by 40 sellers")
    p.get_by_label("The need is confirmed").check()
    p.get_by_label("Timing").select_option(label="Within 3 months")
    p.get_by_role("button", name="Save qualification").click()

    assert p.get_by_role("status").inner_text() == "Qualification saved."
    assert p.inner_text("dd.ready") == "yes"
    assert p.locator(".missing").count() == 0
    assert p.get_by_label("Budget from").input_value() == "20,000"
    convert = p.get_by_role("link", name="Convert", exact=True)
    assert convert.get_attribute("href") == f"/leads/{desk.lead_id}/convert"
    # The SDR manages nobody: no reassignment on the page.
    assert p.get_by_role("button", name="Reassign").count() == 0


def test_a_manager_reassigns_a_lead_nobody_owned(desk: Desk, page: Any) -> None:
    p = page
    sign_in(p, desk, "lucie@bascule.fr", f"/leads/{desk.other_id}")
    assert p.inner_text("dd.owner") == "Unassigned"

    p.get_by_label("New owner").select_option(label="Sam Sdr")
    p.get_by_role("button", name="Reassign").click()

    assert p.get_by_role("status").inner_text() == "Lead reassigned."
    assert p.inner_text("dd.owner") == "Sam Sdr"
    assert "given to sam@bascule.fr by Lucie Admin" in p.inner_text("#timeline")


def test_the_list_is_filtered_sorted_and_saved_as_a_view_in_french(desk: Desk, page: Any) -> None:
    p = page
    sign_in(p, desk, "lucie@bascule.fr", "/leads")
    p.goto(f"{desk.base}/leads?lang=fr")
    rows = p.locator("tbody tr")
    assert rows.count() == 2
    assert "Page 1 sur 1" in p.inner_text(".pager")
    today = datetime.now(UTC).astimezone().strftime("%d/%m/%Y")
    assert today in p.inner_text("tbody")

    # Filter: trade-show leads only; the address holds it.
    p.get_by_role("combobox", name="Source").select_option(label="Salon professionnel")
    p.get_by_role("button", name="Filtrer").click()
    assert "source=trade_show" in p.url
    assert rows.count() == 1 and "Léa Morin" in p.inner_text("tbody")

    # Sort by name (a click on the header), then the other way.
    p.get_by_role("link", name=re.compile("^Effacer")).click()
    p.get_by_role("link", name="Nom", exact=True).click()
    assert "sort=name" in p.url
    assert p.locator("tbody tr td:first-child").all_inner_texts() == ["Léa Morin", "Hugo Perrin"]
    p.get_by_role("link", name=re.compile("^Nom")).click()
    assert "sort=-name" in p.url
    assert p.locator("tbody tr td:first-child").all_inner_texts() == ["Hugo Perrin", "Léa Morin"]

    # Saved as a view: listed, and opening it again gives the same list.
    p.get_by_label("Nom de la vue").fill("Par nom")
    p.get_by_role("button", name="Enregistrer cette vue").click()
    assert p.get_by_role("status").inner_text() == "Vue enregistrée."
    p.goto(f"{desk.base}/leads")
    p.get_by_role("link", name="Par nom").click()
    # Waits for the view's page to load, not only for its address (flaky under load otherwise).
    p.wait_for_url(re.compile(r"/leads\?sort=-name$"))
    assert p.locator("tbody tr td:first-child").all_inner_texts() == ["Hugo Perrin", "Léa Morin"]
