"""Scoring while ingesting signals (issue #4): events/s with scoring on, against the same
ingestion with scoring off, in the same run.

    .venv/bin/python bench/bench_scoring.py [--db sqlite|postgresql|both] [--n 1000000]
                                            [--batch 10000]

For each database: a throw-away database with the preload of ``bench_events.py`` (20,000 open
leads with job titles, sizes, sectors and countries; 2,000 contacts on 400 accounts; 500
freemium workspaces claimed by a signup), then every lead scored once from its signals
(``scoring.recompute``, timed for information: what ``bascule score recompute`` does), so the
run starts from a live system where every lead has a score. ``--n`` events (default
1,000,000) are generated in batches of ``--batch`` (10,000) as ``bench_events.py`` makes them
(65 % on leads, by e-mail, id or workspace, with page views, e-mail opens and clicks, pricing
views, downloads and product usage up to the seat limit; the rest on contacts or pending).

Each batch is ingested twice through ``signals.ingest`` (one write unit of work + commit each),
alternating which goes first so both see the same table size:

- scoring off: the playbook's ``scoring.enabled = false`` (the baseline of the ratio);
- scoring on: the default playbook: every lead of the batch locked, re-scored from its stored
  state plus the batch's signals, written back; MQL promotions (history, audit, alert) and
  "opportunity suggested" alerts for seat limits and trial pricing views.

Printed: events/s of each, the ratio on/off (target >= 0.5), the statements per batch of each
and the rows scoring wrote per batch (score states, lead rows), what scoring did (leads scored,
promotions, alerts), and the row count check.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select

from _support.common import (
    Target,
    bench_target,
    console,
    figures_table,
    parse_args,
    progress,
    run_context,
    selected,
)
from bascule.playbook.load import default_playbook
from bascule.scoring import batch as scoring
from bascule.signals import service as signals
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bench_events import batches, count_signals, preload

TARGET = 0.5


@dataclass
class Figures:
    events: int = 0
    on_ns: int = 0
    off_ns: int = 0
    recompute_ns: int = 0
    leads: int = 0
    scored: int = 0
    promoted: int = 0
    alerts: int = 0
    rows_before: int = 0
    rows_after: int = 0
    batches: int = 0
    # Scoring on, summed over the batches: statements sent, lead rows rewritten (score and
    # explanation), state rows written.
    statements_on: int = 0
    statements_off: int = 0
    lead_rows: int = 0
    state_rows: int = 0


class Statements:
    """Counts the statements of a unit of work, and the rows of its lead and state writes."""

    def __init__(self) -> None:
        self.statements = self.lead_rows = self.state_rows = 0

    def __call__(self, _conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        self.statements += 1
        head = statement.lstrip()[:40].upper()
        if head.startswith(("UPDATE LEAD SET SCORE", "INSERT INTO LEAD_SCORE_STATE")):
            # PostgreSQL: one statement over arrays (ids first); SQLite: an executemany.
            size = len(params[0]) if params and isinstance(params, tuple) else len(params or ())
            if head.startswith("UPDATE"):
                self.lead_rows += size
            else:
                self.state_rows += size


def count(database: Database, model: type[t.Base]) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def run(target: Target, n: int, size: int, seed: int) -> Figures:
    on = default_playbook()
    off = on.model_copy(update={"scoring": on.scoring.model_copy(update={"enabled": False})})
    rng = random.Random(seed)
    database = Database(target.url)
    figures = Figures()
    try:
        world = preload(target, database, rng)
        figures.leads = count(database, t.Lead)
        start = time.perf_counter_ns()
        after, now = 0, datetime.now(UTC)
        while True:
            with database.uow(write=True) as uow:
                page = scoring.recompute(uow, now=now, playbook=on, after_id=after, limit=1000)
                uow.commit()
            if page.last_id is None:
                break
            after = page.last_id
        figures.recompute_ns = time.perf_counter_ns() - start
        figures.rows_before = count_signals(database)
        mql_before = count(database, t.Outbox)
        with progress() as bar:
            task = bar.add_task(f"{target.kind}: scoring off + on", total=n)
            for index, (items, _) in enumerate(batches(world, n, size, seed)):
                order = ((off, "off"), (on, "on"))
                for playbook, mode in order if index % 2 == 0 else reversed(order):
                    # A few statements a batch: counting them costs microseconds a second.
                    counter = Statements()
                    event.listen(database.engine, "before_cursor_execute", counter)
                    started = time.perf_counter_ns()
                    with database.uow(write=True) as uow:
                        signals.ingest(uow, items=items, now=datetime.now(UTC), playbook=playbook)
                        uow.commit()
                    took = time.perf_counter_ns() - started
                    event.remove(database.engine, "before_cursor_execute", counter)
                    if mode == "on":
                        figures.on_ns += took
                        figures.statements_on += counter.statements
                        figures.lead_rows += counter.lead_rows
                        figures.state_rows += counter.state_rows
                    else:
                        figures.off_ns += took
                        figures.statements_off += counter.statements
                figures.events += len(items)
                figures.batches += 1
                bar.advance(task, len(items))
        figures.rows_after = count_signals(database)
        figures.alerts = count(database, t.Outbox) - mql_before
        with database.engine.connect() as conn:
            figures.promoted = int(
                conn.execute(
                    select(func.count())
                    .select_from(t.LeadStatusHistory)
                    .where(t.LeadStatusHistory.actor_rule == "mql_threshold")
                ).scalar_one()
            )
    finally:
        database.dispose()
    return figures


def main() -> None:
    args = parse_args(
        "Ingest signals with scoring on and off, in the same run, and print the ratio.",
        {
            "n": (1_000_000, "events ingested with scoring on, and as many off (default 1000000)"),
            "batch": (10_000, "events per batch (default 10000)"),
        },
    )
    console.print(f"[bold]bench_scoring[/]: n={args.n} in batches of {args.batch}, {run_context()}")
    table = figures_table(
        "Signal ingestion with scoring on, as a ratio of the same with it off",
        ("db", "path", "events", "seconds", "events/s", "ratio to off"),
    )
    ran_on: list[str] = []
    for kind in selected(args.db):
        with bench_target(kind) as target:
            console.print(f"[bold]{kind}[/]: {target.description}")
            ran_on.append(f"{kind}: {target.description}")
            f = run(target, args.n, args.batch, args.seed)
        off_rate = f.events / (f.off_ns / 1e9)
        on_rate = f.events / (f.on_ns / 1e9)
        ratio = on_rate / off_rate
        verdict = "[green]ok[/]" if ratio >= TARGET else f"[red]below {TARGET}[/]"
        table.add_row(
            kind, "signals.ingest, scoring off (baseline)", f"{f.events:,}",
            f"{f.off_ns / 1e9:.1f}", f"{off_rate:,.0f}", "1.00",
        )  # fmt: skip
        table.add_row(
            kind, "signals.ingest, scoring on", f"{f.events:,}",
            f"{f.on_ns / 1e9:.1f}", f"{on_rate:,.0f}", f"{ratio:.2f} {verdict}",
        )  # fmt: skip
        table.add_section()
        expected = f.rows_before + 2 * f.events
        check = "ok" if f.rows_after == expected else "MISMATCH"
        console.print(
            f"{kind}: {f.rows_after:,} signal rows after the timed part (expected {expected:,}: "
            f"{check}); scoring promoted {f.promoted:,} leads to MQL and wrote {f.alerts:,} "
            f"alerts; the first recompute of {f.leads:,} leads took "
            f"{f.recompute_ns / 1e9:.1f} s ({f.leads / (f.recompute_ns / 1e9):,.0f} leads/s)"
        )
        per = max(f.batches, 1)
        console.print(
            f"{kind}: per batch, {f.statements_off / per:.1f} statements with scoring off, "
            f"{f.statements_on / per:.1f} with it on, which wrote {f.state_rows / per:,.0f} "
            f"score states and rewrote {f.lead_rows / per:,.0f} lead rows (scores or "
            "explanations as shown that changed)"
        )
    console.print(table)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
