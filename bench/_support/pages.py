"""Shared by the page benches (``bench_pages*.py``): one data set, the pages timed in the
server, their SQL statements and their weight.

The data set (``build_desk``): ``--leads`` (20,000) leads written by one INSERT ... SELECT
(``plans.generate_leads``) over an SDR, two sales reps, an account manager and their manager,
their first-response deadlines and readiness set as the service leaves them; 250 accounts with
two contacts each; ``--opportunities`` (500) open opportunities spread over the accounts (close
dates around today) and a fifth as many closed; one "featured" account with twelve contacts,
open and closed opportunities, converted leads, upsell suggestions and thirty signals.

A page is timed in the server: the app is wrapped in an ASGI timer (first byte of the request
to the last byte of the body), driven in process by TestClient, one request at a time, each
user signed in by a web session cookie, the pages taken in turn (round robin). Per page: p50
and p90 of the server time, p50 of the CPU time of this process meanwhile, the SQL statements
one request sends, and its weight (HTML plus the CSS and JS files it links).

A bench adds its own pages by passing ``cases(desk)`` to ``run``:

    run("bench_pages_leads", __doc__, lambda desk: [PageCase("lead list", "/leads", "sales")])
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rich.table import Table
from sqlalchemy import event, insert, select, text, update
from sqlalchemy.engine import Engine

from _support.common import (
    Target,
    bench_target,
    console,
    in_process_client,
    parse_args,
    percentile,
    run_context,
    selected,
)
from _support.plans import generate_leads
from bascule.app import create_app
from bascule.config import Settings
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users import sessions
from bascule.users.sessions import SessionPolicy
from bascule.web.security import SESSION_COOKIE

SECRET = "bench-only-secret-key-0123456789abcdef"
TARGET_MS = 25.0
ROLES = {
    "sdr": ("sdr", "Sam SDR"),
    "sales": ("sales", "Sacha Sales"),
    "sales2": ("sales", "Sofia Sales"),
    "account_manager": ("account_manager", "Alex Account"),
    "manager": ("sales", "Morgan Manager"),
}
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
ASSETS = re.compile(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"')


@dataclass(frozen=True)
class PageCase:
    """One page to time: its name in the table, its path, who asks for it (a key of
    ``Desk.users``), the target p50 and, if any, the most SQL statements allowed."""

    name: str
    path: str
    user: str
    target_ms: float | None = TARGET_MS
    max_statements: int | None = None


@dataclass
class Desk:
    """The data set: user ids by role key, and the ids of records pages open."""

    users: dict[str, int]
    featured_account: int
    featured_contact: int
    lead: int
    opportunity: int
    leads: int
    open_opportunities: int


@dataclass
class PageResult:
    case: PageCase
    status: int
    server_ns: list[int] = field(default_factory=list)
    cpu_ns: list[int] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    html_bytes: int = 0
    asset_bytes: int = 0


# --- the data set -------------------------------------------------------------------------------


def build_desk(target: Target, *, leads: int, open_opportunities: int) -> Desk:
    database = Database(target.url)
    now = datetime.now(UTC)
    try:
        with database.uow(write=True) as uow:
            made = {
                key: users.create_user(
                    uow, email=f"{key}@bench.example.com", role=role, name=name, now=now
                )
                for key, (role, name) in ROLES.items()
            }
            team = t.Team(name="Bench team", manager_id=made["manager"].id)
            uow.session.add(team)
            uow.session.flush()
            for key in ("sdr", "sales", "sales2", "account_manager"):
                made[key].team_id = team.id
                made[key].manager_id = made["manager"].id
            uow.commit()
            ids = {key: user.id for key, user in made.items()} | {"admin": target.user_id}
        owners = [ids["sdr"], ids["sdr"], ids["sales"], ids["sales2"]]
        generate_leads(database.engine, leads, owners=owners)
        with database.engine.begin() as conn:
            _as_the_service_leaves_them(conn)
            desk = _accounts_and_opportunities(conn, ids, open_opportunities, now)
        if not database.is_sqlite:
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("ANALYZE"))
        return desk
    finally:
        database.dispose()


def _as_the_service_leaves_them(conn: Any) -> None:
    """New leads wait for a first response (due a day after they came, so most are late);
    a third of the SQL leads are ready to convert."""
    lead = t.Lead
    conn.execute(
        update(lead).where(lead.status == "new").values(first_response_due_at=lead.created_at)
    )
    conn.execute(
        update(lead).where(lead.status == "sql", lead.id % 3 == 0).values(ready_to_convert=True)
    )


def _accounts_and_opportunities(
    conn: Any, ids: dict[str, int], open_count: int, now: datetime
) -> Desk:
    accounts = [
        {"name": f"Compte {i}", "name_key": f"compte {i}", "domain": f"compte{i}.example.com",
         "owner_id": ids["account_manager"] if i % 2 else ids["sales"], "is_customer": i % 3 == 0,
         "created_at": now, "updated_at": now}
        for i in range(250)
    ]  # fmt: skip
    conn.execute(insert(t.Account), accounts)
    account_ids = list(conn.execute(select(t.Account.id).order_by(t.Account.id)).scalars())
    featured = account_ids[0]
    contacts = [
        {"first_name": "Contact", "last_name": f"{i}-{n}", "email": f"c{n}@compte{i}.example.com",
         "email_key": f"c{n}@compte{i}.example.com", "account_id": account_id,
         "do_not_contact": False, "created_at": now, "updated_at": now}
        for i, account_id in enumerate(account_ids)
        for n in range(12 if account_id == featured else 2)
    ]  # fmt: skip
    conn.execute(insert(t.Contact), contacts)
    today = now.date()
    stages = ("qualification", "discovery", "proposal", "negotiation")
    reps = (ids["sales"], ids["sales2"])
    closed_count = max(1, open_count // 5)
    opportunities = [
        _opportunity(i, account_ids[i % len(account_ids)], reps[i % 2], stages[i % 4],
                     today + timedelta(days=(i * 7) % 180 - 60), now, closed=i >= open_count)
        for i in range(open_count + closed_count)
    ]  # fmt: skip
    conn.execute(insert(t.Opportunity), opportunities)
    lead_ids = list(conn.execute(select(t.Lead.id).order_by(t.Lead.id).limit(5)).scalars())
    conn.execute(update(t.Lead).where(t.Lead.id.in_(lead_ids)).values(account_id=featured))
    conn.execute(
        insert(t.Signal),
        [{"type": "page_view", "occurred_at": now - timedelta(hours=i), "received_at": now,
          "account_id": featured, "origin": "event", "properties": {"url": f"/p/{i}"}}
         for i in range(30)],
    )  # fmt: skip
    conn.execute(
        insert(t.UpsellSuggestion),
        [{"account_id": featured, "intent": intent, "summary": "Plus de licences",
          "status": "open", "created_at": now} for intent in ("demo_request", "pricing_request")],
    )  # fmt: skip
    contact = conn.execute(
        select(t.Contact.id).where(t.Contact.account_id == featured).limit(1)
    ).scalar_one()
    opportunity = conn.execute(select(t.Opportunity.id).limit(1)).scalar_one()
    leads = conn.execute(select(text("count(*)")).select_from(t.Lead)).scalar_one()
    return Desk(ids, featured, contact, lead_ids[0], opportunity, int(leads), open_count)


def _opportunity(
    i: int, account_id: int, owner: int, stage: str, close: date, now: datetime, *, closed: bool
) -> dict[str, Any]:
    won = closed and i % 2 == 0
    return {
        "name": f"Projet {i}", "name_key": f"projet {i}", "account_id": account_id,
        "amount": 5000 + (i * 7919) % 95000, "currency": "EUR", "expected_close_date": close,
        "stage": ("won" if won else "lost") if closed else stage,
        "probability": (100 if won else 0) if closed else 20,
        "type": "new_business", "lead_source": "web_form", "owner_id": owner,
        "is_closed": closed, "is_won": won, "closed_at": now if closed else None,
        "loss_reason": "no_budget" if closed and not won else None,
        "created_at": now, "updated_at": now,
    }  # fmt: skip


# --- timing -------------------------------------------------------------------------------------


class ServerTimer:
    """ASGI wrapper: the time from a request's arrival to the last byte of its answer, on the
    wall clock and in CPU time of this process (the app, the driver and the client: less
    moved by other processes on a busy machine, blind to the database server's own work)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ns = 0
        self.last_cpu_ns = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, cpu = time.perf_counter_ns(), time.process_time_ns()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last_ns = time.perf_counter_ns() - started
                self.last_cpu_ns = time.process_time_ns() - cpu

        await self.app(scope, receive, timed_send)


@contextmanager
def statement_log(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def measure(target: Target, desk: Desk, cases: Sequence[PageCase], n: int) -> list[PageResult]:
    database = Database(target.url)
    app = create_app(Settings(database_url=target.url, secret_key=SECRET), database)
    timer = ServerTimer(app)
    policy = SessionPolicy.of_hours(12, 72)
    cookies: dict[str, str] = {}
    with database.uow(write=True) as uow:
        for key, user_id in desk.users.items():
            cookies[key] = sessions.start(
                uow, user_id=user_id, now=datetime.now(UTC), policy=policy
            )
        uow.commit()
    results = [PageResult(case, 0) for case in cases]
    try:
        with in_process_client(timer, {}) as client:
            assets: dict[str, int] = {}
            for result in results:
                case = result.case
                client.cookies.set(SESSION_COOKIE, cookies[case.user])
                for _ in range(max(5, n // 10)):  # warm: caches, plans, the playbook
                    client.get(case.path)
                with statement_log(database.engine) as seen:
                    page = client.get(case.path)
                result.status = page.status_code
                # What the database is asked, without SQLite's BEGIN (PostgreSQL has none).
                result.statements = [s for s in seen if not s.upper().startswith(CONTROL)]
                result.html_bytes = len(page.content)
                for path in sorted(set(ASSETS.findall(page.text))):
                    if path not in assets:
                        assets[path] = len(client.get(path).content)
                    result.asset_bytes += assets[path]
            # Round robin: every page meets the same moments of a shared machine's load.
            for _ in range(n):
                for result in results:
                    client.cookies.set(SESSION_COOKIE, cookies[result.case.user])
                    client.get(result.case.path)
                    result.server_ns.append(timer.last_ns)
                    result.cpu_ns.append(timer.last_cpu_ns)
    finally:
        database.dispose()
    return results


# --- the command --------------------------------------------------------------------------------


def run(name: str, description: str, cases: Callable[[Desk], list[PageCase]]) -> None:
    """The whole bench: arguments, a throw-away database per kind, the data set, the pages."""
    args = parse_args(
        description.strip().splitlines()[0],
        {
            "n": (200, "timed requests per page (default 200)"),
            "leads": (20_000, "leads in the data set (default 20000)"),
            "opportunities": (500, "open opportunities in the data set (default 500)"),
        },
    )
    console.print(
        f"[bold]{name}[/]: server time in process (ASGI timer, TestClient), one request at a "
        f"time, n={args.n} per page, {args.leads} leads, {args.opportunities} open "
        f"opportunities, {run_context()}"
    )
    table = Table(title=f"{name}: server time per page, SQL statements, page weight")
    for column in ("db", "page", "as", "status", "p50 ms", "p90 ms", "target", "",
                   "CPU p50 ms", "SQL", "HTML B", "CSS+JS B", "total B"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("db", "page", "as") else "right")
    ran_on, details = [], []
    for kind in selected(args.db):
        with bench_target(kind) as target:
            started = time.monotonic()
            desk = build_desk(target, leads=args.leads, open_opportunities=args.opportunities)
            console.print(f"{kind}: data set ready in {time.monotonic() - started:.0f} s")
            results = measure(target, desk, cases(desk), args.n)
            ran_on.append(f"{kind}: {target.description}")
        for r in results:
            p50, p90 = percentile(r.server_ns, 50), percentile(r.server_ns, 90)
            verdict = ""
            if r.case.target_ms is not None:
                verdict = "[green]ok[/]" if p50 <= r.case.target_ms else "[red]over[/]"
            if r.case.max_statements is not None and len(r.statements) > r.case.max_statements:
                verdict += " [red]SQL[/]"
            table.add_row(
                kind, r.case.name, r.case.user, str(r.status), f"{p50:.2f}", f"{p90:.2f}",
                f"≤ {r.case.target_ms:g}" if r.case.target_ms else "", verdict,
                f"{percentile(r.cpu_ns, 50):.2f}", str(len(r.statements)),
                f"{r.html_bytes:,}", f"{r.asset_bytes:,}", f"{r.html_bytes + r.asset_bytes:,}",
            )  # fmt: skip
            details.append((kind, r))
    console.print(table)
    for kind, r in details:
        console.print(f"[bold]{kind}[/] SQL of one request, {r.case.name} ({r.case.path}):")
        for statement in r.statements:
            short = statement if len(statement) <= 110 else statement[:109] + "…"
            console.print(f"  {short}", markup=False, highlight=False)
    for line in ran_on:
        console.print(f"ran on {line}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    console.print(
        f"load average at the end: {load:.1f} on {os.cpu_count()} CPUs (wall times move with "
        "it; the CPU column much less)"
    )
