"""The import service on both databases: chunks, dry runs, failures, concurrent imports,
signals waiting for a person, and what an import writes besides leads."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bascule.imports import service as imports
from bascule.imports import writer
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def run(
    database: Database, actor: Actor, content: bytes, *, chunk_rows: int = 2000, **options: object
) -> t.ImportBatch:
    batch, _ = imports.run(
        database,
        io.BytesIO(content),
        options=imports.ImportOptions("salon.csv", **options),  # type: ignore[arg-type]
        actor=actor,
        playbook=playbooks.active(database, max_age=0),
        now=NOW,
        chunk_rows=chunk_rows,
    )
    return batch


def people(numbers: list[int], extra: str = "") -> bytes:
    lines = ["Prénom;Nom;Email;Société;Fonction"]
    for i in numbers:
        lines.append(f"P{i};N{i};p{i}@societe{i}.fr;Société {i};{extra}")
    return ("\n".join(lines) + "\n").encode()


def outcome(batch: t.ImportBatch) -> tuple[int, int, int, int]:
    assert batch.report is not None
    duplicates = batch.report["duplicates_in_file"]
    return batch.rows_created, batch.rows_updated, batch.rows_rejected, duplicates


# 14 rows: 10 people, 4 of them named again later in the file, across chunks of 3.
REPEATED = [1, 2, 3, 4, 5, 1, 6, 7, 2, 8, 9, 10, 9, 5]


@pytest.mark.parametrize("chunk_rows", [1, 3, 2000])
def test_chunks_do_not_change_what_an_import_does(count, database, actor, chunk_rows):
    preview = run(database, actor, people(REPEATED), chunk_rows=chunk_rows, dry_run=True)
    batch = run(database, actor, people(REPEATED), chunk_rows=chunk_rows)
    assert outcome(preview) == outcome(batch) == (10, 4, 0, 4)
    assert count(t.Lead) == 10
    assert count(t.ImportChange) == 0  # a person named twice is not an "update"
    # imported again: everyone found, nothing new
    again = run(database, actor, people(REPEATED), chunk_rows=chunk_rows)
    assert outcome(again) == (0, 14, 0, 0)
    assert again.report is not None and again.report["unchanged"] == 14


def test_an_import_that_fails_half_way_is_marked_failed_and_can_be_undone(
    count, database, actor, monkeypatch
):
    real = writer.write_chunk
    calls = 0

    def failing(uow, plan, ctx):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("disk full")
        return real(uow, plan, ctx)

    monkeypatch.setattr("bascule.imports.service.write_chunk", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        run(database, actor, people(list(range(10))), chunk_rows=3)
    with database.uow() as uow:
        batch = imports.get(uow, 1)
        assert (batch.status, batch.message) == ("failed", "stopped after 6 rows: RuntimeError")
        assert (batch.rows_total, batch.rows_created, batch.finished_at) == (6, 6, None)
    assert count(t.Lead) == 6
    with database.uow(write=True) as uow:
        undone = imports.undo(uow, import_id=1, actor=actor, playbook=default_playbook(), now=NOW)
        uow.commit()
    assert undone["deleted"] == 6
    assert count(t.Lead) == 0


def test_what_an_import_writes_besides_leads(count, database, actor):
    batch = run(database, actor, people(list(range(5))), tag="Salon", chunk_rows=2)
    # two history rows per lead, by the importer, naming the import: its creation, and its
    # assignment to the importer (no routing rule in the default playbook)
    with database.uow() as uow:
        history = uow.session.scalars(select(t.LeadStatusHistory)).all()
        assert {(h.actor_user_id, h.kind, h.reason) for h in history} == {
            (actor.user_id, "creation", f"import #{batch.id}"),
            (actor.user_id, "assignment", f"import #{batch.id}: the importing user keeps it"),
        }
        assert len(history) == 10
        # per chunk, one audit row listing the leads it created, one for their owners
        audit = uow.session.scalars(
            select(t.AuditLog).where(t.AuditLog.entity == "import").order_by(t.AuditLog.id)
        ).all()
        owners = {str(actor.user_id): 2}
        assert [(a.entity, a.entity_id, a.action, a.changes) for a in audit] == [
            ("import", batch.id, "create_leads", {"created": 2, "lead_ids": [[1, 2]]}),
            ("import", batch.id, "assign_leads", {"owners": owners}),
            ("import", batch.id, "create_leads", {"created": 2, "lead_ids": [[3, 4]]}),
            ("import", batch.id, "assign_leads", {"owners": owners}),
            ("import", batch.id, "create_leads", {"created": 1, "lead_ids": [[5, 5]]}),
            ("import", batch.id, "assign_leads", {"owners": {str(actor.user_id): 1}}),
        ]
    assert count(t.Tag) == 1
    assert count(t.LeadTag) == 5


def test_signals_kept_for_an_unknown_email_go_to_the_lead_the_import_creates(database, actor):
    with database.uow(write=True) as uow:
        uow.session.add(
            t.Signal(type="page_view", occurred_at=NOW, received_at=NOW, email_key="p1@societe1.fr")
        )
        uow.session.add(
            t.Signal(type="page_view", occurred_at=NOW, received_at=NOW, email_key="x@other.fr")
        )
        uow.commit()
    run(database, actor, people([1, 2]))
    with database.uow() as uow:
        lead_id = uow.session.scalar(select(t.Lead.id).where(t.Lead.email_key == "p1@societe1.fr"))
        attached = uow.session.execute(select(t.Signal.email_key, t.Signal.lead_id)).all()
    assert sorted(attached) == [("p1@societe1.fr", lead_id), ("x@other.fr", None)]


def ids_only(numbers: list[int]) -> bytes:
    lines = ["Prospect ID;Lead Origin"] + [f"id-{i:05d};API" for i in numbers]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("make", [people, ids_only], ids=["by e-mail", "by external id"])
def test_two_imports_of_overlapping_files_at_once_make_each_person_once(
    count, database, actor, make
):
    # Given two files sharing 150 of their 300 people, first in both, imported at once
    first = make(list(range(0, 300)))
    second = make([*range(0, 150), *range(300, 450)])
    results: list[t.ImportBatch] = []
    failures: list[BaseException] = []

    def work(content: bytes) -> None:
        try:
            results.append(run(database, actor, content, chunk_rows=25))
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Then each person is one lead, and the two imports' counts add up
    assert failures == []
    assert count(t.Lead) == 450
    assert sum(b.rows_created for b in results) == 450
    assert sum(b.rows_updated for b in results) == 150
    assert sum(b.rows_total for b in results) == 600
