"""``bascule privacy retention | export | erase`` (SPEC §11): unconverted leads without
activity for three years are listed by a dry run, then anonymised; the worker's tick does the
same; a person's file and their erasure from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bascule.leads import service as leads
from bascule.playbook.load import default_playbook
from bascule.privacy import retention
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor

NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=4 * 365)
ACTOR = Actor.for_rule("test")


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


def lead(database: Database, email: str, *, at: datetime, **fields: object) -> int:
    with database.uow(write=True) as uow:
        made, _ = leads.create(
            uow, data={"email": email, "last_name": email.split("@")[0], "company": "Acme",
                       "source": "web_form", **fields},
            actor=ACTOR, playbook=default_playbook(), now=at,
        )  # fmt: skip
        uow.commit()
        return made.id


def the_leads(database: Database) -> dict[int, tuple[str | None, bool]]:
    with database.engine.connect() as conn:
        rows = conn.execute(select(t.Lead.id, t.Lead.email, t.Lead.anonymised_at))
        return {i: (email, anonymised is not None) for i, email, anonymised in rows}


def test_a_dry_run_lists_stale_leads_then_the_run_anonymises_only_them(bascule, database):
    stale = lead(database, "oublie@exemple.fr", at=LONG_AGO)
    recent = lead(database, "recent@exemple.fr", at=NOW - timedelta(days=30))
    revived = lead(database, "revenu@exemple.fr", at=LONG_AGO)
    converted = lead(database, "client@exemple.fr", at=LONG_AGO)
    with database.uow(write=True) as uow:
        # A signal last month: the old lead is active again.
        uow.session.add(t.Signal(type="page_view", occurred_at=NOW - timedelta(days=20),
                                 lead_id=revived, properties={}))  # fmt: skip
        uow.session.execute(update(t.Lead).where(t.Lead.id == converted).values(
            status="converted", converted_at=LONG_AGO))  # fmt: skip
        uow.commit()
    before = the_leads(database)

    dry = bascule("privacy", "retention", "--dry-run")

    assert dry.exit_code == 0, dry.output
    assert "1 leads would be anonymised (dry run: nothing changed)" in dry.stdout
    assert f"{stale} " in dry.stdout or f"│ {stale}" in dry.stdout
    assert the_leads(database) == before

    run = bascule("privacy", "retention")

    assert run.exit_code == 0, run.output
    assert "1 leads anonymised (no activity for 1095 days)" in run.stdout
    after = the_leads(database)
    assert after[stale] == (None, True)
    assert {k: v for k, v in after.items() if k != stale} == {
        k: v for k, v in before.items() if k != stale
    }
    assert after[recent][1] is False and after[revived][1] is False
    with database.engine.connect() as conn:
        [audit] = conn.execute(
            select(t.AuditLog.entity_id, t.AuditLog.actor_rule, t.AuditLog.reason)
            .where(t.AuditLog.action == "retention")
        ).all()  # fmt: skip
    assert tuple(audit) == (stale, "privacy.retention", "no activity for 1095 days")
    again = bascule("privacy", "retention", "--dry-run")
    assert "0 leads would be anonymised" in again.stdout


def test_the_worker_tick_anonymises_what_the_command_would(bascule, database):
    stale = lead(database, "tick@exemple.fr", at=LONG_AGO)

    retention.tick(database, NOW)

    assert the_leads(database)[stale] == (None, True)


def test_export_and_erase_from_the_command_line(bascule, database):
    lead(database, "cli@exemple.fr", at=NOW)

    exported = bascule("privacy", "export", "CLI@exemple.fr")
    no_reason = bascule("privacy", "erase", "cli@exemple.fr")
    erased = bascule("privacy", "erase", "cli@exemple.fr", "--reason", "demande écrite")

    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.stdout)
    assert [x["email"] for x in document["leads"]] == ["cli@exemple.fr"]
    assert no_reason.exit_code == 1 and "--reason" in no_reason.stderr
    assert erased.exit_code == 0, erased.output
    assert "Erased: 1 leads, 0 contacts" in erased.stdout
    assert list(the_leads(database).values()) == [(None, True)]
