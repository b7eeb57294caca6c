"""Consents in lead files (SPEC §18), on both databases: consent columns of the playbook's
purposes and the opt-outs of Salesforce and HubSpot exports become consent rows with the
source ``import:<id>``; a bad value is a row error naming its field; a lead's answer is never
replaced by a file; undo removes what the import wrote."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bascule.imports import service as imports
from bascule.leads import service as leads
from bascule.playbook import service as playbooks
from bascule.privacy import consents
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")  # the default playbook's calendar: dates are read there
DATA = Path(__file__).parents[2] / ".." / "shared" / "data"


def run(database: Database, actor: Actor, content: bytes, name: str = "f.csv", **options):
    batch, _ = imports.run(
        database, io.BytesIO(content), options=imports.ImportOptions(name, **options),
        actor=actor, playbook=playbooks.active(database, max_age=0), now=NOW,
    )  # fmt: skip
    return batch


def answers(database: Database) -> dict[str, dict[str, tuple[bool, str | None, str | None]]]:
    """{lead e-mail: {purpose: (granted, day, source)}}."""
    with database.uow() as uow:
        found = uow.session.execute(
            select(t.Lead.email, t.Consent).join(t.Consent, t.Consent.lead_id == t.Lead.id)
        ).all()
        held: dict[str, dict[str, tuple[bool, str | None, str | None]]] = {}
        for email, row in found:
            held.setdefault(email, {})[row.purpose] = (
                row.granted, row.at.astimezone(PARIS).date().isoformat(), row.source,
            )  # fmt: skip
        return held


def errors(database: Database, batch: t.ImportBatch) -> set[tuple[int, str, bool]]:
    with database.uow() as uow:
        rows = imports.first_errors(uow, batch.id)
        return {(e.row_number, e.field or "", e.rejected) for e in rows}


def test_consent_columns_and_opt_outs_become_consents_of_the_import(database, actor, count):
    content = (
        "Email;Nom;consent_email_marketing;consent_email_marketing_at;Email Opt Out;"
        "Opt-in SMS;Ne pas contacter\n"
        "a@x.fr;Ada;oui;15/03/2025;;;\n"
        "b@x.fr;Bob;;;1;;oui\n"
        "c@x.fr;Cyd;;;0;2025-01-02;\n"
        "d@x.fr;Dee;peut-être;;;;\n"
        "e@x.fr;Eve;yes;2031-01-01;;;\n"
    ).encode()
    batch = run(database, actor, content)
    source = f"import:{batch.id}"
    assert batch.mapping["consent_email_marketing"] == "consent_email_marketing"
    assert batch.mapping["Email Opt Out"] == "opt_out_email_marketing"
    assert batch.mapping["Opt-in SMS"] == "consent_phone_marketing"
    today = NOW.date().isoformat()
    assert answers(database) == {
        "a@x.fr": {"email_marketing": (True, "2025-03-15", source)},
        # an opt-out is a refusal; "not opted out" (Cyd's 0) is no consent
        "b@x.fr": {"email_marketing": (False, today, source)},
        # a date in an answer column: granted that day
        "c@x.fr": {"phone_marketing": (True, "2025-01-02", source)},
    }
    # a bad answer and a date in the future: the row is imported, the answer is not
    assert errors(database, batch) == {
        (5, "consent_email_marketing", False),
        (6, "consent_email_marketing_at", False),
    }
    assert batch.rows_created == 5
    with database.uow() as uow:
        flagged = uow.session.scalars(select(t.Lead.email).where(t.Lead.do_not_contact)).all()
    assert flagged == ["b@x.fr"]
    audit = count(t.AuditLog, t.AuditLog.entity == "import", t.AuditLog.action == "consents")
    assert audit == 1


def test_a_file_never_replaces_an_answer_and_undo_removes_its_own(database, actor, count):
    playbook = playbooks.active(database, max_age=0)
    with database.uow(write=True) as uow:
        lead, _ = leads.create(
            uow, data={"email": "a@x.fr", "last_name": "Ada", "source": "web_form"},
            actor=actor, playbook=playbook, now=NOW - timedelta(days=3),
        )  # fmt: skip
        consents.record(
            uow, items=[{"purpose": "email_marketing", "granted": False}], lead_id=lead.id,
            source="form:demo_request", actor=actor, playbook=playbook,
            now=NOW - timedelta(days=3),
        )  # fmt: skip
        uow.commit()
    content = (
        b"Email,Last Name,Opt-in newsletter,Events opt-in\n"
        b"a@x.fr,Ada,true,true\n"
        b"b@x.fr,Bob,true,false\n"
    )
    batch = run(database, actor, content)
    source = f"import:{batch.id}"
    held = answers(database)
    assert held["a@x.fr"]["email_marketing"][::2] == (False, "form:demo_request")
    assert held["a@x.fr"]["events"][::2] == (True, source)
    assert {p: v[::2] for p, v in held["b@x.fr"].items()} == {
        "email_marketing": (True, source),
        "events": (False, source),
    }
    with database.uow(write=True) as uow:
        result = imports.undo(
            uow, import_id=batch.id, actor=actor, playbook=playbook,
            now=NOW + timedelta(minutes=1),
        )  # fmt: skip
        uow.commit()
    assert result["consents_deleted"] == 3
    assert count(t.Consent) == 1
    kept = {"email_marketing": (False, "2026-11-23", "form:demo_request")}
    assert answers(database) == {"a@x.fr": kept}


def test_real_exports_opt_outs(database, actor):
    # Salesforce Data Loader: "0"/"1" flags, HasOptedOutOfEmail and DoNotCall
    path = DATA / "salesforce" / "dataloader_export_Kowshik527" / "Lead.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header, first = rows[0], rows[1]
    first[header.index("HasOptedOutOfEmail")] = "1"
    first[header.index("DoNotCall")] = "1"
    first[header.index("Email")] = "rishab@xfoods.example"
    out = io.StringIO()
    csv.writer(out).writerows([header, first])
    batch = run(database, actor, out.getvalue().encode(), "Lead.csv")
    assert batch.rows_created == 1
    assert batch.mapping["HasOptedOutOfEmail"] == "opt_out_email_marketing"
    assert batch.mapping["DoNotCall"] == "do_not_contact"
    assert {p: v[::2] for p, v in answers(database)["rishab@xfoods.example"].items()} == {
        "email_marketing": (False, f"import:{batch.id}")
    }
    with database.uow() as uow:
        assert uow.session.scalars(select(t.Lead.do_not_contact)).all() == [True]

    # HubSpot: its contact export's header, and the unsubscription column it adds
    hubspot = DATA / "hubspot" / "hubspot_contacts_export_HEADER_ONLY_Shaftdog-Salesmod.csv"
    header = next(csv.reader(io.StringIO(hubspot.read_text(encoding="utf-8-sig"))))
    header.append("Unsubscribed from all email")
    row = [""] * len(header)
    row[header.index("First Name")], row[header.index("Last Name")] = "Lou", "Reed"
    row[header.index("Email")], row[-1] = "lou@hub.example", "true"
    out = io.StringIO()
    csv.writer(out).writerows([header, row])
    batch = run(database, actor, out.getvalue().encode(), "hubspot.csv")
    assert batch.rows_created == 1, batch.report
    assert batch.mapping["Unsubscribed from all email"] == "opt_out_email_marketing"
    assert answers(database)["lou@hub.example"]["email_marketing"][0] is False


def test_a_dry_run_writes_no_consent_and_names_bad_values(database, actor, count):
    content = b"Email;Nom;consent_events\na@x.fr;Ada;maybe\nb@x.fr;Bob;1\n"
    batch = run(database, actor, content, dry_run=True)
    assert count(t.Consent) == 0
    assert errors(database, batch) == {(2, "consent_events", False)}
