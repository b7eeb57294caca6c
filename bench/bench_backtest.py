"""Back-testing a playbook (SPEC §16, issue #13) over a large generated history: the time of
``analytics.backtest.run`` (current and proposed playbook) against reading the same rows with
one hand-written query, and how the time splits between reading and replaying.

    .venv/bin/python bench/bench_backtest.py [--db sqlite|postgresql|both] [--leads 100000]
                                             [--sqlite-leads 100000] [--signals-per-lead 20]

For each database: a throw-away database and ``--leads`` leads created over 2025 (generated in
SQL, the same on both databases), each with ``--signals-per-lead`` signals (page views, e-mail
clicks, downloads, pricing views and demo requests, over the two months after the lead
), 10 % with a profile change in the audit trail (250+ employees), 5 % converted a month
after creation. Then ``ANALYZE``. The back-test covers the whole year (every lead in the
cohort), proposed playbook: MQL threshold 40, half-life 20 days. Printed: rows, seconds, leads
and signals replayed per second, and the ratio to the baseline (one query reading the cohort's
signals in lead and time order: what any replay must at least read).
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from sqlalchemy import text

from _support.common import console, figures_table, parse_args, run_context, throwaway_database
from _support.common import selected as selected_databases
from bascule.analytics import backtest
from bascule.analytics.metrics import period_instants
from bascule.playbook.load import default_playbook
from bascule.storage.migrate import upgrade
from bascule.storage.uow import Database
from bench_reports import Dialect

START, END = date(2025, 1, 1), date(2025, 12, 31)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
PROPOSED = {"scoring": {"mql_threshold": 40, "half_life_days": 20}}
H = "(((id % 1000) * 7919) % 1000)"  # a fixed draw per lead id, 0-999


def generate(d: Dialect, n: int, per_lead: int) -> list[str]:
    leads = f"WITH RECURSIVE c(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM c WHERE id < {n})"
    total = n * per_lead
    signals = (
        f"WITH RECURSIVE s(id) AS (SELECT 0 UNION ALL SELECT id + 1 FROM s WHERE id < {total - 1})"
    )
    lead_of = f"(id / {per_lead} + 1)"
    kind = (
        "CASE (id * 7) % 10 WHEN 0 THEN 'email_click' WHEN 1 THEN 'content_download' "
        "WHEN 2 THEN 'pricing_view' WHEN 3 THEN 'email_click' "
        "WHEN 4 THEN (CASE WHEN id % 9 = 0 THEN 'form_submit' ELSE 'page_view' END) "
        "ELSE 'page_view' END"
    )
    properties = (
        'CASE WHEN (id * 7) % 10 = 4 AND id % 9 = 0 THEN \'{"form_type": "demo_request"}\' '
        "ELSE '{}' END"
    )
    occurred = d.at("(((id % 100003) * 7919) % 62)", lead_of)  # within 32-bit integers
    change = "'{\"employees\": [null, 300]}'"
    if not d.sqlite:  # PostgreSQL types a text expression as text, not as the json column
        properties, change = f"CAST({properties} AS json)", f"CAST({change} AS json)"
    return [
        f"{leads} INSERT INTO lead (id, source, kind, status, score, score_explanation, "
        "ready_to_convert, do_not_contact, search_text, created_at, updated_at) "
        f"SELECT id, 'web_form', 'sales', CASE WHEN {H} < 50 THEN 'converted' ELSE 'new' END, "
        f"0, '[]', {d.false}, {d.false}, '', {d.at(0)}, {d.at(0)} FROM c",
        f"{leads} INSERT INTO lead_status_history (lead_id, from_status, to_status, changed_at, "
        f"kind) SELECT id, NULL, 'new', {d.at(0)}, 'progress' FROM c",
        f"{leads} INSERT INTO lead_status_history (lead_id, from_status, to_status, changed_at, "
        f"kind) SELECT id, 'new', 'converted', {d.at(30)}, 'progress' FROM c WHERE {H} < 50",
        f"{leads} INSERT INTO audit_log (at, entity, entity_id, action, changes) SELECT "
        f"{d.at(5)}, 'lead', id, 'update', {change} FROM c "
        f"WHERE {H} >= 900",
        f"UPDATE lead SET employees = 300 WHERE {H} >= 900",
        f"{signals} INSERT INTO signal (type, occurred_at, received_at, lead_id, origin, "
        f"properties) SELECT {kind}, {occurred}, {occurred}, {lead_of}, 'event', {properties} "
        "FROM s",
    ]


def baseline_sql() -> str:
    """Every signal of the cohort in lead and time order, with its form type."""
    return (
        "SELECT s.lead_id, s.type, s.occurred_at, s.properties FROM signal s "
        "JOIN lead l ON l.id = s.lead_id "
        "WHERE l.created_at >= :since AND l.created_at < :until "
        "ORDER BY s.lead_id, s.occurred_at, s.id"
    )


def bench(kind: str, leads: int, per_lead: int) -> None:
    with throwaway_database(kind) as (url, description):
        database = Database(url)
        d = Dialect(database.is_sqlite)
        upgrade(database.engine)
        began = time.perf_counter()
        with database.engine.begin() as conn:
            for statement in generate(d, leads, per_lead):
                conn.execute(text(statement))
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        with database.engine.connect() as conn:
            signals = conn.exec_driver_sql("SELECT count(*) FROM signal").scalar() or 0
        console.print(
            f"[bold]{description}[/]: {leads:,} leads, {signals:,} signals written in "
            f"{time.perf_counter() - began:.0f} s"
        )
        current = default_playbook()
        proposed = backtest.propose(current, PROPOSED)
        checked = backtest.Backtest(START, END, current, proposed)
        since, until = period_instants(START, END, current.calendar.timezone)

        began = time.perf_counter()
        with database.engine.connect() as conn:
            rows = len(conn.execute(text(baseline_sql()), {"since": since, "until": until}).all())
        base_s = time.perf_counter() - began

        began = time.perf_counter()
        read = 0
        with database.uow() as uow:
            for page in backtest.stories(uow.session, since, until, checked.readable):
                read += len(page)
        read_s = time.perf_counter() - began

        began = time.perf_counter()
        with database.uow() as uow:
            found = backtest.run(uow, backtest=checked, now=NOW)
        run_s = time.perf_counter() - began

        if rows != signals or read != leads or found["current"]["leads"] != leads:
            raise SystemExit(f"rows read {rows}, leads {read}: expected {signals}, {leads}")
        columns = ("step", "rows", "seconds", "per second", "ratio to baseline")
        table = figures_table(f"back-test, {kind}, {leads:,} leads", columns)
        table.add_row("baseline: one query, the cohort's signals", f"{rows:,}",
                      f"{base_s:.1f}", f"{rows / base_s:,.0f} signals", "1.00")  # fmt: skip
        table.add_row("reading the stories (pages of 1,000 leads)", f"{read:,}",
                      f"{read_s:.1f}", f"{read / read_s:,.0f} leads",
                      f"{read_s / base_s:.2f}")  # fmt: skip
        table.add_row("back-test (read + replay under 2 playbooks)", f"{signals:,}",
                      f"{run_s:.1f}", f"{signals / run_s:,.0f} signals",
                      f"{run_s / base_s:.2f}")  # fmt: skip
        console.print(table)
        console.print(found)
        database.dispose()


def main() -> None:
    args = parse_args(__doc__ or "", {
        "leads": (100_000, "leads on PostgreSQL"),
        "sqlite_leads": (100_000, "leads on SQLite"),
        "signals_per_lead": (20, "signals of each lead"),
    })  # fmt: skip
    console.print(f"[bold]bench_backtest[/] {run_context()}")
    for kind in selected_databases(args.db):
        leads = args.leads if kind == "postgresql" else args.sqlite_leads
        bench(kind, leads, args.signals_per_lead)


if __name__ == "__main__":
    main()
