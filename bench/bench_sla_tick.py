"""The worker's SLA tick (issue #5) over a million open leads: time per tick, against the bare
indexed read of the due rows in the same run, and the query plans.

    .venv/bin/python bench/bench_sla_tick.py [--db sqlite|postgresql|both] [--leads 1000000]
                                             [--due-per-mille 10] [--repeats 3]

For each database: a throw-away database, ``--leads`` open leads (default 1,000,000) owned by
20 users (half with a manager, half in a team with a manager), each with a running
first-response clock (``contact_expert``); ``--due-per-mille`` of them (10 ‰ = 1 %, 10,000)
are past due, the others due over the next ten days. Leads and clocks are written in chunks of
10,000 with one executemany each; then ``ANALYZE``, as autovacuum would.

Printed first: the plan of the tick's due query and of its escalation query, as the tick runs
them (1,000 rows, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL): ``EXPLAIN QUERY PLAN`` on SQLite,
``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL. Both must read the partial indexes
``ix_sla_clock_due`` / ``ix_sla_clock_escalate``, never the table.

Then, ``--repeats`` times (the median is printed; the due clocks are reset between repeats,
untimed, with a VACUUM on PostgreSQL):

- baseline: the bare indexed SELECT of every due row (what the tick cannot do without);
- the idle tick: ``sla.tick.run`` when nothing is due (what a minute of the worker costs);
- the breach tick: ``sla.tick.run`` at the deadline: 10,000 clocks claimed in batches of
  1,000 (one transaction each), stamped, and 10,000 ``sla_breached`` alerts written;
- the tick right after: nothing left to do (idempotent);
- the escalation tick, two business hours later: 10,000 managers' alerts;
- for information, once: the due SELECT without its index (SQLite ``NOT INDEXED``, PostgreSQL
  with index scans off), with the 10,000 due and with nothing due: what a tick would read
  without the partial index.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, Executable

from _support.common import (
    Target,
    bench_target,
    console,
    figures_table,
    parse_args,
    progress,
    run_context,
)
from _support.common import selected as selected_databases
from bascule.playbook.load import default_playbook
from bascule.sla import tick as sla_tick
from bascule.storage import sla as store
from bascule.storage import tables as t
from bascule.storage.db import UTCDateTime
from bascule.storage.uow import Database

CHUNK = 10_000
OWNERS = 20
# Monday 23 November 2026, 10:00 in Paris: a working morning, so the escalation (2 business
# hours after the breach) falls at 12:00 the same day.
NOW = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
ESCALATION = NOW + timedelta(hours=2)


class Explain(Executable, ClauseElement):
    """``EXPLAIN ...`` of a statement, its parameters bound as SQLAlchemy binds them."""

    inherit_cache = False

    def __init__(self, statement: Any, prefix: str) -> None:
        self.statement = statement
        self.prefix = prefix


@compiles(Explain)
def _explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return f"{element.prefix} {compiler.process(element.statement, **kw)}"


@dataclass
class Figures:
    leads: int = 0
    due: int = 0
    load_s: float = 0.0
    timings: dict[str, list[float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    plans: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, seconds: float, count: int) -> None:
        self.timings.setdefault(name, []).append(seconds)
        self.counts[name] = count


def timed(function: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = function()
    return time.perf_counter() - started, count


# --- data --------------------------------------------------------------------------------------


def owners(database: Database, admin_id: int) -> list[int]:
    """20 owners: even ones with the admin as their manager, odd ones in a team he manages."""
    with database.uow(write=True) as uow:
        team = t.Team(name="Inside sales", manager_id=admin_id)
        uow.session.add(team)
        uow.session.flush()
        users = []
        for n in range(OWNERS):
            managed = n % 2 == 0
            user = t.User(email=f"owner{n}@bench.example.com", name=f"Owner {n}", role="sdr",
                          is_active=True, created_at=NOW)  # fmt: skip
            user.manager_id = admin_id if managed else None
            user.team_id = None if managed else team.id
            users.append(user)
        uow.session.add_all(users)
        uow.commit()
        return [u.id for u in users]


def chunks(n: int, due_every: int, owner_ids: list[int]) -> Iterator[tuple[list[dict], list[dict]]]:
    """(lead rows, clock rows) by chunks; every ``due_every``-th clock is past due."""
    for start in range(0, n, CHUNK):
        leads, clocks = [], []
        for i in range(start, min(n, start + CHUNK)):
            number = i + 1
            owner = owner_ids[i % OWNERS]
            if i % due_every == 0:  # past due: from 3 days ago to a second ago
                due = NOW - timedelta(seconds=1 + (i * 7919) % (3 * 86400))
            else:  # due over the next ten days
                due = NOW + timedelta(seconds=60 + (i * 7919) % (10 * 86400))
            started = due - timedelta(hours=2)
            email = f"lead{number}@company{number % 5000}.example.com"
            leads.append({
                "id": number, "last_name": f"Lead {number}", "email": email, "email_key": email,
                "company": f"Company {number % 5000}", "source": "web_form", "kind": "sales",
                "temperature": "hot", "status": "new", "owner_id": owner, "score": 0,
                "score_explanation": [], "ready_to_convert": False, "do_not_contact": False,
                "search_text": f"lead {number} company {number % 5000} {email}",
                "created_at": started, "updated_at": started, "assigned_at": started,
                "form_type": "contact_expert", "first_response_due_at": due,
                "failed_attempts": 0, "conversion_overdue": False,
            })  # fmt: skip
            clocks.append({
                "id": number, "lead_id": number, "rule": "contact_expert", "owner_id": owner,
                "started_at": started, "due_at": due,
            })  # fmt: skip
        yield leads, clocks


def load(database: Database, figures: Figures, n: int, due_every: int, admin_id: int) -> None:
    owner_ids = owners(database, admin_id)
    started = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("leads + running clocks", total=n)
        for leads, clocks in chunks(n, due_every, owner_ids):
            with database.engine.execution_options(write=True).begin() as conn:
                conn.execute(insert(t.Lead), leads)
                conn.execute(insert(t.SlaClock), clocks)
            bar.advance(task, len(leads))
    figures.load_s = time.perf_counter() - started
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not database.is_sqlite:
            for table in ("lead", "sla_clock"):  # ids were given: move the sequences on
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": n}
                )
        conn.execute(text("ANALYZE"))
        figures.leads = conn.execute(select(func.count()).select_from(t.Lead)).scalar_one()
        figures.due = conn.execute(
            select(func.count()).select_from(t.SlaClock).where(t.SlaClock.due_at <= NOW)
        ).scalar_one()


def reset(database: Database) -> None:
    """Back to 10,000 running clocks past due, not breached, and an empty outbox."""
    with database.engine.execution_options(write=True).begin() as conn:
        conn.execute(
            update(t.SlaClock)
            .where(t.SlaClock.due_at <= NOW)
            .values(breached_at=None, escalate_at=None, escalated_at=None)
        )
        conn.execute(delete(t.Outbox))
    if not database.is_sqlite:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE sla_clock"))
            conn.execute(text("VACUUM ANALYZE outbox"))


# --- plans and timings -------------------------------------------------------------------------


def plans(database: Database, figures: Figures) -> None:
    for name, query in (
        ("due query (breaches)", store.due_query(NOW, sla_tick.BATCH)),
        ("escalation query", store.escalation_query(ESCALATION, sla_tick.BATCH)),
    ):
        with database.engine.connect() as conn:
            if database.is_sqlite:
                rows = conn.execute(Explain(query, "EXPLAIN QUERY PLAN")).all()
                lines = [str(row[-1]) for row in rows]
            else:
                locked = query.with_for_update(skip_locked=True)
                rows = conn.execute(Explain(locked, "EXPLAIN (ANALYZE, BUFFERS)")).all()
                lines = [str(row[0]) for row in rows]
            conn.rollback()
        figures.plans[name] = lines


def bare_select(database: Database) -> int:
    with database.engine.connect() as conn:
        rows = conn.execute(store.due_query(NOW, 10**9)).all()
        conn.rollback()
    return len(rows)


def unindexed_select(database: Database, at: datetime) -> int:
    query = store.due_query(at, 10**9)
    with database.engine.connect() as conn:
        if database.is_sqlite:
            unindexed = text(
                "SELECT id, lead_id, opportunity_id, rule, owner_id, due_at, breached_at "
                "FROM sla_clock NOT INDEXED WHERE stopped_at IS NULL AND breached_at IS NULL "
                "AND due_at <= :now ORDER BY due_at"
            ).bindparams(bindparam("now", type_=UTCDateTime()))
            rows = conn.execute(unindexed, {"now": at}).all()
        else:
            for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                conn.execute(text(f"SET LOCAL {setting} = off"))
            rows = conn.execute(query).all()
        conn.rollback()
    return len(rows)


def run(target: Target, n: int, due_every: int, repeats: int) -> Figures:
    database = Database(target.url)
    playbook = default_playbook()
    figures = Figures()
    try:
        load(database, figures, n, due_every, target.user_id)
        plans(database, figures)

        def tick(at: datetime, kind: str) -> Callable[[], int]:
            def go() -> int:
                outcome = sla_tick.run(database, now=at, playbook=playbook)
                return outcome.breached if kind == "breached" else outcome.escalated

            return go

        # Once, while every due clock is still unbreached; and with nothing due, the read a
        # tick would make every minute without the index.
        unindexed = timed(lambda: unindexed_select(database, NOW))
        unindexed_idle = timed(lambda: unindexed_select(database, NOW - timedelta(days=4)))
        for repeat in range(repeats):
            if repeat:
                reset(database)
            steps = (
                ("bare indexed SELECT of the due rows (baseline)", lambda: bare_select(database)),
                ("tick, nothing due", tick(NOW - timedelta(days=4), "breached")),
                ("tick, breaches due: stamp + alert owners", tick(NOW, "breached")),
                ("tick again right after", tick(NOW, "breached")),
                ("tick, escalations due: alert managers", tick(ESCALATION, "escalated")),
            )
            for name, step in steps:
                seconds, count = timed(step)
                figures.add(name, seconds, count)
        figures.add("the same SELECT without the index (information)", *unindexed)
        figures.add("the same, nothing due, without the index (information)", *unindexed_idle)
    finally:
        database.dispose()
    return figures


def main() -> None:
    args = parse_args(
        "Time the SLA tick over a million open leads with running clocks, 1 % of them due.",
        {
            "leads": (1_000_000, "open leads, each with a running clock (default 1000000)"),
            "due_per_mille": (10, "clocks past due, per thousand (default 10: 1 %%)"),
            "repeats": (3, "timed repeats; the median is printed (default 3)"),
        },
    )
    due_every = max(1, round(1000 / args.due_per_mille))
    console.print(
        f"[bold]bench_sla_tick[/]: {args.leads:,} leads, 1 in {due_every} due, "
        f"{args.repeats} repeats, {run_context()}"
    )
    ran_on: list[str] = []
    table = figures_table(
        "SLA tick: time per tick, as a ratio of the bare indexed SELECT",
        ("db", "step", "clocks", "ms (median)", "µs per clock", "ratio"),
    )
    for kind in selected_databases(args.db):
        with bench_target(kind) as target:
            console.print(f"[bold]{kind}[/]: {target.description}")
            ran_on.append(f"{kind}: {target.description}")
            f = run(target, args.leads, due_every, args.repeats)
        console.print(
            f"{kind}: {f.leads:,} leads and clocks written in {f.load_s:.0f} s, {f.due:,} due"
        )
        for name, lines in f.plans.items():
            console.print(f"[bold]{kind} plan, {name}[/]")
            for line in lines:
                console.print(f"    {line}", markup=False, highlight=False)
        base = statistics.median(f.timings["bare indexed SELECT of the due rows (baseline)"])
        for name, seconds in f.timings.items():
            median = statistics.median(seconds)
            count = f.counts[name]
            per = f"{median * 1e6 / count:,.1f}" if count else "-"
            table.add_row(
                kind, name, f"{count:,}", f"{median * 1e3:,.1f}", per, f"{median / base:.2f}"
            )
        table.add_section()
    console.print(table)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
