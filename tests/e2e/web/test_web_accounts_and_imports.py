"""Accounts, contacts and the import page in a real browser (Debian's Chromium driven by
Playwright), on both databases: marketing imports a trade-show vCard file with a tag and undoes
it; a CSV whose mapping is changed goes through a dry run first; a rep finds an account by
search and sees its contacts and opportunities."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.web.security import SESSION_COOKIE

pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium"), reason="Debian's chromium is not installed"
)

VCARDS = Path(__file__).parents[4] / "shared" / "data" / "vcf" / "ez-vcard" / "gmail-list.vcf"
if not VCARDS.exists():  # a worktree beside /work/main: the shared data is one level up
    VCARDS = Path("/work/shared/data/vcf/ez-vcard/gmail-list.vcf")
TRADE_SHOW_CSV = (
    "Prénom,Nom,Courriel,Société,Fonction occupée\n"
    "Anne,Dupont,anne.dupont@acme-industrie.fr,Acme Industrie,Directrice achats\n"
    "Jean,Roux,jean.roux@zeta.fr,Zeta,DSI\n"
    'Luc,Blanc,=HYPERLINK("http://evil.example"),Blanc SA,CEO\n'
    ",,,,\n"
    "Marc,,,,\n"
    ",,,,Stagiaire\n"
)


@pytest.fixture
def site(
    db_url: str, serve: Callable[[FastAPI], str], web_app: Any, session_cookie: Any,
    sales_desk: Any,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    database = Database(db_url)
    playbooks.forget(database)
    desk = sales_desk(database, amount=1101600, paul_company="Agrinova")
    with database.uow(write=True) as uow:
        marketer = users.create_user(
            uow, email="marketing@bascule.fr", role="marketing", name="Maud Marketing",
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    base = serve(web_app(database))
    yield {
        "base": base,
        "database": database,
        "desk": desk,
        "marketing": session_cookie(database, marketer.id),
        "rep": session_cookie(database, desk.rep_id),
    }
    database.dispose()


def signed_in(browser: Any, site: dict[str, Any], who: str, locale: str = "en-US") -> Any:
    context = browser.new_context(locale=locale, accept_downloads=True)
    context.add_cookies([{"name": SESSION_COOKIE, "value": site[who], "url": site["base"]}])
    return context


def count(database: Database, query: Any) -> int:
    with database.uow() as uow:
        return int(uow.session.execute(query).scalar_one())


def tagged(database: Database, tag: str) -> int:
    query = (
        select(func.count())
        .select_from(t.LeadTag)
        .join(t.Tag, t.Tag.id == t.LeadTag.tag_id)
        .where(t.Tag.name == tag.lower())
    )
    return count(database, query)


def test_marketing_imports_a_vcard_file_with_a_tag_and_undoes_it(
    site: dict[str, Any], browser: Any
) -> None:
    database = site["database"]
    leads_before = count(database, select(func.count()).select_from(t.Lead))
    context = signed_in(browser, site, "marketing")
    p = context.new_page()
    try:
        # The nav leads to the import page; the file goes up, its fields come back.
        p.goto(site["base"] + "/")
        p.get_by_role("link", name="Import", exact=True).click()
        assert p.url.endswith("/imports")
        p.get_by_label("File", exact=True).set_input_files(str(VCARDS))
        p.get_by_role("button", name="Upload").click()
        assert "/imports/new/" in p.url
        mapping = p.inner_text("table.mapping")
        assert "asmithk@gmail.com" in mapping and "Email" in mapping
        assert p.locator("table.mapping select").count() == 0  # a vCard's fields are fixed

        # With a tag and a temperature, the import runs; its page follows it to the end.
        p.get_by_label("Tag", exact=True).fill("Salon Lyon 2026")
        p.get_by_label("Temperature", exact=True).select_option("warm")
        p.get_by_role("button", name="Import", exact=True).click()
        p.wait_for_url("**/imports/*")
        p.wait_for_selector("[data-import-status=done]", timeout=30000)
        assert p.inner_text("[data-count=created]") == "3"
        assert tagged(database, "Salon Lyon 2026") == 3
        assert count(database, select(func.count()).select_from(t.Lead)) == leads_before + 3

        # Undo removes the three leads; the page says so, and offers no second undo.
        p.get_by_role("button", name="Undo import").click()
        assert "Undone: 3 leads deleted" in p.inner_text("main")
        assert p.get_by_role("button", name="Undo import").count() == 0
        assert tagged(database, "Salon Lyon 2026") == 0
        assert count(database, select(func.count()).select_from(t.Lead)) == leads_before

        # The list of imports shows it, undone.
        p.goto(site["base"] + "/imports")
        assert "gmail-list.vcf" in p.inner_text("table") and "Undone" in p.inner_text("table")
    finally:
        context.close()


def test_a_csv_mapping_changed_then_dry_run_writes_nothing_and_lists_row_errors(
    site: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    database = site["database"]
    leads_before = count(database, select(func.count()).select_from(t.Lead))
    upload = tmp_path / "salon.csv"
    upload.write_text(TRADE_SHOW_CSV, encoding="utf-8")
    context = signed_in(browser, site, "marketing")
    p = context.new_page()
    try:
        p.goto(site["base"] + "/imports")
        p.get_by_label("File", exact=True).set_input_files(str(upload))
        p.get_by_role("button", name="Upload").click()
        # Each column with its values and the field it goes to; the unknown header fills none.
        column = p.get_by_label("Field for column Fonction occupée")
        assert column.input_value() == ""
        assert p.get_by_label("Field for column Courriel").input_value() == "email"
        assert "Directrice achats" in p.inner_text("table.mapping")
        column.select_option("job_title")

        p.get_by_label("Tag", exact=True).fill("Salon")
        p.get_by_role("button", name="Dry run").click()
        dry = p.locator("#dry-run")
        assert dry.locator("[data-count=created]").inner_text() == "4"
        assert dry.locator("[data-count=rejected]").inner_text() == "1"
        assert "Directrice achats" not in dry.inner_text()  # the preview names people
        # The choice is kept for the real run, and nothing was written.
        assert p.get_by_label("Field for column Fonction occupée").input_value() == "job_title"
        assert p.get_by_label("Tag", exact=True).input_value() == "Salon"
        assert count(database, select(func.count()).select_from(t.Lead)) == leads_before

        # The row errors download as CSV, where no cell can be read as a formula.
        with p.expect_download() as download:
            dry.get_by_role("link", name="Download every row error (CSV)").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert cells[:4] == ["row", "field", "reason", "row_rejected"]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]

        # Run: the job title comes from the chosen column.
        p.get_by_role("button", name="Import", exact=True).click()
        p.wait_for_selector("[data-import-status=done]", timeout=30000)
        with database.uow() as uow:
            title = uow.session.scalar(
                select(t.Lead.job_title).where(t.Lead.email == "anne.dupont@acme-industrie.fr")
            )
        assert title == "Directrice achats"
    finally:
        context.close()


def test_a_rep_finds_an_account_and_sees_its_contacts_and_opportunities(
    site: dict[str, Any], browser: Any
) -> None:
    context = signed_in(browser, site, "rep", locale="fr-FR")
    p = context.new_page()
    try:
        p.goto(site["base"] + "/accounts")
        p.get_by_label("Rechercher des comptes").fill("logi")
        p.get_by_role("button", name="Rechercher").click()
        assert p.locator("table.account-list tbody tr").count() == 1
        p.get_by_role("link", name="Logitrans", exact=True).click()

        contacts = p.inner_text("#contacts")
        assert "Claire Martin" in contacts and "claire@logitrans.fr" in contacts
        opportunities = " ".join(p.inner_text("#open-opportunities").split())
        assert "Projet CRM – Logitrans" in opportunities
        assert "1 101 600 €" in opportunities  # French amounts (narrow spaces normalised)
        assert "Claire Martin" in p.inner_text("#leads")
        assert p.inner_text(".is-customer") == "non"

        # The contact's own page, then back to its account.
        p.locator("#contacts").get_by_role("link", name="Claire Martin").click()
        assert "/contacts/" in p.url
        assert "Projet CRM – Logitrans" in p.inner_text("#open-opportunities")
        p.get_by_role("link", name="Logitrans", exact=True).click()
        assert "/accounts/" in p.url

        # The contact list searches by name.
        p.goto(site["base"] + "/contacts?q=mart")
        assert "Claire Martin" in p.inner_text("table.contact-list")
        p.goto(site["base"] + "/contacts?q=nobody")
        assert p.locator("table.contact-list tbody tr").count() == 1  # "no results"
    finally:
        context.close()


def running_import(database: Database, user_id: int) -> int:
    """An import row as the service leaves it while it reads its file."""
    with database.uow(write=True) as uow:
        batch = t.ImportBatch(
            user_id=user_id, filename="big.csv", format="csv", status="running", rows_total=4000,
            rows_created=3990, rows_updated=0, rows_rejected=10, started_at=datetime.now(UTC),
        )  # fmt: skip
        uow.session.add(batch)
        uow.commit()
        return batch.id


def finish(database: Database, import_id: int) -> None:
    with database.uow(write=True) as uow:
        batch = uow.session.get(t.ImportBatch, import_id)
        batch.status, batch.rows_total, batch.finished_at = "done", 9000, datetime.now(UTC)
        uow.commit()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_a_running_import_shows_its_progress_until_it_is_done(
    site: dict[str, Any], browser: Any, javascript: bool
) -> None:
    database = site["database"]
    import_id = running_import(database, site["desk"].rep_id)
    context = browser.new_context(locale="en-US", java_script_enabled=javascript)
    context.add_cookies([{"name": SESSION_COOKIE, "value": site["marketing"], "url": site["base"]}])
    p = context.new_page()
    try:
        p.goto(f"{site['base']}/imports/{import_id}")
        assert p.inner_text("[data-status]") == "Running"
        assert "4,000 rows read so far" in " ".join(p.inner_text("[role=status]").split())
        assert p.get_by_role("button", name="Undo import").count() == 0

        finish(database, import_id)
        if javascript:  # the page asks for the progress and reloads itself once done
            p.wait_for_selector("[data-import-status=done]", timeout=30000)
        else:  # without a script, the reader refreshes
            p.get_by_role("link", name="Refresh").click()
        assert p.inner_text("[data-status]") == "Done"
        assert p.inner_text("[data-count=rows]") == "9,000"
        assert p.get_by_role("button", name="Undo import").count() == 1
    finally:
        context.close()
