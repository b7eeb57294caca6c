"""Fixtures of the integration tests: services called directly on the test database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from reports_history import History, generate, write
from sqlalchemy import Engine, func, select

from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """The emptied test database, with no playbook remembered from an earlier test."""
    database = Database(db_url)
    playbooks.forget(database)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def history(db: Engine) -> History:
    """The reports' generated history (``reports_history``), written to the emptied database."""
    data = generate()
    write(db, data)
    return data


@pytest.fixture
def actor(database: Database) -> Actor:
    """A marketing user, who imports files."""
    with database.uow(write=True) as uow:
        user = users.create_user(uow, email="import@bascule-crm.fr", role="marketing", now=NOW)
        uow.commit()
        return users.actor_for(user)


@pytest.fixture
def count(database: Database) -> Callable[..., int]:
    """``count(model, *where)``: rows of a table matching the conditions, read on a connection
    of its own (what is committed, whatever unit of work a test holds)."""

    def count(model: type[t.Base], *where: object) -> int:
        with database.engine.connect() as conn:
            query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
            return int(conn.execute(query).scalar_one())

    return count
