"""Database handle and unit of work: one transaction per business action."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bascule.storage.db import is_sqlite, make_engine


class Database:
    """An engine plus two session factories: read (plain) and write (locks early on SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self.is_sqlite = is_sqlite(self.engine)
        # Reads on PostgreSQL run in autocommit: under READ COMMITTED a read-only transaction
        # adds no consistency, and BEGIN/ROLLBACK cost two round trips per request.
        # A read unit of work must therefore never write.
        read_engine = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._read = sessionmaker(read_engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(
            self.engine.execution_options(write=True), expire_on_commit=False, autoflush=False
        )

    def uow(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork((self._write if write else self._read)(), self)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """``with db.uow(write=True) as uow: ...; uow.commit()`` - rolls back unless committed."""

    def __init__(self, session: Session, database: Database) -> None:
        self.session = session
        self.database = database

    @property
    def is_sqlite(self) -> bool:
        return self.database.is_sqlite

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()
