"""Alert latency (issue #4): from the commit of a signal that makes a lead cross the MQL
threshold to the webhook received on loopback, with ``bascule worker`` running.

    .venv/bin/python bench/bench_alert_latency.py [--db sqlite|postgresql|both] [--n 1000]
                                                  [--rate 50] [--via auto|signals|direct]

For each database: a throw-away database, migrated, ``--n`` open leads owned by one user, a
webhook receiver (``http.server`` in this process, checking every HMAC signature) and a
``bascule worker`` subprocess with its default settings. Then, ``--rate`` times a second:

- ``signals`` (the default when the scoring engine is there): one ``form_submit`` signal
  (``form_type: demo_request``) for a lead through ``signals.ingest`` in a write unit of work,
  committed: scoring adds its points, the lead crosses the MQL threshold, is promoted and its
  ``mql_reached`` alert written, all in that transaction. The threshold is set, before the run,
  between a lead's score and its score plus that signal (measured on a probe lead), so that
  every signal crosses it;
- ``direct``: the lead's score and status updated and the alert enqueued
  (``alerts.outbox.enqueue``) in one transaction, as scoring would.

Latency = the monotonic clock when the POST arrives at the receiver minus the same clock right
after the commit. The receiver runs in a process of its own (this one is busy committing).
Printed: p50, p90, p99 and max over the ``--n`` alerts, alerts lost, duplicates and bad
signatures (all three should be 0), and the ratio of p50 to the baseline.

Baseline: a POST of the same size from this process to the same receiver (http.client, new
connection each time, as the worker does), ``--n`` times before the run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import queue
import socket
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import tomli_w
from rich.table import Table
from sqlalchemy import select

from _support.common import (
    Target,
    bench_target,
    code_version,
    console,
    percentile,
    selected,
)
from bascule.alerts import outbox, webhooks
from bascule.leads import service as leads
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_text
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor, Role

SECRET_ENV = "BASCULE_BENCH_WEBHOOK_SECRET"
SECRET = "bench-webhook-secret-0123456789"
SIGNAL = {"type": "form_submit", "properties": {"form_type": "demo_request"}}
LAUNCH = "from bascule.cli.main import app; app()"


def _receive(port: int, arrivals: Any) -> None:
    """The webhook receiver, in a process of its own (so that this one's work never delays
    it): puts ``(lead_id, monotonic ns, signature ok)`` for each POST on the queue."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            at = time.monotonic_ns()
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = webhooks.verify(
                SECRET, self.headers.get("X-Bascule-Timestamp", ""), body,
                self.headers.get("X-Bascule-Signature", ""),
            )  # fmt: skip
            arrivals.put((json.loads(body).get("payload", {}).get("lead_id"), at, ok))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    ThreadingHTTPServer.request_queue_size = 64
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever(0.05)


@dataclass
class Receiver:
    """The receiver process, and what it reported: first arrival of each lead's alert."""

    arrivals: dict[int, int] = field(default_factory=dict)
    posts: int = 0
    bad_signatures: int = 0
    process: Any = None
    queue: Any = None

    def start(self) -> str:
        port = _free_port()
        context = multiprocessing.get_context("fork")
        self.queue = context.Queue()
        self.process = context.Process(target=_receive, args=(port, self.queue), daemon=True)
        self.process.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        return f"http://127.0.0.1:{port}/bascule"

    def drain(self) -> None:
        while True:
            try:
                lead_id, at, ok = self.queue.get_nowait()
            except queue.Empty:
                return
            self.posts += 1
            self.bad_signatures += not ok
            if isinstance(lead_id, int):
                self.arrivals.setdefault(lead_id, at)

    def reset(self) -> None:
        self.drain()
        self.arrivals.clear()
        self.posts = self.bad_signatures = 0

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _playbook(url: str, threshold: int | None) -> str:
    data = tomllib.loads(default_text())
    data["alerts"] = data.get("alerts", {}) | {
        "webhooks": [{"name": "bench", "url": url, "secret_env": SECRET_ENV,
                      "kinds": ["mql_reached"]}],
    }  # fmt: skip
    if threshold is not None:
        data["scoring"] = data.get("scoring", {}) | {"mql_threshold": threshold}
    return tomli_w.dumps(data)


def _make_leads(database: Database, owner: int, n: int) -> list[int]:
    actor = Actor(user_id=owner, role=Role.ADMIN, name="Bench")
    playbook = playbooks.active(database, max_age=0)
    ids = []
    for start in range(0, n, 500):
        with database.uow(write=True) as uow:
            for i in range(start, min(n, start + 500)):
                lead, _ = leads.create(
                    uow,
                    data={"first_name": "Lina", "last_name": f"Bench{i}",
                          "email": f"lina.bench{i}@exemple-bench.fr", "company": f"Bench {i}",
                          "source": "web_form", "owner_id": owner},
                    actor=actor, playbook=playbook, now=datetime.now(UTC),
                )  # fmt: skip
                ids.append(lead.id)
            uow.commit()
    return ids


def _score(database: Database, lead_id: int) -> tuple[int, str]:
    with database.uow() as uow:
        row = uow.session.execute(
            select(t.Lead.score, t.Lead.status).where(t.Lead.id == lead_id)
        ).one()
        return int(row[0]), str(row[1])


def _signal(database: Database, lead_id: int) -> None:
    from bascule.signals import service as signals

    with database.uow(write=True) as uow:
        now = datetime.now(UTC)
        item = SIGNAL | {"lead_id": lead_id, "occurred_at": now.isoformat()}
        signals.ingest(uow, items=[item], now=now)
        uow.commit()


def _direct(database: Database, lead_id: int, owner: int) -> None:
    with database.uow(write=True) as uow:
        now = datetime.now(UTC)
        lead = uow.session.get(t.Lead, lead_id)
        assert lead is not None
        lead.score, lead.status, lead.updated_at = 55, "mql", now
        outbox.enqueue(
            uow, kind="mql_reached", recipient_user_id=owner,
            payload={"lead_id": lead_id, "score": 55, "threshold": 50},
            idempotency_key=f"mql_reached:lead:{lead_id}:bench", now=now,
        )  # fmt: skip
        uow.commit()


def _choose_mode(database: Database, via: str, probe: int) -> tuple[str, int | None, str]:
    """(mode, threshold, note): can one signal make a lead cross a threshold we set?"""
    if via == "direct":
        return "direct", None, "alerts enqueued directly (--via direct)"
    try:
        before, _ = _score(database, probe)
        _signal(database, probe)
        after, _ = _score(database, probe)
    except Exception as exc:  # the scoring engine is missing or broken
        if via == "signals":
            raise
        return "direct", None, f"scoring unavailable ({type(exc).__name__}): alerts enqueued"
    if after <= before:
        if via == "signals":
            raise SystemExit(f"a {SIGNAL} signal does not raise the score ({before} -> {after})")
        return "direct", None, "the signal adds no points: alerts enqueued directly"
    threshold = before + max(1, (after - before) // 2)
    note = (
        f"signals through scoring: one form_submit (demo_request) takes a lead from {before} "
        f"to {after} points; MQL threshold set to {threshold}"
    )
    return "signals", threshold, note


def _baseline(url: str, n: int) -> list[int]:
    body = webhooks.body({"id": 0, "kind": "mql_reached", "payload": {"lead_id": -1}})
    parts = url.split("/")
    host, port = parts[2].split(":")
    samples = []
    for _ in range(n):
        started = time.monotonic_ns()
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.request("POST", "/bascule", body=body, headers={"Content-Type": "application/json"})
        conn.getresponse().read()
        conn.close()
        samples.append(time.monotonic_ns() - started)
    return samples


def _start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASCULE_")}
    env |= {"BASCULE_DATABASE_URL": url, SECRET_ENV: SECRET, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", LAUNCH, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def run(target: Target, args: argparse.Namespace) -> dict[str, Any]:
    database = Database(target.url)
    receiver = Receiver()
    url = receiver.start()
    log = Path(f"/tmp/bench-alert-worker-{os.getpid()}-{target.kind}.log")
    worker = None
    try:
        ids = _make_leads(database, target.user_id, args.n + 1)
        probe, measured = ids[0], ids[1:]
        mode, threshold, note = _choose_mode(database, args.via, probe)
        with database.uow(write=True) as uow:
            playbooks.apply(uow, text=_playbook(url, threshold), by=None, now=datetime.now(UTC))
            uow.commit()
        baseline = _baseline(url, args.n)
        receiver.reset()
        worker = _start_worker(target.url, log)
        time.sleep(2.0)  # started, LISTEN set up
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited: {log.read_text()[-2000:]}")
        committed: dict[int, int] = {}
        period = 1 / args.rate
        started = time.perf_counter()
        for i, lead_id in enumerate(measured):
            if mode == "signals":
                _signal(database, lead_id)
            else:
                _direct(database, lead_id, target.user_id)
            committed[lead_id] = time.monotonic_ns()
            pause = started + (i + 1) * period - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        deadline = time.monotonic() + 60
        while len(receiver.arrivals.keys() & committed.keys()) < len(committed):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
            receiver.drain()
        latencies = [
            receiver.arrivals[k] - committed[k] for k in committed if k in receiver.arrivals
        ]
        promoted = sum(_score(database, k)[1] == "mql" for k in measured[:20])
        return {
            "mode": mode,
            "note": note,
            "latencies": latencies,
            "baseline": baseline,
            "missing": len(committed) - len(latencies),
            "duplicates": receiver.posts - len(receiver.arrivals),
            "bad_signatures": receiver.bad_signatures,
            "promoted_of_20": promoted,
        }
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        receiver.stop()
        database.dispose()
        playbooks.forget(database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=1000, help="alerts measured (default 1000)")
    parser.add_argument("--rate", type=float, default=50, help="signals per second (50)")
    parser.add_argument("--via", choices=("auto", "signals", "direct"), default="auto")
    args = parser.parse_args()
    console.print(f"[bold]Alert latency[/] - {code_version()}; n={args.n}, rate={args.rate}/s")
    table = Table(
        "database", "path", "p50 ms", "p90 ms", "p99 ms", "max ms", "baseline p50 ms", "ratio",
        "lost", "dupl.", "bad sig.",
    )  # fmt: skip
    for kind in selected(args.db):
        with bench_target(kind) as target:
            console.print(f"{kind}: {target.description}")
            r = run(target, args)
        console.print(f"  {r['note']}; {r['promoted_of_20']}/20 sampled leads are MQL")
        lat, base = r["latencies"], r["baseline"]
        p50 = percentile(lat, 50)
        table.add_row(
            kind, r["mode"], f"{p50:.1f}", f"{percentile(lat, 90):.1f}",
            f"{percentile(lat, 99):.1f}", f"{max(lat) / 1e6:.1f}",
            f"{percentile(base, 50):.2f}", f"{p50 / percentile(base, 50):.0f}x",
            str(r["missing"]), str(r["duplicates"]), str(r["bad_signatures"]),
        )  # fmt: skip
    console.print(table)
    console.print(
        "latency: commit of the alert's transaction -> POST received by the webhook receiver; "
        "baseline: a bare loopback POST of the same size from this process"
    )


if __name__ == "__main__":
    main()
