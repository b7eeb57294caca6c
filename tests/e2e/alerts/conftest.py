"""Real parts for the alert tests (see ``alerting.py``): an SMTP server, webhook receivers, a
playbook with webhooks, pending alerts, a worker, the CLI. Built on ``tests/e2e/conftest.py``
(``database``, ``users``, ``api``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from alerting import Mailbox, Receiver, SmtpServer, free_port, now, playbook_text
from sqlalchemy import select, update
from typer.testing import CliRunner

from bascule.alerts import outbox
from bascule.cli.main import app as cli_app
from bascule.config import Settings
from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.worker import Worker


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """``receiver("ok" | "fail" | "hang" | "close")``: a webhook endpoint on loopback."""
    made: list[Receiver] = []

    def make(mode: str = "ok") -> Receiver:
        made.append(Receiver(mode).start())
        return made[-1]

    yield make
    for r in made:
        r.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping what it receives."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(mailbox, port)
    finally:
        controller.stop()


@pytest.fixture
def use_playbook(database: Database) -> Callable[..., None]:
    """``use_playbook([hook("crm", r)], max_attempts=3)``: make it the active playbook."""

    def apply(webhooks: list[dict[str, Any]] | None = None, **alerts: Any) -> None:
        with database.uow(write=True) as uow:
            playbooks.apply(uow, text=playbook_text(webhooks, **alerts), by=None, now=now())
            uow.commit()
        playbooks.forget(database)

    return apply


@pytest.fixture
def enqueue(database: Database) -> Callable[..., list[int]]:
    """``enqueue(user_id, n=1, kind="mql_reached", key="alert")``: pending alerts, one commit;
    their ids."""

    def add(
        recipient: int | None,
        n: int = 1,
        *,
        kind: str = "mql_reached",
        key: str = "alert",
        payload: dict[str, Any] | None = None,
    ) -> list[int]:
        keys = [f"{key}:{i}" for i in range(n)]
        with database.uow(write=True) as uow:
            for i, idempotency_key in enumerate(keys):
                outbox.enqueue(
                    uow, kind=kind, recipient_user_id=recipient,
                    payload=payload or {"lead_id": i + 1, "score": 55},
                    idempotency_key=idempotency_key, now=now(),
                )  # fmt: skip
            uow.commit()
        with database.uow() as uow:
            rows = uow.session.execute(
                select(t.Outbox.id).where(t.Outbox.idempotency_key.in_(keys))
            )
            return sorted(r[0] for r in rows)

    return add


@pytest.fixture
def make_worker(database: Database) -> Callable[..., Worker]:
    """``make_worker(smtp_url, concurrency=..., ...)``: a worker on the test database that
    reads the playbook at every turn and looks for work every 20 ms."""

    def make(smtp_url: str | None = None, **options: Any) -> Worker:
        settings = Settings(database_url=database.url, smtp_url=smtp_url, playbook_cache_seconds=0)
        options.setdefault("poll_seconds", 0.02)
        options.setdefault("ticks", [])
        return Worker(database, settings, **options)

    return make


@pytest.fixture
def deliveries(database: Database) -> Callable[..., list[t.AlertDelivery]]:
    """``deliveries()``: the alert_delivery rows, oldest first."""

    def rows() -> list[t.AlertDelivery]:
        with database.uow() as uow:
            statement = select(t.AlertDelivery).order_by(t.AlertDelivery.id)
            found = list(uow.session.execute(statement).scalars())
            uow.session.expunge_all()  # readable after the session closes
            return found

    return rows


@pytest.fixture
def attempt_log(database: Database) -> Callable[[int], list[t.AlertDeliveryAttempt]]:
    """``attempt_log(delivery_id)``: its lines in the delivery log, oldest first."""

    def rows(delivery_id: int) -> list[t.AlertDeliveryAttempt]:
        with database.uow() as uow:
            statement = (
                select(t.AlertDeliveryAttempt)
                .where(t.AlertDeliveryAttempt.delivery_id == delivery_id)
                .order_by(t.AlertDeliveryAttempt.id)
            )
            found = list(uow.session.execute(statement).scalars())
            uow.session.expunge_all()
            return found

    return rows


@pytest.fixture
def bascule_cli(database: Database) -> Callable[..., Any]:
    """``bascule_cli("alerts", "replay", "3")``: the CLI in-process on the test database."""
    runner = CliRunner()

    def run(*args: str) -> Any:
        wide = {"COLUMNS": "200"}  # Rich tables on one line each
        return runner.invoke(cli_app, ["--database-url", database.url, *args], env=wide)

    return run


@pytest.fixture
def make_due(database: Database) -> Callable[[], None]:
    """``make_due()``: every pending delivery due now (instead of waiting for its backoff)."""

    def due() -> None:
        with database.uow(write=True) as uow:
            uow.session.execute(
                update(t.AlertDelivery)
                .where(t.AlertDelivery.status == "pending")
                .values(next_attempt_at=now())
            )
            uow.commit()

    return due
