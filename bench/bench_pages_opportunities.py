"""Opportunity pages (issue 11): server time, SQL statements and page weight.

    .venv/bin/python bench/bench_pages_opportunities.py [--db sqlite|postgresql|both]
        [--leads 20000] [--opportunities 500] [--n 200]

For each database (default: PostgreSQL, the issue's protocol): a throw-away database, migrated,
``--leads`` (20,000) leads written in SQL, 500 accounts, ``--opportunities`` (500) open
opportunities over the four open stages and as many closed ones, spread over five sales reps
with close dates over the next six months; one lead converted through the service (contacts,
stage history, activities) for the opportunity page, and a ready lead for the wizard.

Each page is requested ``--n`` times in process (FastAPI's TestClient, signed in by a session
cookie as a browser is) after a warm-up, one request at a time. Timed, per page:

- server time: from the moment the application receives the request to the last byte of its
  response (an ASGI wrapper around the app), so the client's own cost is not counted;
- baseline: ``GET /api/v1/health`` measured the same way, interleaved with the pages; the
  work queue and the lead list (pages of other issues) as references;
- CPU: the process's CPU time over the request (server and the in-process client; not the
  database server's), which a loaded machine inflates far less than the wall clock.

Printed: p50 and p99 server time (ms), the ratio of each p50 to the baseline's, the SQL
statements of one request (counted on the engine, transaction control apart), and the page
weight: the HTML plus the CSS and JavaScript it loads (bytes). Target: board ≤ 25 ms p50.
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert

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
from _support.plans import generate_leads
from bascule.app import create_app
from bascule.config import Settings
from bascule.conversion import service as conversion
from bascule.leads import service as leads
from bascule.opportunities import service as opportunities
from bascule.opportunities.model import normalise_project_name
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users import sessions
from bascule.users.sessions import SessionPolicy
from bascule.web import STATIC
from bascule.web.security import SESSION_COOKIE

WARMUP = 20
SECRET = "bench-only-secret-key-0123456789abcdef"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
OPEN_STAGES = (("qualification", 10), ("discovery", 25), ("proposal", 50), ("negotiation", 75))


@dataclass
class Result:
    description: str
    server_ns: dict[str, list[int]] = field(default_factory=dict)
    cpu_ns: dict[str, list[int]] = field(default_factory=dict)
    statements: dict[str, list[str]] = field(default_factory=dict)
    weight: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # html, css, js


class ServerClock:
    """An ASGI wrapper timing each request inside the server: first call to last body byte."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ns = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        start = time.perf_counter_ns()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last_ns = time.perf_counter_ns() - start

        await self.app(scope, receive, timed_send)


# --- data -------------------------------------------------------------------------------------


def fill(
    database: Database, *, leads_count: int, opportunity_count: int, seed: int
) -> dict[str, Any]:
    """The rows the pages read; answers the ids the pages are requested with."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    playbook = default_playbook()
    with database.uow(write=True) as uow:
        reps = [
            users.create_user(uow, email=f"rep{i}@bench.example", role="sales",
                              name=f"Rep {i}", now=now)
            for i in range(5)
        ]  # fmt: skip
        uow.commit()
        rep_ids = [rep.id for rep in reps]
    generate_leads(database.engine, leads_count, owners=rep_ids)
    today = now.date()
    with database.engine.begin() as conn:
        conn.execute(
            insert(t.Account),
            [{"name": f"Compte {i}", "name_key": f"compte {i}", "domain": f"compte{i}.example",
              "is_customer": False, "created_at": now, "updated_at": now}
             for i in range(500)],
        )  # fmt: skip
        rows = []
        for i in range(opportunity_count * 2):
            closed = i >= opportunity_count
            stage, probability = OPEN_STAGES[i % 4]
            if closed:
                stage, probability = ("won", 100) if i % 3 else ("lost", 0)
            name = f"Projet {i} – Compte {i % 500}"
            rows.append({
                "name": name, "name_key": normalise_project_name(name), "account_id": 1 + i % 500,
                "amount": Decimal(rng.randrange(2_000, 200_000)), "currency": "EUR",
                "expected_close_date": today + timedelta(days=rng.randrange(0, 183)),
                "stage": stage, "probability": probability, "type": "new_business",
                "lead_source": "web_form", "owner_id": rep_ids[i % 5], "is_closed": closed,
                "is_won": stage == "won", "loss_reason": "price" if stage == "lost" else None,
                "closed_at": now if closed else None, "created_at": now, "updated_at": now,
            })  # fmt: skip
        conn.execute(insert(t.Opportunity), rows)
    with database.uow(write=True) as uow:
        actor = users.actor_for(uow.session.get_one(t.User, rep_ids[0]))
        answers = {"budget": {"status": "confirmed", "amount": "40000"},
                   "need": {"text": "Nouveau CRM", "confirmed": True},
                   "timing": {"horizon": "3_months"}}  # fmt: skip
        made = []
        for person in ("camille", "sophie"):
            lead, _ = leads.create(
                uow, data={"first_name": person.title(), "last_name": "Bench",
                           "email": f"{person}@compte7.example", "company": "Compte 7",
                           "source": "demo_request", "owner_id": rep_ids[0]},
                actor=actor, playbook=playbook, now=now,
            )  # fmt: skip
            leads.qualify(uow, lead_id=lead.id, answers=answers, actor=actor, playbook=playbook,
                          now=now)  # fmt: skip
            made.append(lead.id)
        for outcome in ("no_answer", "voicemail", "reached", "meeting_booked"):
            leads.log_activity(
                uow, lead_id=made[0], actor=actor, playbook=playbook, now=now,
                data={"kind": "call", "direction": "out", "outcome": outcome, "summary": "Appel"},
            )  # fmt: skip
        request = {"opportunity": {"name": "Projet CRM – Compte 7", "amount": 40000,
                                   "expected_close_date": today + timedelta(days=60)}}  # fmt: skip
        done = conversion.convert(
            uow, lead_id=made[0], request=request, actor=actor, playbook=playbook, now=now
        )
        for stage in ("discovery", "proposal"):
            opportunities.change_stage(
                uow, opportunity_id=done["opportunity_id"], stage=stage, loss_reason=None,
                actor=actor, playbook=playbook, now=now,
            )  # fmt: skip
        policy = SessionPolicy.of_hours(12, 72)
        admin = sessions.start(uow, user_id=1, now=now, policy=policy)
        rep = sessions.start(uow, user_id=rep_ids[0], now=now, policy=policy)
        uow.commit()
    return {"opportunity": done["opportunity_id"], "ready_lead": made[1], "admin": admin,
            "rep": rep}  # fmt: skip


# --- measure ----------------------------------------------------------------------------------


def measure(kind: str, args: Any) -> Result:
    with bench_target(kind) as target:
        database = Database(target.url)
        try:
            with console.status(f"{kind}: writing {args.leads:,} leads, "
                                f"{args.opportunities * 2:,} opportunities"):  # fmt: skip
                ids = fill(database, leads_count=args.leads,
                           opportunity_count=args.opportunities, seed=args.seed)  # fmt: skip
                with database.engine.begin() as conn:
                    if kind == "postgresql":
                        conn.exec_driver_sql("ANALYZE")
            return run_pages(database, target.description, ids, args.n)
        finally:
            database.dispose()


def run_pages(database: Database, description: str, ids: dict[str, Any], n: int) -> Result:
    result = Result(description)
    app = create_app(Settings(database_url=database.url, secret_key=SECRET), database)
    clock = ServerClock(app)
    pages: dict[str, tuple[str, str]] = {
        "health (baseline)": ("/api/v1/health", "admin"),
        "work queue (reference)": ("/", "rep"),
        "lead list (reference)": ("/leads", "rep"),
        "board, everyone (admin)": ("/opportunities/board", "admin"),
        "board, mine (rep)": ("/opportunities/board?owner=me", "rep"),
        "list, page 1": ("/opportunities", "admin"),
        "opportunity page": (f"/opportunities/{ids['opportunity']}", "rep"),
        "conversion wizard": (f"/leads/{ids['ready_lead']}/convert", "rep"),
    }
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    css = len((STATIC / "bascule.css").read_bytes())
    js = len((STATIC / "bascule.js").read_bytes())
    clients = {
        who: in_process_client(clock, {"Cookie": f"{SESSION_COOKIE}={ids[who]}"})
        for who in ("admin", "rep")
    }

    def get(name: str) -> Any:
        path, who = pages[name]
        response = clients[who].get(path, follow_redirects=False)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code} {response.text[:300]}")
        return response

    for name in pages:
        for _ in range(WARMUP):
            get(name)
        event.listen(database.engine, "before_cursor_execute", record)
        statements.clear()
        html = get(name).content
        event.remove(database.engine, "before_cursor_execute", record)
        result.statements[name] = [s for s in statements
                                   if not s.upper().startswith(TRANSACTION_CONTROL)]  # fmt: skip
        loads_js = b"/static/bascule.js" in html
        result.weight[name] = (len(html), css if b"bascule.css" in html else 0,
                               js if loads_js else 0)  # fmt: skip
        result.server_ns[name], result.cpu_ns[name] = [], []
    for _ in range(n):
        for name in pages:  # interleaved: every page sees the same machine load
            cpu = time.process_time_ns()
            get(name)
            result.cpu_ns[name].append(time.process_time_ns() - cpu)
            result.server_ns[name].append(clock.last_ns)
    return result


def report(result: Result) -> None:
    # Wall-clock figures follow the machine's load (shared cores): it is printed with them.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    console.print(f"\n[bold]{result.description}[/bold] — load average after the run: {load}")
    table = figures_table(
        "Opportunity pages: server time (in process), SQL statements, page weight",
        [
            "page",
            "p50 ms",
            "p99 ms",
            "p50 / health",
            "CPU p50 ms",
            "SQL",
            "HTML B",
            "CSS+JS B",
            "total B",
        ],
        names=1,
    )
    base = percentile(result.server_ns["health (baseline)"], 50)
    for name, samples in result.server_ns.items():
        p50 = percentile(samples, 50)
        html, css, js = result.weight[name]
        table.add_row(
            name, f"{p50:.2f}", f"{percentile(samples, 99):.2f}", f"{p50 / base:.1f}",
            f"{percentile(result.cpu_ns[name], 50):.2f}", str(len(result.statements[name])),
            f"{html:,}", f"{css + js:,}", f"{html + css + js:,}",
        )  # fmt: skip
    console.print(table)
    board = percentile(result.server_ns["board, everyone (admin)"], 50)
    verdict = "met" if board <= 25 else "NOT met"
    console.print(f"board p50 {board:.2f} ms: target ≤ 25 ms {verdict}")
    for name in ("board, everyone (admin)", "opportunity page"):
        console.print(f"\n[bold]SQL of {name}[/bold]")
        for statement in result.statements[name]:
            console.print(f"  {statement[:160]}", soft_wrap=True)


def main() -> None:
    args = parse_args(
        __doc__.splitlines()[0],
        {"leads": (20_000, "leads preloaded"),
         "opportunities": (500, "open opportunities (as many closed)"),
         "n": (200, "requests per page")},
    )  # fmt: skip
    if "--db" not in " ".join(sys.argv):
        args.db = "postgresql"
    console.print(f"[bold]bench_pages_opportunities[/bold] — {run_context()}")
    for kind in selected(args.db):
        report(measure(kind, args))


if __name__ == "__main__":
    main()
