"""Database handle and unit of work: one transaction per business action."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import (
    Engine,
    Select,
    Table,
    TextClause,
    bindparam,
    event,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.util import find_tables

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
        event.listen(self._write, "do_orm_execute", _write_appended_first)

    def uow(self, *, write: bool = False) -> UnitOfWork:
        return UnitOfWork((self._write if write else self._read)(), self)

    def dispose(self) -> None:
        self.engine.dispose()


class UnitOfWork:
    """``with db.uow(write=True) as uow: ...; uow.commit()`` - rolls back unless committed."""

    def __init__(self, session: Session, database: Database) -> None:
        self.session = session
        self.database = database
        # Write-only rows (audit, history) waiting to be inserted, in the order given.
        self._appended: list[tuple[Table, dict[str, Any]]] = []
        session.info["uow"] = self

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
        self.session.flush()
        self.write_appended()
        self.session.commit()

    def append(self, model: type[Any], row: dict[str, Any]) -> None:
        """Insert ``row`` into ``model``'s table with this transaction, for a row nothing
        reads back in it (an audit entry, a history row): it waits for the commit, or for the
        next statement of this unit of work, so that every such row of a request goes in one
        statement on PostgreSQL instead of one per table and flush."""
        self._appended.append((model.__table__, row))

    def waiting_tables(self) -> set[str]:
        return {table.name for table, _ in self._appended}

    def write_appended(self) -> None:
        if not self._appended:
            return
        rows, self._appended = self._appended, []
        batches: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}
        for table, row in rows:
            batches.setdefault((table, tuple(row)), []).append(row)
        if len(batches) == 1 or self.is_sqlite:
            for (table, _), batch in batches.items():
                self.session.execute(insert(table), batch)
            return
        # PostgreSQL: one statement, each table's rows in a data-modifying WITH.
        shape = tuple((table, columns, len(batch)) for (table, columns), batch in batches.items())
        params = {
            f"p{n}_{i}_{j}": row[column]
            for n, ((_, columns), batch) in enumerate(batches.items())
            for i, row in enumerate(batch)
            for j, column in enumerate(columns)
        }
        self.session.execute(_appended_statement(shape), params)

    def flush(self) -> None:
        self.session.flush()


Shape = tuple[tuple[Table, tuple[str, ...], int], ...]
# Statements by shape (tables, columns, rows per table): a request writes one of a few shapes.
# Built with bound parameters, not ``insert().values(rows)``: SQLAlchemy does not cache the
# compiled form of a multi-row VALUES, which was compiled again at every request's commit.
_APPENDED: dict[Shape, Select[Any]] = {}
_APPENDED_MAX = 256


def _appended_statement(shape: Shape) -> Select[Any]:
    found = _APPENDED.get(shape)
    if found is not None:
        return found
    statement = select(literal(1))
    for n, (table, columns, count) in enumerate(shape):
        rows = [
            [bindparam(f"p{n}_{i}_{j}", type_=table.c[c].type) for j, c in enumerate(columns)]
            for i in range(count)
        ]
        if count == 1:
            written = insert(table).values(dict(zip(columns, rows[0], strict=True)))
        else:
            # In the order given (one SELECT after the other), as a VALUES list would.
            chosen = union_all(*(select(*row) for row in rows)).subquery()
            written = insert(table).from_select(list(columns), select(chosen))
        statement = statement.add_cte(written.cte(f"appended_{n}"))
    if len(_APPENDED) < _APPENDED_MAX:
        _APPENDED[shape] = statement
    return statement


def _write_appended_first(state: ORMExecuteState) -> None:
    # A statement that reads a table with appended rows waiting sees them, as if written then;
    # any other (a lock, a look-up) leaves them waiting for the commit's single statement.
    uow = state.session.info.get("uow")
    if isinstance(uow, UnitOfWork) and uow.waiting_tables():
        statement = state.statement
        waiting = uow.waiting_tables()
        if isinstance(statement, TextClause):
            reads = any(name in statement.text for name in waiting)
        elif isinstance(statement, ClauseElement):
            reads = bool(waiting & {t.name for t in find_tables(statement, include_crud=True)})
        else:
            reads = True
        if reads:
            uow.write_appended()
