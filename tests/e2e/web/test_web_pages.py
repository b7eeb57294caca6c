"""The web UI in a real browser (Debian's Chromium driven by Playwright), on both databases."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from bascule.playbook import service as playbooks
from bascule.storage.uow import Database

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)


@pytest.fixture
def site(
    db_url: str,
    serve: Callable[[FastAPI], str],
    web_app: Any,
    with_password: Any,
    sales_desk: Any,
) -> Iterator[tuple[str, str]]:
    """A served app with one sales rep, two leads (one converted); yields (base url, the rep's
    password)."""
    database = Database(db_url)
    playbooks.forget(database)
    sales_desk(database, amount=30000, paul_company="Agrinova")
    password = with_password(database, "rep@bascule.fr")
    yield serve(web_app(database)), password
    database.dispose()


def test_sign_in_then_browse_leads_and_pipeline(site: tuple[str, str], page: Any) -> None:
    base, password = site
    p = page
    # Given a visitor without a session, when they open the lead list, they are asked to sign in.
    p.goto(f"{base}/leads")
    assert p.url.endswith("/login?next=%2Fleads")
    p.get_by_label("E-mail").fill("rep@bascule.fr")
    p.get_by_label("Mot de passe").fill("not the password")
    p.get_by_role("button", name="Se connecter").click()
    assert "Connexion refusée" in p.inner_text("[role=alert]")

    # When they sign in with their password, they land on the page they asked for and see both
    # leads with French labels (status and source). The session cookie is not for scripts.
    p.get_by_label("Mot de passe").fill(password)
    p.get_by_role("button", name="Se connecter").click()
    assert p.url.endswith("/leads")
    (session,) = [c for c in p.context.cookies() if c["name"] == "bascule_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    rows = p.locator("tbody tr")
    assert rows.count() == 2
    table = p.inner_text("table")
    assert "Claire Martin" in table and "Paul Durand" in table
    assert "Converti en opportunité" in table and "Nouveau lead" in table
    assert "Salon professionnel" in table and "trade_show" not in table

    # Filtering by status keeps only the converted lead.
    p.select_option("select[name=status]", "converted")
    p.click("form.filters button")
    assert p.locator("tbody tr").count() == 1

    # The lead page shows its history in words: new, then converted.
    p.click("text=Claire Martin")
    history = p.inner_text("main")
    assert "Nouveau lead → Converti en opportunité" in history
    assert "Remplacer le CRM actuel" in history

    # The pipeline shows the opportunity in its stage, amounts as French readers write them.
    p.goto(f"{base}/opportunities")
    assert p.locator("svg.chart rect.bar").count() == 4
    body = " ".join(p.inner_text("main").split())  # narrow no-break spaces become spaces
    assert "Projet CRM – Logitrans" in body
    assert "Qualification avancée" in body
    assert "30 000 €" in body.replace("\u202f", " ").replace("\xa0", " ")
    assert "31/03/2027" in body

    # In English (kept by a cookie for the next pages): the same figures, English formats.
    p.goto(f"{base}/opportunities?lang=en")
    assert p.locator("html").get_attribute("lang") == "en"
    p.goto(f"{base}/opportunities")
    body = p.inner_text("main")
    assert "Advanced qualification" in body
    assert "€30,000" in body and "Mar 31, 2027" in body

    # Signing out ends the session for good: the old cookie, put back, opens nothing.
    p.get_by_role("button", name="Sign out").click()
    assert p.url.endswith("/login")
    p.context.add_cookies([session])
    p.goto(f"{base}/leads")
    assert "/login" in p.url
