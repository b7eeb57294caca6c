"""Typed dependencies shared by the API routers and the web pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request

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


def read_uow(request: Request) -> Iterator[UnitOfWork]:
    with database(request).uow() as uow:
        yield uow


def write_uow(request: Request) -> Iterator[UnitOfWork]:
    with database(request).uow(write=True) as uow:
        yield uow


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


def active_playbook(request: Request) -> Playbook:
    db = database(request)
    return playbooks.active(db, max_age=request.app.state.settings.playbook_cache_seconds)


def clock() -> datetime:
    return utcnow()


ReadUow = Annotated[UnitOfWork, Depends(read_uow)]
WriteUow = Annotated[UnitOfWork, Depends(write_uow)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
PlaybookDep = Annotated[Playbook, Depends(active_playbook)]
Now = Annotated[datetime, Depends(clock)]
PathId = Annotated[int, Path(ge=1, le=2_147_483_647)]
QueryId = Annotated[int, Query(ge=1, le=2_147_483_647)]
