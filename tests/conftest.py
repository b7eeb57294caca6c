"""Database fixtures shared by every test that needs storage.

``engine`` is parametrized over SQLite and PostgreSQL, so one pytest run exercises both. Each
session gets its own throw-away database (a SQLite file in a tmp dir, or a PostgreSQL database
named ``bascule_test_<hex>`` that is dropped at the end), so concurrent runs never share data.

``BASCULE_TEST_DATABASES`` (comma list, default ``sqlite,postgresql``) restricts the databases;
``BASCULE_TEST_PG_ADMIN_URL`` overrides the PostgreSQL server used to create them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bascule.storage.db import is_sqlite, make_engine
from bascule.storage.migrate import upgrade
from bascule.storage.tables import Base

# Timing varies on a loaded 2-core machine: property tests judge results, never speed.
settings.register_profile("bascule", deadline=None)
settings.load_profile("bascule")

DATABASES = ("sqlite", "postgresql")
PG_ADMIN_URL = os.environ.get(
    "BASCULE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _requested_databases() -> list[str]:
    raw = os.environ.get("BASCULE_TEST_DATABASES", ",".join(DATABASES))
    return [name.strip().lower() for name in raw.split(",") if name.strip()]


def pytest_configure(config: pytest.Config) -> None:
    unknown = sorted(set(_requested_databases()) - set(DATABASES))
    if unknown:
        raise pytest.UsageError(
            f"BASCULE_TEST_DATABASES: unknown database(s) {unknown}; choose from {DATABASES}"
        )


SELECTED_DATABASES = [name for name in DATABASES if name in _requested_databases()]


def _sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'bascule.db'}"


def _admin_engine() -> Engine:
    return make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)


def _create_pg_database() -> str:
    name = f"bascule_test_{secrets.token_hex(6)}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.fail(
            f"PostgreSQL does not answer at {PG_ADMIN_URL} ({exc.orig}); start it "
            "(make postgres) or run with BASCULE_TEST_DATABASES=sqlite",
            pytrace=False,
        )
    finally:
        admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=SELECTED_DATABASES, ids=SELECTED_DATABASES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated engine on a database of its own, for the whole session."""
    is_pg = request.param == "postgresql"
    url = _create_pg_database() if is_pg else _sqlite_url(tmp_path_factory)
    try:
        eng = make_engine(url)
        try:
            upgrade(eng)
            yield eng
        finally:
            eng.dispose()
    finally:
        if is_pg:
            _drop_pg_database(url)


def _delete_all_rows(eng: Engine) -> None:
    tables = Base.metadata.sorted_tables
    with eng.connect().execution_options(write=True) as conn:
        if is_sqlite(eng):
            for table in reversed(tables):
                conn.execute(table.delete())
        else:
            quote = eng.dialect.identifier_preparer.quote
            names = ", ".join(quote(table.name) for table in tables)
            conn.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
        conn.commit()


@pytest.fixture
def db(engine: Engine) -> Engine:
    """The session's engine, every table emptied first (identities restart at 1)."""
    _delete_all_rows(engine)
    return engine


@pytest.fixture
def db_url(db: Engine) -> str:
    """URL of the emptied test database, for code that builds its own engine (CLI, app)."""
    return db.url.render_as_string(hide_password=False)
