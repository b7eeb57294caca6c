"""Record-level access cost (issue 12, SPEC §18): the lead list and a report, with access on,
against the same requests without filtering (what every caller got before: everything).

    .venv/bin/python bench/bench_access.py [--db postgresql|sqlite|both] [--leads 20000] [--n 300]

A throw-away database (PostgreSQL by default), ``--leads`` leads spread evenly over ten sellers
(``bench_list_plans``' generator): one SDR among them sees a tenth; a manager (role sales) leads
a team of five of them and sees half through the role hierarchy; the admin sees everything.
Each request is timed in-process (FastAPI's TestClient), with access on and with it off (the
access condition replaced by "every record"), the two alternating request by request so both
see the same caches. Printed: p50 and p99 in milliseconds and the ratio on / off of the p50s.
Target: access costs at most 10 % (ratio <= 1.10).

Requests: ``GET /api/v1/leads?page_size=20`` (the default list: newest first, with its total)
and ``GET /api/v1/reports/funnel`` over the last year (every lead of the period counted).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from _support.common import (
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
from _support.plans import generate_leads
from bascule.access import service as access
from bascule.app import create_app
from bascule.config import Settings
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users

WARMUP = 10
SELLERS = 10


def _people(database: Database) -> tuple[list[int], dict[str, str]]:
    """Ten sellers (the first an SDR), a manager of a team of five of them; their tokens."""
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    with database.uow(write=True) as uow:
        manager = users.create_user(
            uow, email="manager@bench.fr", role="sales", name="Manager", now=now
        )
        team = t.Team(name="Bench", manager_id=manager.id)
        uow.session.add(team)
        uow.session.flush()
        ids = []
        for n in range(SELLERS):
            role = "sdr" if n == 0 else "sales"
            user = users.create_user(
                uow, email=f"seller{n}@bench.fr", role=role, name=f"Seller {n}", now=now
            )
            ids.append(user.id)
        uow.session.execute(update(t.User).where(t.User.id.in_(ids[:5])).values(team_id=team.id))
        tokens["sdr (1/10)"] = users.create_token(uow, email="seller0@bench.fr", label="b", now=now)
        tokens["manager (5/10)"] = users.create_token(
            uow, email="manager@bench.fr", label="b", now=now
        )
        uow.commit()
    return ids, tokens


def run(kind: str, leads: int, n: int) -> tuple[str, dict[tuple[str, str, str], list[int]]]:
    samples: dict[tuple[str, str, str], list[int]] = {}
    with bench_target(kind) as target:
        database = Database(target.url)
        try:
            owners, tokens = _people(database)
            tokens["admin (all)"] = target.token
            generate_leads(database.engine, leads, owners=owners)
            if kind == "postgresql":
                # As autovacuum leaves the table after such a load (as bench_http does).
                with database.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT"
                ) as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            app = create_app(Settings(database_url=target.url), database)
            today = datetime.now(UTC).date()
            requests = {
                "lead list": "/api/v1/leads?page_size=20",
                "funnel report": f"/api/v1/reports/funnel?from={today - timedelta(days=365)}"
                f"&to={today}",
            }
            # Off: every list and report reads everything (``where`` asks ``readable_parts``).
            parts = access.readable_parts
            off: Callable[..., Any] = lambda *args, **kwargs: None  # noqa: E731
            with in_process_client(app, {}) as client, progress() as bar:
                for who, token in tokens.items():
                    headers = {"Authorization": f"Bearer {token}"}
                    for name, url in requests.items():
                        task = bar.add_task(f"{kind}: {who}: {name}", total=n)
                        on_s = samples.setdefault((who, name, "on"), [])
                        off_s = samples.setdefault((who, name, "off"), [])
                        for i in range(WARMUP + n):
                            for mode, bucket in (("on", on_s), ("off", off_s)):
                                access.readable_parts = parts if mode == "on" else off  # type: ignore[assignment]
                                start = time.perf_counter_ns()
                                answer = client.get(url, headers=headers)
                                took = time.perf_counter_ns() - start
                                if answer.status_code != 200:
                                    raise SystemExit(f"{url}: {answer.status_code} {answer.text}")
                                if i >= WARMUP:
                                    bucket.append(took)
                            access.readable_parts = parts  # type: ignore[assignment]
                            if i >= WARMUP:
                                bar.advance(task)
        finally:
            access.readable_parts = parts  # type: ignore[assignment]
            database.dispose()
        return target.description, samples


def main() -> None:
    args = parse_args(
        "Time the lead list and a report with record-level access on and off.",
        {"leads": (20000, "leads in the database (default 20000)"),
         "n": (300, "timed requests per case and mode (default 300)")},
    )  # fmt: skip
    db = args.db if args.db != "both" else "both"
    console.print(
        f"[bold]bench_access[/]: {args.leads} leads, n={args.n} per case and mode, {run_context()}"
    )
    table = figures_table(
        "Record access: p50/p99 with access on and off, ratio on/off of the p50",
        ("db", "caller", "request", "on p50 ms", "off p50 ms", "on p99 ms", "ratio on/off"),
        names=3,
    )
    ran_on = []
    for kind in selected(db):
        description, samples = run(kind, args.leads, args.n)
        ran_on.append(f"{kind}: {description}")
        for (who, name, mode), values in samples.items():
            if mode != "on":
                continue
            on50, off50 = percentile(values, 50), percentile(samples[(who, name, "off")], 50)
            on99 = percentile(values, 99)
            table.add_row(
                kind, who, name, f"{on50:.2f}", f"{off50:.2f}", f"{on99:.2f}",
                f"{on50 / off50:.2f}",
            )  # fmt: skip
        table.add_section()
    console.print(table)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
