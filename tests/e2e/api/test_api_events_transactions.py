"""A batch of events is one transaction, and a pending signal is never left behind by a person
identified at the same moment (SQLite: the write lock; PostgreSQL: advisory locks)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bascule.leads import service as leads
from bascule.playbook import service as playbooks
from bascule.signals import service as signals
from bascule.storage import signals as store
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor, Role

EMAIL = "nora@atelier-nora.fr"


def event(email: str = EMAIL, **fields: Any) -> dict[str, Any]:
    occurred = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    return {"type": "page_view", "occurred_at": occurred, "email": email} | fields


def owners(database: Database) -> list[int | None]:
    with database.engine.connect() as conn:
        return list(conn.execute(select(t.Signal.lead_id).order_by(t.Signal.id)).scalars())


def test_a_database_failure_stores_nothing_of_the_batch(api, rows, monkeypatch):
    # Given a batch with attached and pending items, and a database that fails on the second
    # insert (the pending items, after the attached ones were written)
    lead = api.create_lead()
    real = store.insert_signals
    calls: list[int] = []

    def failing(session: Any, batch: Any) -> None:
        calls.append(len(batch))
        if len(calls) == 2:
            raise OperationalError("INSERT INTO signal", {}, Exception("disk I/O error"))
        real(session, batch)

    monkeypatch.setattr(store, "insert_signals", failing)
    items = [event(lead_id=lead["id"], email=None), event(), event("x@inconnu.fr")]
    # When it is sent
    response = api.post("/events", items)
    # Then the client is told to retry, and not one item was kept
    api.error(response, 503, "database_busy")
    assert calls == [1, 2]
    assert rows(t.Signal) == 0


def _sales_actor(users) -> Actor:
    return Actor(user_id=users["sales"].id, role=Role.SALES, name="sales")


@pytest.mark.parametrize("rounds", [3])
def test_a_lead_created_while_a_batch_is_being_stored_gets_its_signals(
    api, users, database, rounds
):
    """Ingest first (uncommitted), then the lead: the lead waits, then attaches."""
    for n in range(rounds):
        email = f"r{n}.{EMAIL}"
        ingested = threading.Event()

        def ingest(email: str = email, ingested: threading.Event = ingested) -> int:
            with database.uow(write=True) as uow:
                result = signals.ingest(uow, items=[event(email)], now=datetime.now(UTC))
                ingested.set()
                time.sleep(0.3)  # the lead is being created meanwhile
                uow.commit()
                return result.pending

        with ThreadPoolExecutor(2) as pool:
            batch = pool.submit(ingest)
            assert ingested.wait(10)
            lead = pool.submit(api.clone().create_lead, email=email, last_name="Nora")
            assert batch.result(timeout=30) == 1
            created = lead.result(timeout=30)
        assert owners(database)[-1] == created["id"]


def test_a_batch_sent_while_the_lead_is_being_created_goes_to_that_lead(api, users, database):
    """The lead first (uncommitted), then the batch: the batch waits, then finds the lead."""
    actor = _sales_actor(users)
    playbook = playbooks.active(database)
    created = threading.Event()
    lead_id: list[int] = []

    def create() -> None:
        with database.uow(write=True) as uow:
            lead, _ = leads.create(
                uow, data={"email": EMAIL, "last_name": "Nora"}, actor=actor,
                playbook=playbook, now=datetime.now(UTC),
            )  # fmt: skip
            lead_id.append(lead.id)
            created.set()
            time.sleep(0.3)  # the batch arrives meanwhile
            uow.commit()

    with ThreadPoolExecutor(2) as pool:
        creating = pool.submit(create)
        assert created.wait(10)
        sent = pool.submit(api.clone().post, "/events", [event(), event()], as_="marketing")
        creating.result(timeout=30)
        result = api.ok(sent.result(timeout=30))
    assert (result["accepted"], result["pending"]) == (2, 0)
    assert owners(database) == lead_id * 2
