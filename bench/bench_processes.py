"""More than one API process (issue 10): a bounded load test of ``bascule serve --workers N``
and two ``bascule worker`` on one fresh PostgreSQL database, against one API process.

    .venv/bin/python bench/bench_processes.py [--seconds 60] [--clients 8] [--workers 4]
                                              [--rate-limit 300] [--people 300]
                                              [--warmup 5] [--repeats 1]

For each run (one API process first, the baseline, then ``--workers`` processes): a throw-away
PostgreSQL database, migrated, an admin token and a ``demo_request`` form key; the API served
by ``bascule serve --workers W`` and two ``bascule worker`` subprocesses, all real commands on
loopback. ``--clients`` threads (one keep-alive ``httpx.Client`` each) then, for ``--seconds``,
pick in turn among:

- create a lead (``POST /api/v1/leads``, 40 %),
- submit the demo form (``POST /api/v1/intake/demo_request``, 40 %),
- qualify then convert a lead some client created (``PATCH .../qualification`` then
  ``POST .../convert``, 20 %),

after ``--warmup`` seconds of the same load, not counted (each process imports and compiles
on its first requests), with e-mails drawn from one pool of ``--people`` addresses, so that
clients race on the same person (merge instead of a second lead) and on the same lead (one
conversion, one opportunity). The intake rate limit is set to ``--rate-limit`` a minute;
every form comes from one form key and one address, so all the processes spend from one
bucket.

Checked after each run (the workers given 5 s to drain the outbox): no 5xx answer; no two open
leads with one e-mail; no lead with two opportunities, no two open opportunities of one
project on one account; no alert written twice (same kind, recipient and payload); the forms
accepted within what one bucket allows over the run (capacity + rate x duration). Reported:
requests/s per run and its ratio to the one-process run, answers by status, p50 per kind.
``--repeats`` alternates the order (1 then N, N then 1...) and adds the median requests/s.
"""

from __future__ import annotations

import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import text

from _support.common import (
    Target,
    bench_target,
    console,
    convert_body,
    figures_table,
    percentile,
    qualification_body,
    run_context,
)
from bascule.intake import forms
from bascule.playbook.load import default_playbook
from bascule.storage.uow import Database

BASCULE = str(Path(sys.executable).with_name("bascule"))
KINDS = ("create", "form", "convert")
WEIGHTS = (40, 40, 20)
# What the database must never hold, however the requests raced.
DUPLICATES = {
    "open leads sharing an e-mail": (
        "SELECT email_key FROM lead WHERE status NOT IN ('converted', 'disqualified') "
        "AND email_key IS NOT NULL GROUP BY email_key HAVING count(*) > 1"
    ),
    "leads with two opportunities": (
        "SELECT lead_id FROM opportunity WHERE lead_id IS NOT NULL "
        "GROUP BY lead_id HAVING count(*) > 1"
    ),
    "open opportunities of one project": (
        "SELECT account_id, name_key FROM opportunity WHERE NOT is_closed "
        "GROUP BY account_id, name_key HAVING count(*) > 1"
    ),
    "alerts written twice": (
        "SELECT kind, recipient_user_id, CAST(payload AS text) FROM outbox "
        "GROUP BY 1, 2, 3 HAVING count(*) > 1"
    ),
}


@dataclass
class Run:
    workers: int
    seconds: float = 0.0
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    timings: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KINDS})
    transport_errors: int = 0
    duplicates: dict[str, int] = field(default_factory=dict)
    forms_allowed: float = 0.0
    leads: int = 0
    opportunities: int = 0
    alerts: int = 0
    server_log: str = ""

    @property
    def requests(self) -> int:
        return sum(self.answers.values())

    @property
    def server_errors(self) -> int:
        return sum(n for (_, code), n in self.answers.items() if code >= 500)


# --- processes ---------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def process(command: list[str], env: dict[str, str], log: IO[bytes]) -> Iterator[Any]:
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(base: str, log: IO[bytes], proc: Any) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise SystemExit(f"bascule serve exited:\n{log.read().decode()[-3000:]}")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("bascule serve did not answer within 60 s")


# --- the clients -------------------------------------------------------------------------------


class Load:
    """The shared state of the client threads: the e-mail pool and the leads made so far."""

    def __init__(self, base: str, token: str, form_key: str, people: int, seed: int) -> None:
        self.base, self.token, self.form_key = base, token, form_key
        self.people = people
        self.seed = seed
        self.lead_ids: list[tuple[int, str]] = []
        self.lock = threading.Lock()

    def person(self, rng: random.Random) -> dict[str, Any]:
        k = rng.randrange(self.people)
        company = f"Pool{k % 97} Industrie"
        return {
            "first_name": "Camille",
            "last_name": f"Martin{k}",
            "email": f"camille.martin{k}@pool{k % 97}.example.com",
            "company": company,
            "job_title": "Head of Sales",
            "employees": 120,
            "country": "FR",
        }

    def client(self, index: int, stop: threading.Event, run: Run) -> None:
        rng = random.Random(self.seed * 100 + index)
        today = date.today()
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=30) as c:
            while not stop.is_set():
                kind = rng.choices(KINDS, WEIGHTS)[0]
                start = time.perf_counter_ns()
                try:
                    codes = self._one(c, kind, rng, today)
                except httpx.TransportError:
                    with self.lock:
                        run.transport_errors += 1
                    continue
                elapsed = time.perf_counter_ns() - start
                with self.lock:
                    run.timings[kind].append(elapsed)
                    for label, code in codes:
                        run.answers[(label, code)] += 1

    def _one(
        self, c: httpx.Client, kind: str, rng: random.Random, today: date
    ) -> list[tuple[str, int]]:
        if kind == "create":
            body = self.person(rng) | {"source": "web_form"}
            response = c.post("/api/v1/leads", json=body)
            if response.status_code in (200, 201):
                with self.lock:
                    self.lead_ids.append((response.json()["id"], body["company"]))
            return [("create", response.status_code)]
        if kind == "form":
            body = self.person(rng) | {"users": 25, "timeline": "this quarter"}
            response = c.post(
                "/api/v1/intake/demo_request", json=body, headers={"X-Form-Key": self.form_key}
            )
            return [("form", response.status_code)]
        with self.lock:
            if not self.lead_ids:
                return []
            lead_id, company = rng.choice(self.lead_ids[-200:])
        qualified = c.patch(f"/api/v1/leads/{lead_id}/qualification", json=qualification_body())
        converted = c.post(f"/api/v1/leads/{lead_id}/convert", json=convert_body(company, today))
        return [("qualify", qualified.status_code), ("convert", converted.status_code)]


# --- one run -----------------------------------------------------------------------------------


def prepare(target: Target) -> str:
    database = Database(target.url)
    try:
        with database.uow(write=True) as uow:
            _, key = forms.create(
                uow, form_type="demo_request", label="load test", playbook=default_playbook(),
                now=datetime.now(UTC),
            )  # fmt: skip
            uow.commit()
    finally:
        database.dispose()
    return key


def run_once(workers: int, args: Any) -> Run:
    run = Run(workers)
    with bench_target("postgresql") as target, ExitStack() as stack:
        key = prepare(target)
        env = os.environ | {
            "BASCULE_DATABASE_URL": target.url,
            "BASCULE_INTAKE_RATE_LIMIT_PER_MINUTE": str(args.rate_limit),
        }
        port = _free_port()
        log = stack.enter_context(tempfile.TemporaryFile())
        serve = [BASCULE, "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
        server = stack.enter_context(process(serve, env, log))
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, log, server)
        background = [stack.enter_context(process([BASCULE, "worker"], env, log)) for _ in range(2)]
        load = Load(base, target.token, key, args.people, args.seed)
        console.print(
            f"{workers} API process(es), 2 workers, {args.clients} clients, {args.seconds} s…"
        )
        drive(load, args.clients, args.warmup, Run(workers))
        run.seconds = drive(load, args.clients, args.seconds, run)
        time.sleep(5)  # the workers deliver what the last requests queued
        for proc in (server, *background):
            if proc.poll() is not None:
                run.answers[("process exited", 599)] += 1
        check(target, run, args.rate_limit)
        log.seek(0)
        run.server_log = log.read().decode(errors="replace")
    return run


def drive(load: Load, clients: int, seconds: float, run: Run) -> float:
    """``clients`` threads loading the API for ``seconds``; returns the time they ran."""
    stop = threading.Event()
    threads = [
        threading.Thread(target=load.client, args=(i, stop, run), daemon=True)
        for i in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def check(target: Target, run: Run, rate_limit: int) -> None:
    database = Database(target.url)
    try:
        with database.engine.connect() as conn:
            for name, sql in DUPLICATES.items():
                run.duplicates[name] = len(conn.execute(text(sql)).all())
            run.leads = conn.execute(text("SELECT count(*) FROM lead")).scalar_one()
            run.opportunities = conn.execute(text("SELECT count(*) FROM opportunity")).scalar_one()
            run.alerts = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
    finally:
        database.dispose()
    # One bucket (one form key, one address): its size, plus what it refills over the run.
    run.forms_allowed = rate_limit + rate_limit / 60 * run.seconds


# --- report ------------------------------------------------------------------------------------


def report(runs: list[Run]) -> bool:
    rates: dict[int, list[float]] = {}
    for run in runs:
        rates.setdefault(run.workers, []).append(run.requests / run.seconds)
    base = statistics.median(rates[1])
    table = figures_table(
        "Load test: bascule serve --workers N + 2 bascule worker, PostgreSQL",
        ("API processes", "figure", "value", "note"),
    )
    healthy = True
    for run in runs:
        rate = run.requests / run.seconds
        accepted = run.answers[("form", 201)]
        limited = run.answers[("form", 429)]
        dups = sum(run.duplicates.values())
        healthy &= run.server_errors == 0 and dups == 0 and accepted <= run.forms_allowed
        healthy &= run.transport_errors == 0
        rows = [
            ("requests/s", f"{rate:.1f}", f"{run.requests} answers in {run.seconds:.0f} s; "
             f"{rate / base:.2f}x one process"),
            ("5xx answers", str(run.server_errors), "must be 0"),
            ("transport errors", str(run.transport_errors), "must be 0"),
            ("duplicates", str(dups),
             ", ".join(f"{k}: {v}" for k, v in run.duplicates.items())),
            ("forms accepted", str(accepted),
             f"at most {run.forms_allowed:.0f} (one bucket); {limited} answered 429"),
            ("rows", f"{run.leads} leads", f"{run.opportunities} opportunities, "
             f"{run.alerts} alerts"),
        ]  # fmt: skip
        for kind, samples in run.timings.items():
            if samples:
                rows.append((f"p50 {kind}", f"{percentile(samples, 50):.1f} ms", ""))
        by_code = sorted(run.answers.items())
        rows.append(("answers", "", ", ".join(f"{k} {c}: {n}" for (k, c), n in by_code)))
        for figure, value, note in rows:
            table.add_row(str(run.workers), figure, value, note)
        table.add_section()
    console.print(table)
    for workers, values in rates.items():
        median = statistics.median(values)
        console.print(
            f"{workers} API process(es): median {median:.1f} requests/s over {len(values)} "
            f"run(s), {median / base:.2f}x one process"
        )
    for run in runs:
        if run.server_errors:
            errors = [ln for ln in run.server_log.splitlines() if "Error" in ln or "error" in ln]
            console.print(f"[red]{run.workers} process(es): server log errors[/]")
            for line in errors[-20:]:
                console.print(f"  {line}", markup=False, highlight=False)
    return healthy


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate-limit", type=int, default=300, help="forms a minute (300)")
    parser.add_argument("--people", type=int, default=300, help="e-mail pool size (300)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds not counted (5)")
    parser.add_argument("--repeats", type=int, default=1, help="pairs of runs (1)")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    console.print(
        f"[bold]bench_processes[/]: loopback, {args.clients} clients for {args.seconds:g} s "
        f"against 1 then {args.workers} API processes, 2 bascule worker, PostgreSQL, "
        f"{run_context()}"
    )
    runs = []
    for repeat in range(args.repeats):
        order = (1, args.workers) if repeat % 2 == 0 else (args.workers, 1)
        runs.extend(run_once(workers, args) for workers in order)
    healthy = report(runs)
    console.print("[green]no 5xx, no duplicate[/]" if healthy else "[red]FAILED[/]")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
