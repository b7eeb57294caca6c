"""Signal ingestion (issue #3): events/s through the service, against a raw insert of the rows.

    .venv/bin/python bench/bench_events.py [--db sqlite|postgresql|both] [--n 1000000]
                                           [--batch 10000] [--http-batches 50]

For each database: a throw-away database, migrated, one admin user with a token, then 20,000
open leads, 2,000 contacts on 400 accounts and 500 freemium workspaces claimed by a signup
signal, loaded in bulk. ``--n`` events (default 1,000,000) are generated in batches of
``--batch`` (10,000) as the API receives them (decoded JSON), in this mix:

- 45% ``email`` of an open lead, 10% ``lead_id``, 10% ``email`` of a contact, 5% ``contact_id``,
- 15% ``email`` nobody knows yet (kept pending), 15% product usage naming only its workspace;

each with a few properties (url, utm, ...). Alongside each batch, the rows the service is
expected to store for it (same person ids, times and properties) are built independently.
Timed, batch by batch, alternating so both see the same table size:

- raw: ``engine.begin()`` + one ``executemany`` ``insert(signal)`` of the batch's rows + commit,
  through the app's own engine (the baseline of the ratio);
- service: ``signals.ingest`` of the batch in one write unit of work + commit: the API's code
  path without HTTP (checking every item, one ``IN`` query per kind of key, one insert).

Printed: events/s of each, the ratio service/raw (target >= 0.3), and the row count check.
Then, for information, ``--http-batches`` batches (default 50) are POSTed as JSON to
``/api/v1/events`` on a uvicorn subprocess over loopback (one request at a time).
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text

from _support.common import (
    Names,
    Target,
    bench_target,
    console,
    figures_table,
    lead_row,
    parse_args,
    progress,
    run_context,
    selected,
)
from bascule.signals import service as signals
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bench_http import serve

LEADS = 20_000
ACCOUNTS = 400
CONTACTS = 2_000
WORKSPACES = 500
PAGES = ("/", "/tarifs", "/produit", "/blog/crm-b2b", "/livre-blanc", "/demo", "/contact")
FEATURES = ("pipeline", "reports", "import", "forecast", "sequences", "api")
SOURCES = ("newsletter", "linkedin", "google", "partner", "webinar")


@dataclass
class World:
    """What the preload created: the keys events name and the rows they must end up on."""

    lead_emails: list[tuple[str, int]] = field(default_factory=list)  # (email, lead id)
    lead_ids: list[int] = field(default_factory=list)
    contacts: list[tuple[int, str, int]] = field(default_factory=list)  # (id, email, account)
    workspaces: list[tuple[str, int, str]] = field(default_factory=list)  # (ws, lead, email)


# --- preload ------------------------------------------------------------------------------------


def preload(target: Target, database: Database, rng: random.Random) -> World:
    now = datetime.now(UTC)
    names = Names(rng)
    world = World()
    with database.engine.execution_options(write=True).begin() as conn:
        rows = [
            lead_row(rng, names, i, owner_id=target.user_id, now=now, status="new")
            for i in range(LEADS)
        ]
        for start in range(0, LEADS, 2000):
            conn.execute(insert(t.Lead), rows[start : start + 2000])
        found = conn.execute(select(t.Lead.email_key, t.Lead.id).order_by(t.Lead.id)).all()
        world.lead_emails = [(email, lead_id) for email, lead_id in found]
        world.lead_ids = [lead_id for _, lead_id in found]
        accounts = [
            {"name": f"Client {i}", "name_key": f"client {i}", "is_customer": i % 2 == 0,
             "created_at": now, "updated_at": now}
            for i in range(ACCOUNTS)
        ]  # fmt: skip
        conn.execute(insert(t.Account), accounts)
        account_ids = list(conn.execute(select(t.Account.id).order_by(t.Account.id)).scalars())
        contacts = [
            {"last_name": f"Contact{i}", "email": f"contact{i}@client{i % ACCOUNTS}.example.com",
             "email_key": f"contact{i}@client{i % ACCOUNTS}.example.com",
             "account_id": account_ids[i % ACCOUNTS], "do_not_contact": False,
             "created_at": now, "updated_at": now}
            for i in range(CONTACTS)
        ]  # fmt: skip
        conn.execute(insert(t.Contact), contacts)
        world.contacts = [
            (cid, email, account)
            for cid, email, account in conn.execute(
                select(t.Contact.id, t.Contact.email_key, t.Contact.account_id)
            )
        ]
        # Each workspace is claimed by a signup signal on one of the leads.
        claims = []
        for i in range(WORKSPACES):
            email, lead_id = world.lead_emails[i]
            workspace = f"ws-{i:04d}"
            world.workspaces.append((workspace, lead_id, email))
            claims.append(
                {"type": "form_submit", "occurred_at": now - timedelta(days=30),
                 "received_at": now, "lead_id": lead_id, "contact_id": None, "account_id": None,
                 "email_key": email, "workspace": workspace, "origin": "form",
                 "properties": {"form": "freemium_signup", "workspace": workspace}}
            )  # fmt: skip
        conn.execute(insert(t.Signal), claims)
    if not database.is_sqlite:
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    return world


# --- events -------------------------------------------------------------------------------------


def batches(
    world: World, n: int, size: int, seed: int
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """(items as posted, rows as they must be stored) per batch, generated lazily."""
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    unknown = 0
    for start in range(0, n, size):
        items: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        for _ in range(min(size, n - start)):
            when = now - timedelta(seconds=rng.randint(60, 90 * 86400))
            props: dict[str, Any] = {
                "url": rng.choice(PAGES), "utm_source": rng.choice(SOURCES),
                "session": f"s{rng.randint(1, 10**9)}",
            }  # fmt: skip
            item: dict[str, Any] = {"type": "page_view", "occurred_at": when.isoformat()}
            lead_id = contact_id = account_id = None
            email_key = workspace = None
            pick = rng.random()
            if pick < 0.45:
                email_key, lead_id = rng.choice(world.lead_emails)
                item["type"] = rng.choice(("page_view", "email_open", "email_click"))
                item["email"] = email_key
            elif pick < 0.55:
                lead_id = rng.choice(world.lead_ids)
                item["type"] = rng.choice(("page_view", "pricing_view", "content_download"))
                item["lead_id"] = lead_id
            elif pick < 0.65:
                contact_id, email_key, account_id = rng.choice(world.contacts)
                item["type"] = rng.choice(("page_view", "email_open", "form_submit"))
                item["email"] = email_key
            elif pick < 0.70:
                contact_id, _, account_id = rng.choice(world.contacts)
                item["contact_id"] = contact_id
            elif pick < 0.85:
                unknown += 1
                email_key = f"visitor{unknown}@prospect{unknown % 997}.example.org"
                item["email"] = email_key
            else:
                workspace, lead_id, email_key = rng.choice(world.workspaces)
                item["type"] = rng.choice(
                    ("product_login", "feature_used", "seats_used", "seat_limit_reached")
                )
                props = {"workspace": workspace, "feature": rng.choice(FEATURES),
                         "seats": rng.randint(1, 3)}  # fmt: skip
            item["properties"] = props
            items.append(item)
            rows.append(
                {"type": item["type"], "occurred_at": when, "received_at": now,
                 "lead_id": lead_id, "contact_id": contact_id, "account_id": account_id,
                 "email_key": email_key, "workspace": None, "origin": "event",
                 "properties": props}
            )  # fmt: skip
        yield items, rows


# --- runs ---------------------------------------------------------------------------------------


@dataclass
class Figures:
    events: int = 0
    raw_ns: int = 0
    service_ns: int = 0
    pending: int = 0
    rejected: int = 0
    http_events: int = 0
    http_ns: int = 0
    rows_before: int = 0
    rows_after: int = 0


def count_signals(database: Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.Signal)).scalar_one())


def run(target: Target, n: int, size: int, http_batches: int, seed: int) -> Figures:
    rng = random.Random(seed)
    database = Database(target.url)
    figures = Figures()
    try:
        world = preload(target, database, rng)
        figures.rows_before = count_signals(database)
        table = t.Signal.__table__
        with progress() as bar:
            task = bar.add_task(f"{target.kind}: raw + service", total=n)
            for items, rows in batches(world, n, size, seed):
                start = time.perf_counter_ns()
                with database.engine.execution_options(write=True).begin() as conn:
                    conn.execute(insert(table), rows)
                middle = time.perf_counter_ns()
                with database.uow(write=True) as uow:
                    result = signals.ingest(uow, items=items, now=datetime.now(UTC))
                    uow.commit()
                end = time.perf_counter_ns()
                figures.raw_ns += middle - start
                figures.service_ns += end - middle
                figures.events += len(items)
                figures.pending += result.pending
                figures.rejected += len(result.rejected)
                bar.advance(task, len(items))
        figures.rows_after = count_signals(database)
    finally:
        database.dispose()
    if http_batches:
        figures.http_events, figures.http_ns = run_http(target, world, size, http_batches, seed)
    return figures


def run_http(target: Target, world: World, size: int, count: int, seed: int) -> tuple[int, int]:
    """``count`` batches POSTed as JSON over loopback; (events, ns) of the timed ones."""
    bodies = [
        json.dumps(items).encode()
        for items, _ in batches(world, size * (count + 1), size, seed + 1)
    ]
    headers = {"Authorization": f"Bearer {target.token}", "Content-Type": "application/json"}
    events = 0
    elapsed = 0
    with (
        serve(target.url) as (_proc, base),
        httpx.Client(base_url=base, headers=headers, timeout=120) as client,
        progress() as bar,
    ):
        task = bar.add_task(f"{target.kind}: HTTP POST /events", total=count)
        for i, body in enumerate(bodies):
            start = time.perf_counter_ns()
            response = client.post("/api/v1/events", content=body)
            took = time.perf_counter_ns() - start
            if response.status_code != 200:
                raise SystemExit(f"POST /api/v1/events: {response.status_code} {response.text}")
            if i == 0:
                continue  # warm-up
            events += response.json()["accepted"]
            elapsed += took
            bar.advance(task)
    return events, elapsed


def main() -> None:
    args = parse_args(
        "Ingest signals through the service, against a raw executemany insert of the rows.",
        {
            "n": (1_000_000, "events through the service, and as many raw (default 1000000)"),
            "batch": (10_000, "events per batch (default 10000)"),
            "http_batches": (50, "batches POSTed over HTTP afterwards (default 50; 0: none)"),
        },
    )
    console.print(f"[bold]bench_events[/]: n={args.n} in batches of {args.batch}, {run_context()}")
    table = figures_table(
        "Signal ingestion: events/s and ratio to a raw executemany insert",
        ("db", "path", "events", "seconds", "events/s", "ratio to raw"),
    )
    ran_on: list[str] = []
    for kind in selected(args.db):
        with bench_target(kind) as target:
            console.print(f"[bold]{kind}[/]: {target.description}")
            ran_on.append(f"{kind}: {target.description}")
            f = run(target, args.n, args.batch, args.http_batches, args.seed)
        raw_rate = f.events / (f.raw_ns / 1e9)
        service_rate = f.events / (f.service_ns / 1e9)
        table.add_row(
            kind, "raw executemany insert + commit (baseline)", f"{f.events:,}",
            f"{f.raw_ns / 1e9:.1f}", f"{raw_rate:,.0f}", "1.00",
        )  # fmt: skip
        verdict = "[green]ok[/]" if service_rate / raw_rate >= 0.3 else "[red]below 0.3[/]"
        table.add_row(
            kind, "signals.ingest + commit (API path, no HTTP)", f"{f.events:,}",
            f"{f.service_ns / 1e9:.1f}", f"{service_rate:,.0f}",
            f"{service_rate / raw_rate:.2f} {verdict}",
        )  # fmt: skip
        if f.http_events:
            http_rate = f.http_events / (f.http_ns / 1e9)
            table.add_row(
                kind, "POST /api/v1/events over loopback (information)", f"{f.http_events:,}",
                f"{f.http_ns / 1e9:.1f}", f"{http_rate:,.0f}", f"{http_rate / raw_rate:.2f}",
            )  # fmt: skip
        table.add_section()
        expected = f.rows_before + 2 * f.events
        check = "ok" if f.rows_after == expected and not f.rejected else "MISMATCH"
        console.print(
            f"{kind}: {f.rows_after:,} signal rows after the timed part (expected {expected:,}: "
            f"{check}); {f.pending:,} kept pending, {f.rejected} rejected"
        )
    console.print(table)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
