"""The lists behind a report's numbers (SPEC §16): ``GET /api/v1/leads`` and
``/opportunities`` with the report filters a report page links with, against the same list
with its plain filters only (the period: what a list without report filters costs).

    .venv/bin/python bench/bench_report_lists.py [--db sqlite|postgresql|both] [--leads 100000]
                                                 [--n 30]

For each database: a throw-away database and ``--leads`` leads of 2025 with their history and
opportunities (``bench_reports``' generator, the same on both databases), ``ANALYZE``; an
admin (who reads everything). Each request runs ``--n`` times in-process (FastAPI's
TestClient), page 1 of 20 with its exact total; printed: p50 in milliseconds and the ratio to
its list's baseline p50. No target: the drill-down is one click from a report, not the daily
list (``bench_lead_api``)."""

from __future__ import annotations

import time
from urllib.parse import quote

from sqlalchemy import text

from _support.common import (
    bench_target,
    console,
    figures_table,
    in_process_client,
    parse_args,
    percentile,
    run_context,
    selected,
)
from bascule.app import create_app
from bascule.config import Settings
from bascule.storage.uow import Database
from bench_reports import Dialect, generate

YEAR = "created_from=2025-01-01&created_to=2025-12-31"
CLOSED = "closed_from=2025-01-01&closed_to=2025-12-31"
REQUESTS = {
    "leads": (f"/api/v1/leads?{YEAR}", {
        "reached=mql": f"/api/v1/leads?{YEAR}&reached=mql",
        "outcome=won": f"/api/v1/leads?{YEAR}&outcome=won",
        "segment=10-49": f"/api/v1/leads?{YEAR}&segment={quote('10-49')}",
        "campaign=c3&source=none": f"/api/v1/leads?{YEAR}&campaign=c3&source=none",
        "status=mql&stalled=true": "/api/v1/leads?status=mql&stalled=true",
    }),
    "opportunities": ("/api/v1/opportunities?state=all", {
        "state=won, closed in 2025": f"/api/v1/opportunities?state=won&{CLOSED}",
        "lost for no_real_need": f"/api/v1/opportunities?state=lost&loss_reason=no_real_need"
                                 f"&{CLOSED}",
        "stage=proposal&stalled=true": "/api/v1/opportunities?stage=proposal&state=all"
                                       "&stalled=true",
    }),
}  # fmt: skip


def bench(kind: str, leads: int, n: int) -> None:
    with bench_target(kind) as target:
        database = Database(target.url)
        d = Dialect(database.is_sqlite)
        with database.engine.begin() as conn:
            for statement in generate(d, leads):
                conn.execute(text(statement))
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        app = create_app(Settings(database_url=target.url), database)
        client = in_process_client(app, {"Authorization": f"Bearer {target.token}"})
        table = figures_table(
            f"Lists behind report numbers, {kind}, {leads:,} leads",
            ("list", "request", "total", "p50 ms", "ratio"),
        )

        def timed(path: str) -> tuple[float, int]:
            total = client.get(path).json()["total"]  # warm up, and the answer's size
            samples = []
            for _ in range(n):
                began = time.perf_counter_ns()
                response = client.get(path)
                samples.append(time.perf_counter_ns() - began)
                assert response.status_code == 200, response.text
            return percentile(samples, 50), total

        with client:
            for name, (baseline, cases) in REQUESTS.items():
                base_ms, base_total = timed(baseline)
                table.add_row(name, "baseline: " + baseline.split("?", 1)[1], f"{base_total:,}",
                              f"{base_ms:.1f}", "1.00")  # fmt: skip
                for label, path in cases.items():
                    ms, total = timed(path)
                    table.add_row(name, label, f"{total:,}", f"{ms:.1f}", f"{ms / base_ms:.2f}")
        console.print(f"[bold]{target.description}[/]")
        console.print(table)
        database.dispose()


def main() -> None:
    args = parse_args(__doc__ or "", {
        "leads": (100_000, "leads"),
        "n": (30, "requests of each kind"),
    })  # fmt: skip
    console.print(f"[bold]bench_report_lists[/] {run_context()}")
    for kind in selected(args.db):
        bench(kind, args.leads, args.n)


if __name__ == "__main__":
    main()
