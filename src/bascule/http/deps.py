"""Typed dependencies shared by the API routers and the web pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from bascule.playbook import service as playbooks
from bascule.playbook.schema import Playbook
from bascule.storage.db import utcnow
from bascule.storage.uow import Database, UnitOfWork
from bascule.users import service as users
from bascule.users import tokens
from bascule.users.model import Actor


def database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


# The dependencies below that touch no database are ``async``: FastAPI runs a plain ``def``
# dependency in a worker thread, and each such hand-over costs about as much as a small query.


async def read_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    # Opening a unit of work does no I/O (the session connects on its first statement).
    uow = database(request).uow()
    try:
        yield uow
    finally:
        await _close(uow)


async def write_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    uow = database(request).uow(write=True)
    try:
        yield uow
    finally:
        await _close(uow)


async def _close(uow: UnitOfWork) -> None:
    # After a commit (or a PostgreSQL read, which runs in autocommit) closing only hands the
    # connection back to the pool, with no round trip; a transaction still open is rolled back
    # in a worker thread, where waiting on the database does not hold up the event loop.
    if uow.session.in_transaction() and not uow.is_sqlite:
        await run_in_threadpool(uow.__exit__, None, None, None)
    else:
        uow.__exit__(None, None, None)


def current_actor(request: Request) -> Actor:
    # Authentication uses its own short read: a write transaction must not start before it.
    now = utcnow()
    db = database(request)
    with db.uow() as uow:
        found = users.authenticated(uow, bearer(request), now=now)
        actor = users.actor_for(found.user)
    if found.stale:
        # The token's last use, written at most once a minute (``users.tokens``).
        with db.uow(write=True) as uow:
            tokens.touch(uow, found.token_id, now)
            uow.commit()
    return actor


async def active_playbook(request: Request) -> Playbook:
    db = database(request)
    max_age = request.app.state.settings.playbook_cache_seconds
    cached = playbooks.cached(db, max_age=max_age)
    if cached is not None:
        return cached
    return await run_in_threadpool(playbooks.active, db, max_age=max_age)


async def clock() -> datetime:
    return utcnow()


ReadUow = Annotated[UnitOfWork, Depends(read_uow)]
WriteUow = Annotated[UnitOfWork, Depends(write_uow)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
PlaybookDep = Annotated[Playbook, Depends(active_playbook)]
Now = Annotated[datetime, Depends(clock)]
PathId = Annotated[int, Path(ge=1, le=2_147_483_647)]
QueryId = Annotated[int, Query(ge=1, le=2_147_483_647)]
