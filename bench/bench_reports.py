"""SPEC §16 reports over a large generated history (issue #13): funnel, pipeline and
stage-time reports, each against one hand-written SQL query giving the same numbers, with the
plan of the report's main statement.

    .venv/bin/python bench/bench_reports.py [--db sqlite|postgresql|both] [--leads 1000000]
                                            [--sqlite-leads 1000000] [--repeats 3] [--keep 1]

For each database: a throw-away database and ``--leads`` leads (``--sqlite-leads`` on SQLite)
created over 2025, generated in SQL (a recursive counter and a fixed draw per id, the same on
both databases): every lead a ``new`` row, 70 % contacted, 30 % mql, 15 % sql, 5 % converted
(an opportunity each: a quarter won, a quarter lost for no_real_need, the rest open), 10 %
disqualified; 2.3 history rows per lead. Then ``ANALYZE``. Each report runs over the whole year
(every lead in the cohort: the worst case), median of ``--repeats`` runs taking turns with its
baseline's (JIT off for both on PostgreSQL, as the reports set it); both answers are compared
(the bench stops if they differ). CPU seconds of one more run of each: the server backend's on
PostgreSQL (no parallel workers for it), the process's on SQLite: what the load of other
processes hardly changes. Plans: SQLite
``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN (ANALYZE, BUFFERS)``. Targets: ratio <= 1.5 and
<= 2 s on PostgreSQL.

``--keep 1`` keeps the generated data between runs (generating a million leads takes minutes):
the PostgreSQL database ``bascule_bench_reports`` and the SQLite file
``$TMPDIR/bascule_bench_reports.db``, migrated again at each run and generated only when they
hold a different number of leads. ``--keep 2`` drops them.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from _support.common import (
    PG_ADMIN_URL,
    console,
    figures_table,
    parse_args,
    run_context,
    throwaway_database,
)
from _support.common import selected as selected_databases
from bascule.analytics import reports
from bascule.analytics.reports import Query
from bascule.playbook.load import default_playbook
from bascule.storage.db import make_engine
from bascule.storage.migrate import upgrade
from bascule.storage.tables import FUNNEL_ROWS
from bascule.storage.uow import Database

KEPT = "bascule_bench_reports"

START, END = date(2025, 1, 1), date(2025, 12, 31)
SINCE, UNTIL = "2024-12-31 23:00:00", "2025-12-31 23:00:00"  # the year in Paris, in UTC
NOW = datetime(2026, 1, 15, tzinfo=UTC)
STALL = "2026-01-01 00:00:00"  # NOW - 14 days: the default lead stall threshold
H = "(((id % 1000) * 7919) % 1000)"  # a fixed draw per id, 0-999


class Dialect:
    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        self.true, self.false = ("1", "0") if sqlite else ("true", "false")

    def at(self, days: int | str, id_: str = "id") -> str:
        """Creation (a minute of 2025 drawn from the id) plus ``days``."""
        if self.sqlite:
            return (f"(datetime('2025-01-01', '+' || (({id_} * 37) % 524160) || ' minutes', "
                    f"'+' || ({days}) || ' days') || '.000000')")  # fmt: skip
        return (f"(timestamp '2025-01-01' + (({id_} * 37) % 524160) * interval '1 minute' "
                f"+ ({days}) * interval '1 day')")  # fmt: skip

    def day(self, days: int) -> str:
        return f"date({self.at(days)})" if self.sqlite else f"CAST({self.at(days)} AS date)"

    def hours(self, start: str, end: str) -> str:
        if self.sqlite:
            return f"((julianday({end}) - julianday({start})) * 24.0)"
        return f"(date_part('epoch', {end} - {start}) / 3600.0)"


def generate(d: Dialect, n: int) -> list[str]:
    counter = f"WITH RECURSIVE c(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM c WHERE id < {n})"
    status = (f"CASE WHEN {H} < 50 THEN 'converted' WHEN {H} < 150 THEN 'sql' WHEN {H} < 300 "
              f"THEN 'mql' WHEN {H} < 700 THEN 'contacted' WHEN {H} < 800 THEN 'disqualified' "
              "ELSE 'new' END")  # fmt: skip
    source = ("CASE id % 4 WHEN 0 THEN 'web_form' WHEN 1 THEN 'referral' "
              "WHEN 2 THEN 'trade_show' ELSE 'demo_request' END")  # fmt: skip
    steps = (("NULL", "'new'", 0, "1 = 1"), ("'new'", "'contacted'", 1, f"{H} < 700"),
             ("'contacted'", "'mql'", 3, f"{H} < 300"), ("'mql'", "'sql'", 6, f"{H} < 150"),
             ("'sql'", "'converted'", 10, f"{H} < 50"),
             ("'new'", "'disqualified'", 2, f"{H} >= 700 AND {H} < 800"))  # fmt: skip
    stage = ("CASE id % 4 WHEN 0 THEN 'won' WHEN 1 THEN 'lost' WHEN 2 THEN 'proposal' "
             "ELSE 'qualification' END")  # fmt: skip
    probability = "CASE id % 4 WHEN 0 THEN 100 WHEN 1 THEN 0 WHEN 2 THEN 50 ELSE 10 END"
    closed = f"CASE WHEN id % 4 < 2 THEN {d.true} ELSE {d.false} END"
    won = f"CASE WHEN id % 4 = 0 THEN {d.true} ELSE {d.false} END"
    statements = [
        "INSERT INTO account (id, name, name_key, is_customer, created_at, updated_at) "
        f"VALUES (1, 'Acme', 'acme', {d.false}, {d.at(0, '1')}, {d.at(0, '1')})",
        f"{counter} INSERT INTO lead (id, source, campaign, kind, status, employees, score, "
        "score_explanation, ready_to_convert, do_not_contact, search_text, created_at, "
        f"updated_at) SELECT id, {source}, 'c' || (id % 7), 'sales', {status}, id % 300, 0, "
        f"'[]', {d.false}, {d.false}, '', {d.at(0)}, {d.at(0)} FROM c",
        *(
            f"{counter} INSERT INTO lead_status_history (lead_id, from_status, to_status, "
            f"changed_at, kind) SELECT id, {before}, {to}, {d.at(days)}, 'progress' FROM c "
            f"WHERE {cond}"
            for before, to, days, cond in steps
        ),
        f"{counter} INSERT INTO opportunity (id, name, name_key, account_id, amount, currency, "
        "expected_close_date, stage, probability, type, lead_source, lead_id, loss_reason, "
        "is_closed, is_won, closed_at, created_at, updated_at) SELECT id, 'P' || id, "
        f"'p' || id, 1, 1000 * (id % 90 + 1), 'EUR', {d.day(70)}, {stage}, {probability}, "
        "'new_business', 'web_form', id, CASE WHEN id % 4 = 1 THEN 'no_real_need' END, "
        f"{closed}, {won}, CASE WHEN id % 4 < 2 THEN {d.at(50)} END, {d.at(10)}, {d.at(10)} "
        f"FROM c WHERE {H} < 50",
        "INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, "
        "probability, amount, changed_at) SELECT id, NULL, 'qualification', 10, amount, "
        "created_at FROM opportunity",
        "INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, "
        f"probability, amount, changed_at) SELECT id, 'qualification', stage, probability, "
        f"amount, {d.at(40)} FROM opportunity WHERE stage <> 'qualification'",
        f"UPDATE lead SET opportunity_id = id WHERE {H} < 50",
    ]
    return statements


def funnel_sql(d: Dialect) -> str:
    """The best hand-written query: the highest step each lead's history holds (to or from),
    from the rows reaching mql on only (what the partial index of 0020 holds), joined to the
    cohort, one pass."""
    rank = "CASE {} WHEN 'mql' THEN 2 WHEN 'sql' THEN 3 WHEN 'converted' THEN 4 ELSE 0 END"
    return f"""
SELECT l.source AS key, count(*) AS leads,
  sum(CASE WHEN h.r >= 2 THEN 1 ELSE 0 END) AS mql, sum(CASE WHEN h.r >= 3 THEN 1 ELSE 0 END) AS sql,
  sum(CASE WHEN h.r >= 4 THEN 1 ELSE 0 END) AS opportunities,
  sum(CASE WHEN h.r >= 4 AND o.is_won = {d.true} THEN 1 ELSE 0 END) AS won,
  sum(CASE WHEN h.r >= 4 AND o.is_closed = {d.true} AND o.is_won = {d.false} THEN 1 ELSE 0 END) AS lost
FROM lead l
LEFT JOIN (SELECT lead_id, max(CASE WHEN {rank.format("to_status")} >= {rank.format("from_status")}
                                    THEN {rank.format("to_status")} ELSE {rank.format("from_status")} END) AS r
           FROM lead_status_history
           WHERE {FUNNEL_ROWS}
           GROUP BY lead_id) h ON h.lead_id = l.id
LEFT JOIN opportunity o ON o.id = l.opportunity_id
WHERE l.created_at >= '{SINCE}' AND l.created_at < '{UNTIL}'
GROUP BY l.source"""  # noqa: E501


def pipeline_sql(d: Dialect) -> str:
    return f"""
SELECT stage AS key, sum(oc) AS open_count, sum(oa) AS open_amount, sum(w) / 100 AS weighted_amount,
  sum(wc) AS won_count, sum(wa) AS won_amount, sum(lc) AS lost_count, sum(la) AS lost_amount
FROM (
  SELECT stage, 1 AS oc, amount AS oa, amount * probability AS w, 0 AS wc, NULL AS wa, 0 AS lc, NULL AS la
  FROM opportunity WHERE is_closed = {d.false} AND expected_close_date BETWEEN '{START}' AND '{END}'
  UNION ALL
  SELECT stage, 0, NULL, NULL, CASE WHEN is_won = {d.true} THEN 1 ELSE 0 END,
    CASE WHEN is_won = {d.true} THEN amount END, CASE WHEN is_won = {d.true} THEN 0 ELSE 1 END,
    CASE WHEN is_won = {d.true} THEN NULL ELSE amount END
  FROM opportunity WHERE is_closed = {d.true} AND closed_at >= '{SINCE}' AND closed_at < '{UNTIL}'
) x GROUP BY stage"""  # noqa: E501


def stage_times_sql(d: Dialect) -> str:
    ended = f"lft >= '{SINCE}' AND lft < '{UNTIL}'"
    stays = (
        "SELECT to_status AS st, changed_at AS e, lead(changed_at) OVER (PARTITION BY lead_id "
        "ORDER BY changed_at, id) AS lft FROM lead_status_history "
        "WHERE from_status IS NULL OR from_status <> to_status"
    )
    counts = (
        f"SELECT st, sum(CASE WHEN e >= '{SINCE}' AND e < '{UNTIL}' THEN 1 ELSE 0 END) AS entered, "
        f"sum(CASE WHEN {ended} THEN 1 ELSE 0 END) AS lft_n, "
        "sum(CASE WHEN lft IS NULL THEN 1 ELSE 0 END) AS cur, "
        f"sum(CASE WHEN lft IS NULL AND st IN ('new', 'contacted', 'nurturing', 'mql', 'sql') "
        f"AND e < '{STALL}' THEN 1 ELSE 0 END) AS stalled"
    )
    if not d.sqlite:
        spent, only = d.hours("e", "lft"), f"FILTER (WHERE {ended})"
        # Both percentiles from one sort of each status's ended stays, as the report does.
        both = f"percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY {spent}) {only}"
        return (f"SELECT *, p[1] AS p50, p[2] AS p90 FROM (WITH s AS ({stays}) {counts}, "
                f"{both} AS p FROM s GROUP BY st) q")  # fmt: skip
    return f"""
WITH s AS ({stays}),
c AS ({counts} FROM s GROUP BY st),
r AS (SELECT st, h, ROW_NUMBER() OVER (PARTITION BY st ORDER BY h) - 1 AS i, count(*) OVER (PARTITION BY st) AS n
      FROM (SELECT st, {d.hours("e", "lft")} AS h FROM s WHERE {ended})),
p AS (SELECT st, n, max(CASE WHEN i = (n - 1) * 50 / 100 THEN h END) AS a50, max(CASE WHEN i = (n - 1) * 50 / 100 + 1 THEN h END) AS b50,
             max(CASE WHEN i = (n - 1) * 90 / 100 THEN h END) AS a90, max(CASE WHEN i = (n - 1) * 90 / 100 + 1 THEN h END) AS b90
      FROM r GROUP BY st, n)
SELECT c.*, a50 + (coalesce(b50, a50) - a50) * (((n - 1) * 50 % 100) / 100.0) AS p50,
       a90 + (coalesce(b90, a90) - a90) * (((n - 1) * 90 % 100) / 100.0) AS p90
FROM c LEFT JOIN p ON p.st = c.st"""  # noqa: E501


def _money(value: Any) -> float:
    return round(float(value or 0), 2)


def same_funnel(report: dict[str, Any], rows: list[Any]) -> bool:
    mine = {r["key"]: tuple(r[k] for k in ("leads", "mql", "sql", "opportunities", "won", "lost"))
            for r in report["rows"]}  # fmt: skip
    return mine == {r.key: (r.leads, r.mql, r.sql, r.opportunities, r.won, r.lost) for r in rows}


def same_pipeline(report: dict[str, Any], rows: list[Any]) -> bool:
    names = ("open_count", "open_amount", "weighted_amount", "won_count", "won_amount",
             "lost_count", "lost_amount")  # fmt: skip
    mine = {r["key"]: tuple(_money(r[k]) for k in names) for r in report["rows"]}
    return mine == {r.key: tuple(_money(getattr(r, k)) for k in names) for r in rows}


def same_stage_times(report: dict[str, Any], rows: list[Any]) -> bool:
    names = ("entered", "left", "current", "stalled", "median_hours", "p90_hours")
    rows_ = [r for r in report["rows"] if r["entered"] or r["current"]]
    mine = {r["key"]: tuple(r[n] for n in names) for r in rows_}
    theirs = {r.st: (r.entered, r.lft_n, r.cur, r.stalled,
                     None if r.p50 is None else round(float(r.p50), 2),
                     None if r.p90 is None else round(float(r.p90), 2)) for r in rows}  # fmt: skip
    return mine == theirs


def timed(runs: dict[str, Callable[[], Any]], repeats: int) -> dict[str, tuple[float, Any]]:
    """Median seconds and last answer of each run, the runs taking turns: on a loaded machine
    the load then weighs on each alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    answers: dict[str, Any] = {}
    for _ in range(repeats):
        for name, run in runs.items():
            began = time.perf_counter()
            answers[name] = run()
            times[name].append(time.perf_counter() - began)
    return {name: (statistics.median(times[name]), answers[name]) for name in runs}


class BackendClock:
    """CPU seconds the PostgreSQL backend spent on the statements sent through ``engine``
    (read in ``/proc``: the server runs on this machine). Unlike the elapsed time, it hardly
    moves with the load of other processes: about what the statement takes on an idle core."""

    def __init__(self, engine: Engine) -> None:
        self.spent, self._started = 0.0, 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    @staticmethod
    def _cpu(conn: Any) -> float:
        pid = conn.connection.dbapi_connection.info.backend_pid
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _before(self, conn: Any, *_: Any) -> None:
        self._started = self._cpu(conn)

    def _after(self, conn: Any, *_: Any) -> None:
        self.spent += self._cpu(conn) - self._started


def cpu_seconds(database: Database, run: Callable[[Database], Any], sqlite: bool) -> float:
    """CPU seconds of one run: the process's own on SQLite (in-process), the server
    backend's on PostgreSQL, without parallel workers (whose time the backend's omits)."""
    if sqlite:
        began = time.process_time()
        run(database)
        return time.process_time() - began
    url = database.engine.url.update_query_dict({"options": "-c max_parallel_workers_per_gather=0"})
    serial = Database(url.render_as_string(hide_password=False))
    try:
        clock = BackendClock(serial.engine)
        run(serial)
        return clock.spent
    finally:
        serial.dispose()


def plan(engine: Engine, sqlite: bool, run: Callable[[], Any]) -> list[str]:
    """The plan of the longest statement ``run`` sends (the report's aggregate)."""
    seen: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statement, parameters = max(seen, key=lambda s: len(s[0]))
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    with engine.connect() as conn:
        if not sqlite:  # as the report's transaction runs it
            conn.exec_driver_sql("SET LOCAL jit = off")
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    return [str(row[-1]) if sqlite else str(row[0]) for row in rows]


def _admin(statement: str) -> Any:
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    try:
        with admin.connect() as conn:
            result = conn.execute(text(statement))
            return result.all() if result.returns_rows else []
    finally:
        admin.dispose()


@contextmanager
def kept_database(kind: str) -> Iterator[tuple[str, str]]:
    """The database kept between runs (``--keep 1``): created if missing, never dropped here."""
    if kind == "sqlite":
        path = os.path.join(tempfile.gettempdir(), f"{KEPT}.db")
        yield f"sqlite:///{path}", f"SQLite (kept file {path}, WAL)"
        return
    if not _admin(f"SELECT 1 FROM pg_database WHERE datname = '{KEPT}'"):
        _admin(f'CREATE DATABASE "{KEPT}"')
    version = _admin("SHOW server_version")[0][0]
    url = make_url(PG_ADMIN_URL).set(database=KEPT).render_as_string(hide_password=False)
    yield url, f"PostgreSQL {version} (kept database {KEPT}, psycopg 3)"


def drop_kept() -> None:
    _admin(f'DROP DATABASE IF EXISTS "{KEPT}" WITH (FORCE)')
    path = os.path.join(tempfile.gettempdir(), f"{KEPT}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    console.print(f"dropped the kept database {KEPT} and file {path}")


def fill(database: Database, d: Dialect, leads: int, description: str) -> None:
    """Generate ``leads`` leads and their history unless the database already holds them."""
    with database.engine.connect() as conn:
        held = conn.exec_driver_sql("SELECT count(*) FROM lead").scalar()
    began = time.perf_counter()
    if held != leads:
        with database.engine.begin() as conn:
            for table in ("lead_status_history", "opportunity_stage_history"):
                conn.exec_driver_sql(f"DELETE FROM {table}")
            conn.exec_driver_sql("UPDATE lead SET opportunity_id = NULL")
            for table in ("opportunity", "lead", "account"):
                conn.exec_driver_sql(f"DELETE FROM {table}")
            for statement in generate(d, leads):
                conn.execute(text(statement))
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
        if not d.sqlite:  # the visibility map, as a real database's autovacuum keeps it
            conn.exec_driver_sql("VACUUM")
    with database.engine.connect() as conn:
        history = conn.exec_driver_sql("SELECT count(*) FROM lead_status_history").scalar()
    done = "written" if held != leads else "kept, analysed"
    console.print(f"[bold]{description}[/]: {leads:,} leads, {history:,} history rows "
                  f"{done} in {time.perf_counter() - began:.0f} s")  # fmt: skip


def bench(kind: str, leads: int, repeats: int, keep: bool) -> None:
    with (kept_database if keep else throwaway_database)(kind) as (url, description):
        database = Database(url)
        d = Dialect(database.is_sqlite)
        upgrade(database.engine)
        fill(database, d, leads, description)
        pb = default_playbook()
        cases = {
            "funnel by source": (
                lambda uow: reports.funnel(uow, query=Query(START, END, "source"), playbook=pb),
                funnel_sql(d), same_funnel),
            "pipeline by stage": (
                lambda uow: reports.pipeline(uow, query=Query(START, END, "stage"), playbook=pb),
                pipeline_sql(d), same_pipeline),
            "stage times (lead)": (
                lambda uow: reports.stage_times(uow, query=Query(START, END), pipeline="lead",
                                                playbook=pb, now=NOW),
                stage_times_sql(d), same_stage_times),
        }  # fmt: skip
        columns = ("report", "baseline", "baseline s", "report s", "ratio", "baseline CPU s",
                   "report CPU s", "CPU ratio")  # fmt: skip
        table = figures_table(f"SPEC §16 reports, {kind}, {leads:,} leads", columns)
        plans = {}
        for name, (report, sql, same) in cases.items():

            def run(db: Database = database, report: Callable[[Any], Any] = report) -> Any:
                with db.uow() as uow:
                    return report(uow)

            def raw(db: Database = database, sql: str = sql) -> Any:
                with db.engine.connect() as conn:
                    if not d.sqlite:  # as the reports do (analytics.queries.without_jit)
                        conn.exec_driver_sql("SET LOCAL jit = off")
                    return conn.execute(text(sql)).all()

            run(), raw()  # warm the caches alike
            found = timed({"baseline": raw, "report": run}, repeats)
            (base_s, rows), (mine_s, answer) = found["baseline"], found["report"]
            if not same(answer, rows):
                raise SystemExit(f"{name}: the report and the baseline disagree")
            base_cpu = cpu_seconds(database, raw, d.sqlite)
            mine_cpu = cpu_seconds(database, run, d.sqlite)
            table.add_row(name, "hand-written SQL", f"{base_s:.3f}", f"{mine_s:.3f}",
                          f"{mine_s / base_s:.2f}", f"{base_cpu:.2f}", f"{mine_cpu:.2f}",
                          f"{mine_cpu / base_cpu:.2f}" if base_cpu else "-")  # fmt: skip
            plans[name] = plan(database.engine, d.sqlite, run)
        for name, lines in plans.items():
            console.print(f"\n[bold]plan: {name}[/]")
            for line in lines:
                console.print("  " + line, markup=False, highlight=False, soft_wrap=True)
        console.print(table)
        database.dispose()


def main() -> None:
    args = parse_args(__doc__ or "", {
        "leads": (1_000_000, "leads on PostgreSQL"),
        "sqlite_leads": (1_000_000, "leads on SQLite"),
        "repeats": (3, "runs of each report and baseline (median)"),
        "keep": (0, "1: keep the generated database between runs, 2: drop the kept one"),
    })  # fmt: skip
    if args.keep == 2:
        drop_kept()
        return
    console.print(f"[bold]bench_reports[/] {run_context()}")
    for kind in selected_databases(args.db):
        leads = args.leads if kind == "postgresql" else args.sqlite_leads
        bench(kind, leads, args.repeats, args.keep == 1)


if __name__ == "__main__":
    main()
