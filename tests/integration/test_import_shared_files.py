"""The real public lead and contact files of ../shared/data imported on both databases: every
row created, merged or rejected with a reason, the counts checked against an independent count
of the file (stdlib csv for records, BEGIN:VCARD lines for cards) and against the database."""

from __future__ import annotations

import csv
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor

DATA = Path(
    os.environ.get("BASCULE_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data")
)
LEAD_FILES = sorted(
    [
        *DATA.glob("salesforce/*/Lead.csv"),
        *DATA.glob("salesforce/*/Contact.csv"),
        *DATA.glob("hubspot/*.csv"),
        *DATA.glob("x_education/Leads.csv"),
        *DATA.glob("vcf/*/*.vcf"),
    ]
)
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def run(database: Database, actor: Actor, path: Path, **options: object) -> t.ImportBatch:
    with path.open("rb") as stream:
        batch, _ = imports.run(
            database,
            stream,
            options=imports.ImportOptions(path.name, **options),  # type: ignore[arg-type]
            actor=actor,
            playbook=playbooks.active(database, max_age=0),
            now=NOW,
        )
    return batch


def rows_in(path: Path) -> int:
    if path.suffix == ".vcf":
        data = path.read_bytes()
        bom = data[:2] in (b"\xff\xfe", b"\xfe\xff")
        text = data.decode("utf-16") if bom else data.decode("latin-1")
        return sum(line.strip().upper() == "BEGIN:VCARD" for line in text.splitlines())
    with path.open(newline="", encoding="utf-8-sig") as text:
        return sum(1 for r in csv.reader(text) if any(c.strip() for c in r)) - 1


def row_errors(database: Database, import_id: int) -> list[tuple[int, str | None, str, bool]]:
    with database.uow() as uow:
        return [
            (e.row_number, e.field, e.reason, e.rejected)
            for e in imports.first_errors(uow, import_id, limit=100_000)
        ]


def test_the_shared_data_is_there() -> None:
    assert len(LEAD_FILES) == 20, f"expected the shared data files in {DATA}"


@pytest.mark.parametrize("path", LEAD_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_row_of_a_real_file_is_imported_or_reported(count, database, actor, path):
    # When a real export is imported into an empty database
    batch = run(database, actor, path)

    # Then every row of the file is counted once: created, merged or rejected
    expected = rows_in(path)
    assert batch.status == "done"
    assert batch.rows_total == expected
    assert batch.rows_created + batch.rows_updated + batch.rows_rejected == expected
    # a file names each person once: nothing merged, and every row made a lead
    assert (batch.rows_updated, batch.rows_rejected) == (0, 0)
    assert count(t.Lead) == batch.rows_created
    assert count(t.Lead, t.Lead.import_id == batch.id) == batch.rows_created
    # each lead's creation; its assignment to the importing user (no routing rule) unless the
    # file brings its past (status, dates: SPEC §16), whose rows stand instead
    creations = t.LeadStatusHistory.kind == "creation"
    assert count(t.LeadStatusHistory, creations) == batch.rows_created
    if not {"status", "created_at"} & set(batch.mapping.values()):
        assert count(t.LeadStatusHistory) == 2 * batch.rows_created
    # every problem is on a row of the file, with its reason, and no row was refused
    errors = row_errors(database, batch.id)
    assert all(2 - (path.suffix == ".vcf") <= number <= expected + 1 for number, *_ in errors)
    assert all(reason for _, _, reason, _ in errors)
    assert not any(rejected for *_, rejected in errors)
    assert batch.report is not None and batch.report["errors"] == len(errors)


def test_x_education_leads_are_imported_with_their_prospect_ids(count, database, actor):
    path = DATA / "x_education/Leads.csv"
    batch = run(database, actor, path, tag="x_education")
    assert (batch.rows_total, batch.rows_created, batch.rows_rejected) == (9240, 9240, 0)
    with database.uow() as uow:
        leads = uow.session.scalars(select(t.Lead).order_by(t.Lead.id)).all()
        assert len({lead.external_id for lead in leads}) == 9240
        first = leads[0]
        assert (first.external_id, first.source, first.country) == (
            "7927b2df-8bba-4d29-b9a2-b6e0beafe620",
            "other",
            None,
        )
        # every other column is kept for the predictive scoring, with the file's names
        assert first.attributes is not None
        assert first.attributes["Lead Number"] == "660737"
        assert first.attributes["Lead Source"] == "Olark Chat"
        assert first.attributes["Converted"] == "0"
        assert first.attributes["Lead Origin"] == "API"
        assert Counter(lead.attributes["Converted"] for lead in leads if lead.attributes) == {
            "0": 5679,
            "1": 3561,
        }
    assert count(t.LeadTag) == 9240 + 9240 - 3353  # the show tag, the Tags column
    assert batch.report is not None
    assert batch.report["unknown_sources"]["Google"] == 2868
    # two countries are not countries: the rows are kept, the value reported
    assert [(e[1], e[3]) for e in row_errors(database, batch.id)] == [("country", False)] * 2


def test_x_education_imported_again_finds_every_lead_by_its_id(count, database, actor):
    path = DATA / "x_education/Leads.csv"
    run(database, actor, path)
    again = run(database, actor, path)
    assert (again.rows_created, again.rows_updated, again.rows_rejected) == (0, 9240, 0)
    assert again.report is not None and again.report["unchanged"] == 9240
    assert count(t.Lead) == 9240
    # a dry run of the same file says the same, and writes nothing more
    preview = run(database, actor, path, dry_run=True)
    assert (preview.rows_created, preview.rows_updated) == (0, 9240)
    assert count(t.Lead) == 9240


def test_a_dry_run_of_a_real_file_counts_what_the_import_does(count, database, actor):
    path = DATA / "vcf/FolkerKinzel-VCards/LargeFile.vcf"
    preview = run(database, actor, path, dry_run=True)
    assert (preview.rows_created, preview.rows_updated, preview.rows_rejected) == (1000, 0, 0)
    assert count(t.Lead) == 0
    batch = run(database, actor, path, tag="Salon")
    assert (batch.rows_created, batch.rows_updated, batch.rows_rejected) == (1000, 0, 0)
    assert count(t.Lead, t.Lead.source == "trade_show") == 1000


def test_contacts_then_leads_of_the_same_org_are_merged_by_email(count, database, actor):
    # The developer org's contacts and leads share addresses: the leads file enriches them.
    org = DATA / "salesforce/devorg_sample_earthfink1982"
    contacts = run(database, actor, org / "Contact.csv")
    leads = run(database, actor, org / "Lead.csv")
    assert (contacts.rows_created, contacts.rows_updated) == (25, 0)
    assert leads.rows_created + leads.rows_updated == 22
    assert leads.rows_updated == count(t.ImportChange, t.ImportChange.import_id == leads.id)
    assert count(t.Lead) == 25 + leads.rows_created
    # leads matched by e-mail keep the id the contact export gave them; the other is reported
    kept_ids = [e for e in row_errors(database, leads.id) if e[1] == "external_id"]
    assert len(kept_ids) == leads.rows_updated
    # and undoing the second import leaves the contacts as they were
    with database.uow(write=True) as uow:
        undone = imports.undo(
            uow, import_id=leads.id, actor=actor, playbook=default_playbook(), now=NOW
        )
        uow.commit()
    assert (undone["deleted"], undone["restored"], undone["kept"]) == (
        leads.rows_created,
        leads.rows_updated,
        0,
    )
    assert count(t.Lead) == 25
