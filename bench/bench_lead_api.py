"""Lead API cost in-process (issue #2): create and convert, against a bare INSERT of a lead row.

    .venv/bin/python bench/bench_lead_api.py [--db sqlite|postgresql|both] [--n 2000]

For each database: a throw-away database, migrated, one admin user with a token, and the app
(``create_app``) driven by FastAPI's TestClient in this process. Timed, ``--n`` calls each:

- bare insert: one ``lead`` row, ``engine.begin()`` + ``insert(lead)`` + commit, through the
  app's own engine: the floor any write path pays (the baseline of the ratios);
- ``POST /api/v1/leads`` (validation, dedupe look-ups, status history and audit rows);
  bare inserts and creates alternate call by call, so both see the same table size;
- ``PATCH /api/v1/leads/{id}/qualification`` (prepares the conversions; shown for reference);
- ``POST /api/v1/leads/{id}/convert``, each lead with its own company: every conversion creates
  an account, a contact and an opportunity.

Printed: p50 and p99 in milliseconds and the ratio of each p50 to the bare insert p50. The API
figures include the TestClient's own cost (an in-process ASGI round trip, about a millisecond);
``bench_http.py`` measures the same paths over a real socket.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from _support.common import (
    Names,
    Target,
    bench_target,
    console,
    convert_body,
    figures_table,
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
from bascule.app import create_app
from bascule.config import Settings
from bascule.storage import tables as t
from bascule.storage.uow import Database

WARMUP = 25


def _timed(samples: list[int], call: Callable[[], Any]) -> Any:
    start = time.perf_counter_ns()
    result = call()
    samples.append(time.perf_counter_ns() - start)
    return result


def _check(response: Any, expected: int, what: str) -> dict[str, Any]:
    if response.status_code != expected:
        raise SystemExit(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def run(target: Target, n: int, seed: int) -> dict[str, list[int]]:
    rng = random.Random(seed)
    names = Names(rng)
    database = Database(target.url)
    app = create_app(Settings(database_url=target.url), database)
    lead_table = t.Lead.__table__
    now = datetime.now(UTC)
    today = now.date()
    bare_rows = [
        lead_row(rng, names, i, owner_id=target.user_id, now=now, status="new")
        for i in range(n + WARMUP)
    ]
    payloads = [lead_fields(rng, names, f"a{i}") for i in range(n + WARMUP)]
    samples: dict[str, list[int]] = {"bare": [], "create": [], "qualify": [], "convert": []}
    headers = {"Authorization": f"Bearer {target.token}"}

    def bare_insert(row: dict[str, Any]) -> None:
        with database.engine.begin() as conn:
            conn.execute(insert(lead_table), row)

    try:
        with in_process_client(app, headers) as client, progress() as bar:

            def create(payload: dict[str, Any]) -> dict[str, Any]:
                return _check(client.post("/api/v1/leads", json=payload), 201, "create")

            def qualify(lead_id: int) -> None:
                url = f"/api/v1/leads/{lead_id}/qualification"
                _check(client.patch(url, json=qualification_body()), 200, "qualify")

            def convert(lead_id: int, company: str) -> None:
                url = f"/api/v1/leads/{lead_id}/convert"
                _check(client.post(url, json=convert_body(company, today)), 201, "convert")

            created: list[tuple[int, str]] = []
            # Warm-up (not timed): first requests compile queries and fill caches.
            for i in range(WARMUP):
                bare_insert(bare_rows[i])
                lead = create(payloads[i])
                qualify(lead["id"])
                convert(lead["id"], lead["company"])
            task = bar.add_task(f"{target.kind}: bare insert + create", total=n)
            for i in range(WARMUP, WARMUP + n):
                _timed(samples["bare"], lambda i=i: bare_insert(bare_rows[i]))
                lead = _timed(samples["create"], lambda i=i: create(payloads[i]))
                created.append((lead["id"], lead["company"]))
                bar.advance(task)
            task = bar.add_task(f"{target.kind}: qualify", total=n)
            for lead_id, _ in created:
                _timed(samples["qualify"], lambda lead_id=lead_id: qualify(lead_id))
                bar.advance(task)
            task = bar.add_task(f"{target.kind}: convert", total=n)
            for lead_id, company in created:
                _timed(
                    samples["convert"],
                    lambda lead_id=lead_id, company=company: convert(lead_id, company),
                )
                bar.advance(task)
    finally:
        database.dispose()
    return samples


LABELS = {
    "bare": "bare INSERT lead row + commit (baseline)",
    "create": "POST /api/v1/leads",
    "qualify": "PATCH /api/v1/leads/{id}/qualification (preparation)",
    "convert": "POST /api/v1/leads/{id}/convert",
}


def main() -> None:
    args = parse_args(
        "Time lead create and convert through the API, against a bare lead INSERT.",
        {"n": (2000, "timed calls per operation (default 2000)")},
    )
    console.print(
        f"[bold]bench_lead_api[/]: in-process TestClient, n={args.n} per operation, {run_context()}"
    )
    table = figures_table(
        "Lead API in-process: p50/p99 and ratio to a bare lead INSERT p50",
        ("db", "operation", "p50 ms", "p99 ms", "ratio to bare insert p50"),
    )
    ran_on: list[str] = []
    for kind in selected(args.db):
        with bench_target(kind) as target:
            console.print(f"[bold]{kind}[/]: {target.description}")
            ran_on.append(f"{kind}: {target.description}")
            samples = run(target, args.n, args.seed)
        base = percentile(samples["bare"], 50)
        for key, label in LABELS.items():
            p50 = percentile(samples[key], 50)
            p99 = percentile(samples[key], 99)
            table.add_row(kind, label, f"{p50:.2f}", f"{p99:.2f}", f"{p50 / base:.1f}x")
        table.add_section()
    console.print(table)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
