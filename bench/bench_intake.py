"""Public form submissions over HTTP (issue #3): p50 / p99 over ``--n`` (2,000) submissions.

    .venv/bin/python bench/bench_intake.py [--db sqlite|postgresql|both] [--n 2000]

For each database: a throw-away database, migrated, one key per form type, then the app served
by uvicorn in a subprocess on a free 127.0.0.1 port (bench_http.serve), the rate limit raised
out of the way. One ``httpx.Client`` (keep-alive) sends one submission at a time, in a fixed
mix that looks like a web site's day:

- 50 % white-paper downloads from new people (``content_download``: a new lead);
- 25 % demo requests from people already known (``demo_request``: the open lead enriched,
  warmed up, its budget and timing read, an outbox alert);
- 15 % pricing requests from new people (``pricing_request``: a lead and an outbox alert);
- 10 % RFPs from new companies with two named contacts (``rfp``: account, three contacts, an
  opportunity).

Baselines, same run, interleaved with the submissions (one of each before every submission):

- ``GET /api/v1/health`` (no database) on the same connection;
- a bare ``INSERT`` of one lead row + commit through an engine of this process on the same
  database (``bare``): what storing anything costs at all;
- ``POST /api/v1/leads`` (an API client creating a lead, same connection): SPEC's create.

Each kind is printed with its p50 / p99 and its ratios to the health p50, the bare insert p50
and the create p50 (issue 10: a public form end to end within 1.5x a create).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from _support.common import (
    Names,
    Target,
    bench_target,
    console,
    figures_table,
    lead_fields,
    lead_row,
    parse_args,
    percentile,
    progress,
    run_context,
    selected,
)
from bascule.intake import forms
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bench_http import serve

WARMUP = 30
MIX = (
    ("content_download", 50),
    ("demo_request", 25),
    ("pricing_request", 15),
    ("rfp", 10),
)
LABELS = {
    "health": "GET /api/v1/health (baseline, no DB)",
    "bare": "bare INSERT lead row + commit (baseline)",
    "create": "POST /api/v1/leads (baseline: create)",
    "content_download": "white paper, new person: lead_created",
    "demo_request": "demo, known person: lead_updated",
    "pricing_request": "pricing, new person: lead_created + alert",
    "rfp": "RFP, new company: opportunity_created",
    "all": "all submissions",
}


def make_keys(target: Target) -> dict[str, str]:
    database = Database(target.url)
    try:
        with database.uow(write=True) as uow:
            keys = {
                form_type: forms.create(
                    uow, form_type=form_type, label="bench", playbook=default_playbook(),
                    now=datetime.now(UTC),
                )[1]
                for form_type, _ in MIX
            }  # fmt: skip
            uow.commit()
        return keys
    finally:
        database.dispose()


def body(kind: str, i: int, rng: random.Random, names: Names, today: date) -> dict[str, Any]:
    company = names.company()
    domain = company.lower().replace(" ", "-") + ".fr"
    person = {
        "first_name": rng.choice(("Sophie", "Luc", "Nadia", "Hugo", "Claire", "Marc")),
        "last_name": rng.choice(("Martin", "Bernard", "Durand", "Petit", "Moreau", "Roux")),
        "email": f"p{i}@{domain}",
        "company": company,
        "employees": rng.choice((8, 45, 180, 1200)),
        "message": "Bonjour, pouvez-vous me recontacter ?",
        "utm_source": rng.choice(("google", "linkedin", "newsletter")),
    }
    if kind == "demo_request":
        return {"users": "25", "budget": "20-30 k€", "timeline": "dans 3 mois"}
    if kind == "rfp":
        close = (today + timedelta(days=rng.randint(60, 300))).isoformat()
        contacts = [
            {"last_name": "Benali", "email": f"dsi{i}@{domain}", "role": "it"},
            {"last_name": "Fournier", "email": f"metier{i}@{domain}", "role": "business"},
        ]
        return person | {
            "project": f"Projet CRM {i}",
            "budget": f"{rng.randint(20, 300)} k€",
            "expected_close_date": close,
            "contacts": contacts,
        }
    return person


def run(target: Target, n: int, seed: int) -> dict[str, list[int]]:
    rng = random.Random(seed)
    names = Names(rng)
    today = datetime.now(UTC).date()
    keys = make_keys(target)
    kinds = [k for k, weight in MIX for _ in range(weight)]
    samples: dict[str, list[int]] = {key: [] for key in LABELS}
    known: list[str] = []  # e-mails of the leads made so far (for the demo requests)
    os.environ["BASCULE_INTAKE_RATE_LIMIT_PER_MINUTE"] = str(10**9)
    database = Database(target.url)
    now = datetime.now(UTC)
    token = {"Authorization": f"Bearer {target.token}"}
    with (
        progress() as bar,
        serve(target.url) as (_proc, base),
        httpx.Client(base_url=base) as c,
    ):

        def bare(i: int) -> int:
            row = lead_row(rng, names, i, owner_id=target.user_id, now=now, status="new")
            start = time.perf_counter_ns()
            with database.engine.begin() as conn:
                conn.execute(insert(t.Lead), row)
            return time.perf_counter_ns() - start

        def create(i: int) -> int:
            payload = lead_fields(rng, names, f"c{i}")
            start = time.perf_counter_ns()
            response = c.post("/api/v1/leads", json=payload, headers=token)
            elapsed = time.perf_counter_ns() - start
            if response.status_code != 201:
                raise SystemExit(f"create: HTTP {response.status_code} {response.text[:500]}")
            return elapsed

        def submit(kind: str, i: int) -> int:
            payload = body(kind, i, rng, names, today)
            if kind == "demo_request":
                payload["email"] = rng.choice(known) if known else f"p{i}@warmup.fr"
            start = time.perf_counter_ns()
            response = c.post(
                f"/api/v1/intake/{kind}", json=payload, headers={"X-Form-Key": keys[kind]}
            )
            elapsed = time.perf_counter_ns() - start
            if response.status_code != 201:
                raise SystemExit(f"{kind}: HTTP {response.status_code} {response.text[:500]}")
            if kind in ("content_download", "pricing_request"):
                known.append(payload["email"])
            return elapsed

        for i in range(WARMUP):
            bare(-1 - i)
            create(-1 - i)
            submit(MIX[i % len(MIX)][0], -1 - i)
        task = bar.add_task(f"{target.kind}: submissions", total=n)
        for i in range(n):
            kind = kinds[i % len(kinds)]
            start = time.perf_counter_ns()
            if c.get("/api/v1/health").status_code != 200:
                raise SystemExit("health: not 200")
            samples["health"].append(time.perf_counter_ns() - start)
            samples["bare"].append(bare(i))
            samples["create"].append(create(i))
            elapsed = submit(kind, i)
            samples[kind].append(elapsed)
            samples["all"].append(elapsed)
            bar.advance(task)
    database.dispose()
    return samples


def main() -> None:
    args = parse_args(
        "Public form submissions over HTTP: uvicorn + httpx, one at a time, against GET /health.",
        {"n": (2000, "timed submissions (default 2000)")},
    )
    console.print(
        f"[bold]bench_intake[/]: uvicorn subprocess on 127.0.0.1, httpx keep-alive, one "
        f"submission at a time, n={args.n}, {run_context()}"
    )
    table = figures_table(
        "POST /api/v1/intake/{form_type}: p50/p99, ratio to GET /health p50",
        ("db", "submission", "n", "p50", "p99", "/ health", "/ bare insert", "/ create"),
    )
    ran_on = []
    for kind in selected(args.db):
        with bench_target(kind) as target:
            console.print(f"[bold]{kind}[/]: {target.description}")
            ran_on.append(f"{kind}: {target.description}")
            samples = run(target, args.n, args.seed)
        base = percentile(samples["health"], 50)
        bare, create = percentile(samples["bare"], 50), percentile(samples["create"], 50)
        for key, label in LABELS.items():
            p50, p99 = percentile(samples[key], 50), percentile(samples[key], 99)
            table.add_row(
                kind, label, str(len(samples[key])), f"{p50:.2f} ms", f"{p99:.2f} ms",
                f"{p50 / base:.1f}x", f"{p50 / bare:.1f}x", f"{p50 / create:.2f}x",
            )  # fmt: skip
        table.add_section()
    console.print(table)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
