"""The lead list and the lead page of the web UI (issue 11): server time, SQL statements and
page weight, with 20,000 leads.

    .venv/bin/python bench/bench_pages_leads.py [--db sqlite|postgresql|both] [--n 300]
                                                [--leads 20000]

For each database: a throw-away database, migrated, ``--leads`` leads preloaded as
``bench_http.py`` preloads them (status history, tags), spread over ten owners, one in-app alert
per lead (so the lead page's alert look-up must use its index), and one lead with a full
timeline (twelve activities, twelve signals, its alerts, reassignments). The app runs in this
process behind FastAPI's TestClient, signed in as an administrator by a session cookie.

Timed, ``--n`` requests each after a warm-up, alternating with the baseline:

- baseline: ``GET /api/v1/health`` through the same client (the ASGI round trip, a few
  hundred microseconds, is in every figure);
- the lead list: default (25 newest), filtered by status and source, a text search, sorted by
  owner name, sorted by score with a minimum score, the tags column shown;
- the lead page of the lead with the full timeline.

Printed per page: p50 and p99 in milliseconds, the ratio of the p50 to the baseline's, the SQL
statements one request sends (target for the list: at most 5) and the page weight (HTML +
the CSS and JS it links, bytes). Targets (issue 11): p50 <= 25 ms each on PostgreSQL.
"""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.progress import Progress
from sqlalchemy import event, insert, select, update

from _support.common import (
    Names,
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
from bascule.app import create_app
from bascule.config import Settings
from bascule.leads import service as leads
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users import sessions
from bascule.users.sessions import SessionPolicy
from bascule.web.security import SESSION_COOKIE
from bench_http import preload

WARMUP = 20
OWNERS = 10
TARGET_MS = 25.0
LIST_STATEMENTS = 5
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
SECRET = "bench-only-secret-key-0123456789abcdef"


def prepare(target: Target, count: int, rng: random.Random, bar: Progress) -> tuple[int, str]:
    """The leads, their owners and alerts, one lead with a full timeline; (its id, a search
    word)."""
    preload(target, count, rng, Names(rng), bar)
    database = Database(target.url)
    now = datetime.now(UTC)
    playbook = default_playbook()
    try:
        with database.uow(write=True) as uow:
            owners = [
                users.create_user(uow, email=f"owner{i}@bench.example.com", role="sales",
                                  name=f"Owner {i:02d}", now=now).id
                for i in range(OWNERS)
            ]  # fmt: skip
            uow.commit()
        with database.engine.execution_options(write=True).begin() as conn:
            for index, owner in enumerate(owners):
                conn.execute(
                    update(t.Lead).where(t.Lead.id % OWNERS == index).values(owner_id=owner)
                )
            ids = list(conn.execute(select(t.Lead.id)).scalars())
            alerts = [
                {"kind": "mql_reached", "channel": "in_app", "recipient_user_id": owners[i % 10],
                 "payload": {"lead_id": lead_id, "score": 55}, "idempotency_key": f"mql:{lead_id}",
                 "status": "delivered", "attempts": 1, "created_at": now, "next_attempt_at": now,
                 "delivered_at": now}
                for i, lead_id in enumerate(ids)
            ]  # fmt: skip
            for start in range(0, len(alerts), 5000):
                conn.execute(insert(t.Outbox), alerts[start : start + 5000])
        with database.uow(write=True) as uow:
            admin = users.actor_for(uow.session.get(t.User, target.user_id))
            lead = uow.session.get(t.Lead, ids[len(ids) // 2])
            assert lead is not None
            lead.status = "new"
            for i in range(12):
                call = {"kind": "call", "direction": "out", "outcome": "no_answer" if i % 3 else
                        "reached", "summary": f"Call {i}: left a message"}  # fmt: skip
                leads.log_activity(uow, lead_id=lead.id, data=call, actor=admin,
                                   playbook=playbook, now=now + timedelta(minutes=i))  # fmt: skip
            for i in range(12):
                uow.session.add(t.Signal(type="page_view", occurred_at=now - timedelta(hours=i),
                                         received_at=now, lead_id=lead.id, origin="event",
                                         properties={"url": f"/pricing/{i}"}))  # fmt: skip
            for owner in owners[:3]:
                leads.update(uow, lead_id=lead.id, changes={"owner_id": owner}, actor=admin,
                             playbook=playbook, now=now)  # fmt: skip
            word = lead.last_name or "Martin"
            lead_id = lead.id
            uow.commit()
    finally:
        database.dispose()
    return lead_id, word


def pages(lead_id: int, word: str) -> dict[str, str]:
    return {
        "list: default": "/leads",
        "list: status=new&source=web_form": "/leads?status=new&source=web_form",
        f"list: q={word}": f"/leads?q={word}",
        "list: sort=owner": "/leads?sort=owner",
        "list: min_score=60&sort=-score": "/leads?min_score=60&sort=-score",
        "list: tags column": "/leads?col=name&col=owner&col=status&col=score&col=tags",
        "lead page (full timeline)": f"/leads/{lead_id}",
    }


def weight(client: Any, html: str, cache: dict[str, int]) -> int:
    """HTML + the stylesheets and scripts it links (each fetched once)."""
    total = len(html.encode())
    for path in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        if path not in cache:
            cache[path] = len(client.get(path).content)
        total += cache[path]
    return total


def run(target: Target, n: int, count: int, seed: int, bar: Progress) -> list[tuple[Any, ...]]:
    rng = random.Random(seed)
    lead_id, word = prepare(target, count, rng, bar)
    database = Database(target.url)
    settings = Settings(database_url=target.url, secret_key=SECRET, locale="fr")
    app = create_app(settings, database)
    with database.uow(write=True) as uow:
        cookie = sessions.start(uow, user_id=target.user_id, now=datetime.now(UTC),
                                policy=SessionPolicy.of_hours(12, 72))  # fmt: skip
        uow.commit()
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    rows: list[tuple[Any, ...]] = []
    try:
        client = in_process_client(app, {})
        client.cookies.set(SESSION_COOKIE, cookie)
        statics: dict[str, int] = {}
        targets = pages(lead_id, word)
        task = bar.add_task(f"{target.kind}: pages", total=len(targets) * (n + WARMUP))
        for name, path in targets.items():
            baseline: list[int] = []
            samples: list[int] = []
            html = ""
            for i in range(n + WARMUP):
                start = time.perf_counter_ns()
                client.get("/api/v1/health")
                middle = time.perf_counter_ns()
                answer = client.get(path)
                end = time.perf_counter_ns()
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {answer.status_code} {answer.text[:300]}")
                if i >= WARMUP:
                    baseline.append(middle - start)
                    samples.append(end - middle)
                html = answer.text
                bar.advance(task)
            seen.clear()
            event.listen(database.engine, "before_cursor_execute", record)
            try:
                client.get(path)
            finally:
                event.remove(database.engine, "before_cursor_execute", record)
            statements = [s for s in seen if not s.lstrip().upper().startswith(TRANSACTION_CONTROL)]
            p50 = percentile(samples, 50)
            rows.append((name, p50, percentile(samples, 99), p50 / percentile(baseline, 50),
                         len(statements), weight(client, html, statics)))  # fmt: skip
    finally:
        database.dispose()
    return rows


def main() -> None:
    args = parse_args(
        "Lead list and lead page: server time, SQL statements, page weight",
        {
            "n": (300, "requests per page (default 300)"),
            "leads": (20_000, "leads preloaded (default 20000)"),
        },
    )
    console.print("[bold]bench_pages_leads[/bold]: " + run_context())
    for kind in selected(args.db):
        with bench_target(kind) as target, progress() as bar:
            rows = run(target, args.n, args.leads, args.seed, bar)
        table = figures_table(
            f"{target.description}: {args.leads} leads, {args.n} requests per page",
            ["page", "p50 ms", "p99 ms", "p50 / health", "SQL statements", "bytes (HTML+CSS+JS)",
             "verdict"],
            names=1,
        )  # fmt: skip
        for name, p50, p99, ratio, statements, size in rows:
            within = p50 <= TARGET_MS and (
                not name.startswith("list") or statements <= LIST_STATEMENTS
            )
            table.add_row(name, f"{p50:.2f}", f"{p99:.2f}", f"{ratio:.1f}", str(statements),
                          f"{size:,}", "ok" if within else "over target")  # fmt: skip
        console.print(table)
        console.print(
            f"Targets: p50 <= {TARGET_MS:.0f} ms per page on PostgreSQL, the list in at most "
            f"{LIST_STATEMENTS} SQL statements. Health p50 is the ASGI round trip of the "
            "in-process client, included in every figure."
        )


if __name__ == "__main__":
    main()
