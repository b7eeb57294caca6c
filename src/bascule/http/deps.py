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
    with database(request).uow() as uow:
        user = users.authenticate(uow, bearer(request))
        return users.actor_for(user)


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
