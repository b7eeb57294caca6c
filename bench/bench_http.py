"""SPEC §15 protocol over HTTP: one uvicorn process, one request at a time over loopback.

    .venv/bin/python bench/bench_http.py [--db sqlite|postgresql|both] [--n 1000] [--leads 20000]

For each database: a throw-away database, migrated, one admin user with a token, ``--leads``
lead rows preloaded in bulk (with their status history and some tags), then the app served by
``python -m uvicorn --factory _support.asgi:app`` in a subprocess on a free 127.0.0.1 port.
A single ``httpx.Client`` (keep-alive) sends one request at a time:

- ``POST /api/v1/leads`` (create), ``--n`` times;
- ``GET /api/v1/leads`` page 1, page_size 10: plain, ``?status=new&source=web_form``, and
  ``?q=<a last name>`` (text search), ``--n`` times each;
- ``POST /api/v1/leads/{id}/convert`` on the leads created above (qualified first, untimed),
  each with its own company, so every conversion creates an account;
- the API process's peak RSS (``VmHWM`` in ``/proc/<pid>/status``) at the end.

Baseline, same run and same connection: ``GET /api/v1/health`` (no database), sent just before
every timed request, so it sees the same conditions. Each operation stops after ``--n`` calls
or ``--max-seconds`` (but never under 200 calls), which keeps a slow build's run bounded.

Then, in this process, the SQL statements of one list request (after a warm-up request) are
counted with a ``before_cursor_execute`` listener on the app's engine: the figure compared with
the budget of 3 leaves out transaction control (SQLite's explicit ``BEGIN``; psycopg sends
PostgreSQL's ``BEGIN``/``ROLLBACK`` itself, so they are not seen there at all).

Each list's page SELECT, captured as the app sends it, is then explained (PostgreSQL
``EXPLAIN (ANALYZE, BUFFERS)``, SQLite ``EXPLAIN QUERY PLAN``) and the plan printed, with a
verdict: read in index order, or how many matching rows the database sorted to find the page
(``bench_list_plans.py`` does the same at 1,000,000 leads).

Each figure is printed against its SPEC §15 target and as a ratio to the health p50.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import event, insert, literal, select, text

from _support.common import (
    LAST_NAMES,
    Names,
    Target,
    bench_target,
    console,
    convert_body,
    in_process_client,
    lead_fields,
    lead_row,
    parse_args,
    percentile,
    progress,
    qualification_body,
    run_context,
    selected,
)
from _support.plans import Plan, explain, list_statement
from bascule.app import create_app
from bascule.config import Settings
from bascule.storage import tables as t
from bascule.storage.uow import Database

BENCH_DIR = Path(__file__).resolve().parent
WARMUP = 30
MIN_SAMPLES = 200
PAGE = {"page_size": "10"}
FILTERED = {"status": "new", "source": "web_form", "page_size": "10"}
TAGS = ("salon-2024", "webinar", "partner", "priority", "newsletter", "rgpd-ok")
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

# SPEC §15: p50 targets in ms, the RSS target in MiB, the query budget per list request.
TARGETS_MS = {
    "create": 7.0,
    "list_plain": 18.0,
    "list_filtered": 6.0,
    "list_search": 20.0,
    "convert": 15.0,
}
RSS_TARGET_MIB = 140.0
QUERY_TARGET = 3
LABELS = {
    "health": "GET /api/v1/health (baseline, no DB)",
    "create": "create: POST /leads",
    "list_plain": "list page 1: plain",
    "list_filtered": "list page 1: status=new&source=web_form",
    "list_search": "list page 1: q=<last name>",
    "convert": "convert: POST /leads/{id}/convert",
}


@dataclass
class Result:
    samples: dict[str, list[int]] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)  # list "total" of the first page
    # False when the list stopped counting at its cap ("total" is then a lower bound)
    exact: dict[str, bool] = field(default_factory=dict)
    peak_rss_kib: int = 0
    rss_kib: int = 0
    queries: dict[str, list[str]] = field(default_factory=dict)
    plans: dict[str, Plan] = field(default_factory=dict)


# --- preload ------------------------------------------------------------------------------------


def preload(target: Target, count: int, rng: random.Random, names: Names, bar: Progress) -> None:
    """``count`` leads as the service would have left them, plus history and a few tags."""
    database = Database(target.url)
    now = datetime.now(UTC)
    lead = t.Lead
    history = t.LeadStatusHistory
    task = bar.add_task(f"{target.kind}: preload {count} leads", total=count)
    try:
        with database.engine.execution_options(write=True).begin() as conn:
            chunk = 2000
            for start in range(0, count, chunk):
                rows = [
                    lead_row(rng, names, i, owner_id=target.user_id, now=now)
                    for i in range(start, min(start + chunk, count))
                ]
                conn.execute(insert(lead), rows)
                bar.advance(task, len(rows))
            history_columns = ["lead_id", "to_status", "changed_at", "actor_user_id", "kind"]
            created = select(
                lead.id, literal("new"), lead.created_at, lead.owner_id, literal("creation")
            )
            conn.execute(insert(history).from_select(history_columns, created))
            moved = select(
                lead.id, lead.status, lead.updated_at, lead.owner_id, literal("progress")
            ).where(lead.status != "new")
            conn.execute(insert(history).from_select(history_columns, moved))
            conn.execute(insert(t.Tag), [{"name": name} for name in TAGS])
            tag_ids = list(conn.execute(select(t.Tag.id)).scalars())
            lead_ids = list(conn.execute(select(lead.id)).scalars())
            links = [
                {"lead_id": lead_id, "tag_id": tag_id}
                for lead_id in lead_ids
                if rng.random() < 0.3
                for tag_id in rng.sample(tag_ids, rng.randint(1, 2))
            ]
            conn.execute(insert(t.LeadTag), links)
        if not database.is_sqlite:
            # The table as autovacuum leaves it a minute after such a load (PostgreSQL >= 13
            # vacuums after inserts too): statistics, the visibility map that lets a count read
            # only an index, and the trigram index's pending entries merged (a search reads
            # every pending entry). bench_list_plans does the same.
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))
    finally:
        database.dispose()


# --- the API process ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(url: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """uvicorn serving the app on a free loopback port; yields (process, base URL)."""
    port = _free_port()
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "_support.asgi:app",
        "--app-dir", str(BENCH_DIR), "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    env = os.environ | {"BASCULE_DATABASE_URL": url}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(proc, base, log)
            yield proc, base
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], base: str, log: Any) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"uvicorn exited ({proc.returncode}):\n{log.read().decode()[-3000:]}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("uvicorn did not answer on /api/v1/health within 30 s")


def _memory_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of a process, in KiB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[key] = int(rest.split()[0])
    return values["VmHWM"], values["VmRSS"]


# --- timed requests -----------------------------------------------------------------------------


def _ok(response: httpx.Response, expected: int, what: str) -> httpx.Response:
    if response.status_code != expected:
        raise SystemExit(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    return response


def run_http(target: Target, n: int, leads: int, seed: int, max_seconds: float) -> Result:
    rng = random.Random(seed)
    names = Names(rng)
    result = Result()
    health: list[int] = []
    result.samples["health"] = health
    today = datetime.now(UTC).date()
    headers = {"Authorization": f"Bearer {target.token}"}
    with progress() as bar:
        preload(target, leads, rng, names, bar)
        with serve(target.url) as (proc, base), httpx.Client(base_url=base, headers=headers) as c:

            def timed(key: str, count: int, call: Callable[[int], httpx.Response]) -> list[Any]:
                samples = result.samples.setdefault(key, [])
                task = bar.add_task(f"{target.kind}: {key}", total=count)
                bodies = []
                deadline = time.monotonic() + max_seconds
                for i in range(count):
                    if i >= MIN_SAMPLES and time.monotonic() > deadline:
                        # Keeps a slow build's run bounded; the table shows the count.
                        bar.update(task, total=i)
                        break
                    start = time.perf_counter_ns()
                    _ok(c.get("/api/v1/health"), 200, "health")
                    health.append(time.perf_counter_ns() - start)
                    start = time.perf_counter_ns()
                    response = call(i)
                    samples.append(time.perf_counter_ns() - start)
                    bodies.append(response.json())
                    bar.advance(task)
                return bodies

            def create(i: int) -> httpx.Response:
                payload = lead_fields(rng, names, f"h{i}")
                return _ok(c.post("/api/v1/leads", json=payload), 201, "create")

            def qualify(lead_id: int) -> None:
                url = f"/api/v1/leads/{lead_id}/qualification"
                _ok(c.patch(url, json=qualification_body()), 200, "qualify")

            def convert(lead: dict[str, Any]) -> httpx.Response:
                url = f"/api/v1/leads/{lead['id']}/convert"
                return _ok(c.post(url, json=convert_body(lead["company"], today)), 201, "convert")

            def listing(params: dict[str, str]) -> httpx.Response:
                return _ok(c.get("/api/v1/leads", params=params), 200, "list")

            def search(i: int) -> httpx.Response:
                return listing(PAGE | {"q": LAST_NAMES[i % len(LAST_NAMES)]})

            # Warm-up, not timed: the first requests compile queries and fill caches.
            for i in range(WARMUP):
                lead = create(-1 - i).json()
                qualify(lead["id"])
                convert(lead)
                listing(PAGE)
                listing(FILTERED)
                search(i)
                c.get("/api/v1/health")

            created = timed("create", n, create)
            task = bar.add_task(f"{target.kind}: qualify (untimed)", total=len(created))
            for lead in created:
                qualify(lead["id"])
                bar.advance(task)
            for key, call in (
                ("list_plain", lambda i: listing(PAGE)),
                ("list_filtered", lambda i: listing(FILTERED)),
                ("list_search", search),
            ):
                pages = timed(key, n, call)
                result.matched[key] = pages[0]["total"]
                result.exact[key] = pages[0].get("total_exact", True)
            timed("convert", len(created), lambda i: convert(created[i]))
            result.peak_rss_kib, result.rss_kib = _memory_kib(proc.pid)
    return result


# --- SQL statements per list request (in process) -----------------------------------------------


def count_queries(target: Target, result: Result) -> None:
    database = Database(target.url)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(database.engine, "before_cursor_execute", record)
    app = create_app(Settings(database_url=target.url), database)
    try:
        with in_process_client(app, {"Authorization": f"Bearer {target.token}"}) as client:
            for key, params in (
                ("list_plain", PAGE),
                ("list_filtered", FILTERED),
                ("list_search", PAGE | {"q": LAST_NAMES[0]}),
            ):
                client.get("/api/v1/leads", params=params)  # warm caches first
                statements.clear()
                response = client.get("/api/v1/leads", params=params)
                if response.status_code != 200:
                    raise SystemExit(f"list: HTTP {response.status_code} {response.text[:500]}")
                result.queries[key] = list(statements)
                captured = list_statement(client, database.engine, params)
                result.plans[key] = explain(database.engine, captured)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
        database.dispose()


def _sql_only(statements: list[str]) -> list[str]:
    return [s for s in statements if not s.upper().startswith(TRANSACTION_CONTROL)]


# --- report -------------------------------------------------------------------------------------


def _matched(result: Result, key: str) -> str:
    if key not in result.matched:
        return ""
    if result.exact.get(key, True):
        return f"{result.matched[key]} rows match"
    return f">= {result.matched[key]} rows match (count capped)"


def report(kind: str, result: Result, table: Table) -> None:
    base = percentile(result.samples["health"], 50)

    def verdict(ok: bool) -> str:
        return "[green]ok[/]" if ok else "[red]OVER[/]"

    for key, label in LABELS.items():
        samples = result.samples[key]
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        target = TARGETS_MS.get(key)
        table.add_row(
            kind,
            label,
            str(len(samples)),
            f"{p50:.2f} ms",
            f"{p99:.2f} ms",
            "" if target is None else f"≤ {target:g} ms",
            "" if target is None else verdict(p50 <= target),
            f"{p50 / base:.1f}x",
            _matched(result, key),
        )
    peak = result.peak_rss_kib / 1024
    table.add_row(
        kind,
        "API process peak RSS (VmHWM)",
        "",
        f"{peak:.1f} MiB",
        "",
        f"≤ {RSS_TARGET_MIB:g} MiB",
        verdict(peak <= RSS_TARGET_MIB),
        "",
        f"VmRSS at the end {result.rss_kib / 1024:.1f} MiB",
    )
    for key, statements in result.queries.items():
        sql = _sql_only(statements)
        extra = len(statements) - len(sql)
        table.add_row(
            kind,
            f"SQL queries, {LABELS[key]}",
            "1",
            str(len(sql)),
            "",
            f"≤ {QUERY_TARGET}",
            verdict(len(sql) <= QUERY_TARGET),
            "",
            f"+{extra} BEGIN (SQLite transaction control)" if extra else "",
        )
    for key, plan in result.plans.items():
        table.add_row(
            kind, f"plan, {LABELS[key]}", "", "", "", "no sort",
            verdict(plan.sorted_rows is None and "TEMP B-TREE" not in " ".join(plan.lines)),
            "", plan.verdict,
        )  # fmt: skip
    table.add_section()


def main() -> None:
    args = parse_args(
        "SPEC §15 over HTTP: uvicorn + httpx, one request at a time, against GET /health.",
        {
            "n": (1000, "timed requests per operation (default 1000)"),
            "leads": (20_000, "leads preloaded before timing (default 20000)"),
            "max_seconds": (10, "stop an operation after this many seconds (at least 200 calls)"),
        },
    )
    console.print(
        f"[bold]bench_http[/]: uvicorn subprocess on 127.0.0.1, httpx keep-alive, one request "
        f"at a time, {args.leads} leads preloaded, n={args.n} per operation (at most "
        f"{args.max_seconds} s each), {run_context()}"
    )
    table = Table(title="SPEC §15 over HTTP: p50/p99, target, ratio to GET /health p50")
    for column in ("db", "figure", "n", "p50", "p99", "target", "", "p50 / health p50", "note"):
        left = column in ("db", "figure", "note")
        table.add_column(column, justify="left" if left else "right", no_wrap=column != "note")
    ran_on: list[str] = []
    results: dict[str, Result] = {}
    for kind in selected(args.db):
        with bench_target(kind) as target:
            console.print(f"[bold]{kind}[/]: {target.description}")
            ran_on.append(f"{kind}: {target.description}")
            started = time.monotonic()
            result = run_http(target, args.n, args.leads, args.seed, args.max_seconds)
            results[kind] = result
            count_queries(target, result)
            console.print(f"{kind}: done in {time.monotonic() - started:.0f} s")
        report(kind, result, table)
    console.print(table)
    for kind, result in results.items():
        for key, statements in result.queries.items():
            console.print(f"[bold]{kind}[/] SQL of one request, {LABELS[key]}:")
            for statement in statements:
                short = statement if len(statement) <= 110 else statement[:109] + "…"
                console.print(f"  {short}", markup=False, highlight=False)
    for kind, result in results.items():
        for key, plan in result.plans.items():
            console.print(f"[bold]{kind}[/] plan of the page query, {LABELS[key]}: {plan.verdict}")
            for line in plan.lines:
                console.print(f"  {line}", markup=False, highlight=False)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
