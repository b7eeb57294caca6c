"""The reports read the history through the indexes of migration 0020, on both databases:
the funnel through the partial index of the rows reaching mql on (its query repeats the
index's condition word for word, or the database would not see that it may use it), the stage
times through the index in each record's time order. Speed itself is measured in
``bench/bench_reports.py``; this holds on to what makes it."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from bascule.analytics import reports
from bascule.analytics.reports import Query
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database

MIGRATION = Path(t.__file__).parent / "migrations" / "versions" / "0020_report_history_indexes.py"
START, END = date(2026, 1, 1), date(2026, 3, 31)


def _statements(engine: Engine, run: Callable[[], Any]) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def _plan(engine: Engine, statement: str, parameters: Any) -> str:
    """The plan's text; on PostgreSQL with sequential scans priced out, so that the (empty)
    test tables do not hide which indexes the statement may use."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return "\n".join(str(row[-1]) for row in rows)
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        return "\n".join(str(row[0]) for row in rows)


def test_the_migration_and_the_models_hold_the_same_funnel_condition() -> None:
    spec = importlib.util.spec_from_file_location("migration_0020", MIGRATION)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.FUNNEL_ROWS == t.FUNNEL_ROWS


def test_the_funnel_reads_the_history_through_the_partial_index(
    database: Database, db: Engine
) -> None:
    def run() -> None:
        with database.uow() as uow:
            reports.funnel(uow, query=Query(START, END, "source"), playbook=default_playbook())

    statement, parameters = max(_statements(database.engine, run), key=lambda s: len(s[0]))
    assert "ix_lead_status_history_reached" in _plan(database.engine, statement, parameters)


def test_the_stage_times_walk_the_index_in_time_order(database: Database, db: Engine) -> None:
    def run() -> None:
        with database.uow() as uow:
            reports.stage_times(uow, query=Query(START, END), pipeline="lead",
                                playbook=default_playbook(),
                                now=datetime(2026, 4, 1, tzinfo=UTC))  # fmt: skip

    statement, parameters = max(_statements(database.engine, run), key=lambda s: len(s[0]))
    plan = _plan(database.engine, statement, parameters)
    assert "ix_lead_status_history_lead_changed" in plan
