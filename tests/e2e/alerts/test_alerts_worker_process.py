"""``bascule worker`` as a real process: killed with SIGKILL in the middle of a batch and
restarted, nothing is lost; two workers on PostgreSQL never deliver an alert twice; on SQLite
a second worker is refused with a clear message (SPEC §8, issue "crash and concurrency")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alerting import wait_until
from sqlalchemy import func, select

from bascule.storage import tables as t
from bascule.storage.uow import Database

LAUNCH = "from bascule.cli.main import app; app()"
SECRET_ENV = "BASCULE_TEST_WORKER_SECRET"
SECRET_VALUE = "worker-process-secret-0123456789"


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """``start_worker(url, "--once")``: ``bascule worker`` in a process of its own; its output
    goes to a file (``proc.log``). Every process still running at the end is killed."""
    procs: list[subprocess.Popen[bytes]] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASCULE_")}
    env |= {SECRET_ENV: SECRET_VALUE, "PYTHONUNBUFFERED": "1"}

    def start(url: str, *args: str) -> subprocess.Popen[bytes]:
        log = tmp_path / f"worker-{len(procs)}.log"
        command = [sys.executable, "-c", LAUNCH, "--database-url", url, "worker", *args]
        with log.open("wb") as out:
            proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        proc.log = log  # type: ignore[attr-defined]
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def output(proc: subprocess.Popen[bytes]) -> str:
    return Path(proc.log).read_text(errors="replace")  # type: ignore[attr-defined]


def counts(database: Database) -> dict[str, Any]:
    with database.uow() as uow:
        rows = uow.session.execute(
            select(t.AlertDelivery.status, func.count()).group_by(t.AlertDelivery.status)
        )
        deliveries = {row[0]: int(row[1]) for row in rows}
        pending = uow.session.execute(
            select(func.count()).select_from(t.Outbox).where(t.Outbox.status == "pending")
        ).scalar_one()
    return {"deliveries": deliveries, "alerts_pending": int(pending)}


def webhook(r: Any) -> dict[str, Any]:
    return {"name": "crm", "url": r.url, "secret_env": SECRET_ENV}


def test_a_worker_killed_mid_batch_loses_nothing_once_restarted(
    database, users, receiver, use_playbook, enqueue, start_worker
):
    endpoint = receiver("ok")
    use_playbook([webhook(endpoint)])
    enqueue(users["sales"].id, 2000, key="crash")
    expected = {f"crash:{i}" for i in range(2000)}

    first = start_worker(database.url, "--batch", "20")
    wait_until(lambda: len(endpoint.keys()) >= 300, 60, "300 webhooks before the kill")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = counts(database)
    second = start_worker(database.url, "--once")
    second.wait(timeout=90)

    assert first.returncode == -signal.SIGKILL
    assert at_kill["deliveries"].get("delivered", 0) < 2000, at_kill  # it died half-way
    assert second.returncode == 0, output(second)
    received = endpoint.keys()

    assert set(received) == expected  # every alert arrived at least once...
    assert all(hit.verified(SECRET_VALUE) for hit in endpoint.hits[:50])
    after = counts(database)
    assert after == {"deliveries": {"delivered": 2000}, "alerts_pending": 0}, after
    # ...and a repeat is only what was in flight when the worker died.
    assert sum(received.values()) - 2000 <= 20, sum(received.values())


def test_two_workers_on_postgresql_never_deliver_an_alert_twice(
    database, users, receiver, use_playbook, enqueue, start_worker
):
    if database.is_sqlite:
        pytest.skip("SQLite runs one worker: see test_a_second_worker_on_sqlite_is_refused")
    endpoint = receiver("ok")
    use_playbook([webhook(endpoint)])
    workers = [start_worker(database.url, "--batch", "10", "--poll", "0.05") for _ in range(2)]
    wait_until(lambda: all("Worker on" in output(w) for w in workers), 30, "both workers")

    enqueue(users["sales"].id, 1000, key="twice")
    wait_until(
        lambda: counts(database)["deliveries"].get("delivered", 0) == 1000, 60, "1000 deliveries"
    )
    for proc in workers:
        proc.send_signal(signal.SIGTERM)
    for proc in workers:
        proc.wait(timeout=30)

    received = endpoint.keys()
    assert len(received) == 1000
    assert max(received.values()) == 1, [k for k, n in received.items() if n > 1][:10]
    assert all(proc.returncode == 0 for proc in workers), [output(w) for w in workers]
    shares = [output(w).split("Worker stopped: ")[-1] for w in workers]
    # Both took part: each fanned out and delivered some of the alerts.
    assert all("delivered" in share for share in shares), shares


def test_a_second_worker_on_sqlite_is_refused_until_the_first_dies(
    tmp_path, run_alerts_cli, start_worker
):
    url = f"sqlite:///{tmp_path / 'one-worker.db'}"
    assert run_alerts_cli(url, "init").exit_code == 0
    lock = tmp_path / "one-worker.db.worker.lock"
    first = start_worker(url)
    wait_until(lambda: lock.exists() and "pid" in lock.read_text(), 30, "the lock")

    refused = run_alerts_cli(url, "worker", "--once")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    after_kill = run_alerts_cli(url, "worker", "--once")

    assert refused.exit_code == 1
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("error: another bascule worker is already running on this SQLite")
    assert f"pid {first.pid}" in line
    assert "SQLite allows one worker" in line
    assert after_kill.exit_code == 0, after_kill.output  # the system freed the lock at once


@pytest.fixture
def run_alerts_cli() -> Callable[..., Any]:
    from typer.testing import CliRunner

    from bascule.cli.main import app

    runner = CliRunner()

    def run(url: str, *args: str) -> Any:
        return runner.invoke(app, ["--database-url", url, *args])

    return run
