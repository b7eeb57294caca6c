"""Lead lists at 20,000 and at 1,000,000 leads: the plan of each list query as the API sends it,
whether the database sorts to find the page, and the request's p50 in process.

    .venv/bin/python bench/bench_list_plans.py [--db sqlite|postgresql|both] [--leads 1000000]
                                               [--n 100]

For each database: a throw-away database, five owners, then 20,000 leads written by one
``INSERT ... SELECT`` over a number series (``generate_series`` on PostgreSQL, a recursive CTE
on SQLite), ``ANALYZE`` on PostgreSQL (what autovacuum does after such a load; SQLite runs with
no statistics, as the app leaves it). At 20,000 leads, then again after growing the table to
``--leads``: for each list of ``LIST_REQUESTS`` (plain, by status, source, status and source,
owner, owner and status, text search), page 1 of 10 rows sorted ``-created_at``:

- its page SELECT, captured as the app sends it, explained (PostgreSQL
  ``EXPLAIN (ANALYZE, BUFFERS)``, SQLite ``EXPLAIN QUERY PLAN``), with a verdict: index order
  (no sort), or how many matching rows were sorted;
- ``--n`` requests through the app in process (TestClient), p50, against the p50 of
  ``GET /api/v1/health`` sent just before each one (the baseline, same run).

Then the plain, status + source and text search lists again as the first seller, who reads
only their own leads (a fifth): the record-access condition in the plan (SPEC §18).

The list's ``total`` is a ``count(*)`` over the matches: it grows with the table whatever the
plan of the page, and the PostgreSQL execution time shown is the page and the count together.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from sqlalchemy import text

from _support.common import (
    Target,
    bench_target,
    console,
    figures_table,
    in_process_client,
    parse_args,
    percentile,
    progress,
    run_context,
    selected,
)
from _support.plans import LIST_REQUESTS, explain, generate_leads, list_statement
from bascule.app import create_app
from bascule.config import Settings
from bascule.storage.uow import Database
from bascule.users import service as users

FIRST_SIZE = 20_000
CHUNK = 200_000
OWNERS = 4  # besides the bench's admin


def add_owners(database: Database) -> tuple[list[int], str]:
    """The owners (sellers: each reads only their own leads) and the first one's token."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        ids = [
            users.create_user(
                uow, email=f"owner{k}@bench.example.com", role="sales", name=f"O{k}", now=now
            ).id
            for k in range(OWNERS)
        ]
        token = users.create_token(uow, email="owner0@bench.example.com", label="b", now=now)
        uow.commit()
    return ids, token


def grow(database: Database, have: int, want: int, owners: list[int], bar: Any) -> None:
    task = bar.add_task(f"leads {have} → {want}", total=want - have)
    while have < want:
        step = min(CHUNK, want - have)
        generate_leads(database.engine, step, owners=owners, start=have)
        have += step
        bar.advance(task, step)
    if not database.is_sqlite:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE lead"))


# The same lists read by a seller, who reads only their own leads (SPEC §18): the access
# condition names their id, and the page and its count must still not sort or scan everything.
AS_SELLER = ("plain", "status+source", "q")


def measure(
    target: Target, database: Database, size: int, n: int, owner: int, seller: str, table: Any
) -> None:
    app = create_app(Settings(database_url=target.url), database)
    admin = {"Authorization": f"Bearer {target.token}"}
    requests = [(name, request, admin) for name, request in LIST_REQUESTS.items()]
    requests += [
        (f"{name}, as a seller", LIST_REQUESTS[name], {"Authorization": f"Bearer {seller}"})
        for name in AS_SELLER
    ]
    with in_process_client(app, {}) as client:
        for name, request, headers in requests:
            client.headers.update(headers)
            params = {k: v.format(owner=owner) for k, v in request.items()}
            for _ in range(3):  # warm-up: compile, fill caches
                client.get("/api/v1/leads", params=params)
            captured = list_statement(client, database.engine, params)
            plan = explain(database.engine, captured)
            health: list[int] = []
            lists: list[int] = []
            total = 0
            for _ in range(n):
                start = time.perf_counter_ns()
                client.get("/api/v1/health")
                health.append(time.perf_counter_ns() - start)
                start = time.perf_counter_ns()
                response = client.get("/api/v1/leads", params=params)
                lists.append(time.perf_counter_ns() - start)
                total = response.json()["total"]
            p50, base = percentile(lists, 50), percentile(health, 50)
            executed = next((ln for ln in plan.lines if ln.startswith("Execution Time")), "")
            table.add_row(
                target.kind,
                f"{size:,}",
                name,
                f"{total:,}",
                f"{p50:.2f}",
                f"{p50 / base:.1f}x",
                plan.verdict,
                executed.replace("Execution Time: ", ""),
            )
            console.print(f"[bold]{target.kind}, {size:,} leads, list {name}[/] {params}:")
            for line in plan.lines:
                console.print(f"    {line}", markup=False, highlight=False)


def main() -> None:
    args = parse_args(
        "Lead list plans and p50 at 20,000 and --leads leads, against GET /health.",
        {
            "leads": (1_000_000, "leads in the second measurement (default 1000000)"),
            "n": (100, "timed requests per list and size (default 100)"),
        },
    )
    console.print(
        f"[bold]bench_list_plans[/]: in-process TestClient, page 1 of 10, n={args.n} per list, "
        f"{FIRST_SIZE:,} then {args.leads:,} leads, {run_context()}"
    )
    table = figures_table(
        "Lead lists: matches, p50, ratio to GET /health p50, plan of the page query",
        ("db", "leads", "list", "matches", "p50 ms", "p50 / health", "plan", "SQL time"),
        names=3,
    )
    ran_on: list[str] = []
    for kind in selected(args.db):
        with bench_target(kind) as target:
            console.print(f"[bold]{kind}[/]: {target.description}")
            ran_on.append(f"{kind}: {target.description}")
            database = Database(target.url)
            try:
                sellers, seller_token = add_owners(database)
                owners = [target.user_id, *sellers]
                have = 0
                for size in sorted({FIRST_SIZE, args.leads}):
                    with progress() as bar:
                        grow(database, have, size, owners, bar)
                    have = size
                    measure(target, database, size, args.n, owners[1], seller_token, table)
            finally:
                database.dispose()
        table.add_section()
    console.print(table)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
