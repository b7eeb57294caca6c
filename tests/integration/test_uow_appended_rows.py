"""``UnitOfWork.append``: write-only rows (audit entries, history) wait for the commit and go
in one statement on PostgreSQL, yet a statement of the same unit of work that reads their
table sees them, and a unit of work left without commit writes none."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select, text

from bascule.storage import tables as t
from bascule.storage.uow import Database

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def audit_row(entity_id: int) -> dict[str, Any]:
    return {
        "at": NOW, "actor_user_id": None, "actor_rule": "test", "entity": "lead",
        "entity_id": entity_id, "action": "create", "changes": {"a": [None, 1]}, "reason": None,
    }  # fmt: skip


def history_row(lead_id: int) -> dict[str, Any]:
    return {
        "lead_id": lead_id, "from_status": None, "to_status": "new", "changed_at": NOW,
        "actor_user_id": None, "actor_rule": "test", "kind": "creation", "reason": None,
    }  # fmt: skip


@contextmanager
def sent(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not statement.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def new_lead(database: Database) -> int:
    with database.uow(write=True) as uow:
        lead = t.Lead(last_name="Durand", source="web_form", kind="sales", status="new",
                      created_at=NOW, updated_at=NOW, score=0, score_explanation=[])  # fmt: skip
        uow.session.add(lead)
        uow.commit()
        return lead.id


def counts(database: Database) -> tuple[int, int]:
    with database.uow() as uow:
        audit = uow.session.scalar(select(func.count()).select_from(t.AuditLog))
        history = uow.session.scalar(select(func.count()).select_from(t.LeadStatusHistory))
        return int(audit or 0), int(history or 0)


def test_rows_of_two_tables_go_in_one_statement_on_postgresql(database):
    lead_id = new_lead(database)
    with sent(database) as seen, database.uow(write=True) as uow:
        uow.append(t.AuditLog, audit_row(lead_id))
        uow.append(t.LeadStatusHistory, history_row(lead_id))
        uow.append(t.AuditLog, audit_row(lead_id))
        uow.session.execute(text("SELECT 1"))  # reads neither table: the rows keep waiting
        uow.commit()
    assert counts(database) == (2, 1)
    expected = 2 if database.is_sqlite else 1  # SQLite: one executemany per table
    assert len(seen) - 1 == expected, seen


def test_a_statement_reading_the_table_sees_the_waiting_rows(database):
    lead_id = new_lead(database)
    with database.uow(write=True) as uow:
        uow.append(t.LeadStatusHistory, history_row(lead_id))
        query = select(t.LeadStatusHistory.to_status).where(t.LeadStatusHistory.lead_id == lead_id)
        assert uow.session.scalars(query).all() == ["new"]
        uow.commit()
    assert counts(database) == (0, 1)


def test_without_commit_nothing_is_written(database):
    lead_id = new_lead(database)
    with database.uow(write=True) as uow:
        uow.append(t.AuditLog, audit_row(lead_id))
        uow.append(t.LeadStatusHistory, history_row(lead_id))
    assert counts(database) == (0, 0)


def test_audit_rows_keep_their_order(database):
    lead_id = new_lead(database)
    with database.uow(write=True) as uow:
        for n in range(1, 4):
            uow.append(t.AuditLog, audit_row(n))
            uow.append(t.LeadStatusHistory, history_row(lead_id))
        uow.commit()
    with database.uow() as uow:
        order = uow.session.scalars(select(t.AuditLog.entity_id).order_by(t.AuditLog.id)).all()
    assert order == [1, 2, 3]
