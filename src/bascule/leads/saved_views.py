"""Saved views of the lead list (issue 11): a user names the list as it is set up (filters,
sort, columns) and finds it again by that name. Each user's own: another user's view is not
found, whatever its id."""

from __future__ import annotations

from datetime import datetime

from bascule.errors import NotFound, ValidationFailed
from bascule.leads.listing import LeadQuery
from bascule.storage import saved_views as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

MAX_NAME = 120
MAX_VIEWS = 50  # per user: a list of views, not a second database


def _owner(actor: Actor) -> int:
    if actor.user_id is None:
        raise ValidationFailed("only a user has saved views", fields={"name": "no user"})
    return actor.user_id


def _check_name(uow: UnitOfWork, user_id: int, name: str, view_id: int | None = None) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise ValidationFailed("a saved view needs a name", fields={"name": "required"})
    if len(clean) > MAX_NAME:
        raise ValidationFailed(
            "the name is too long", fields={"name": f"at most {MAX_NAME} characters"}
        )
    same = store.named(uow.session, user_id, clean)
    if same is not None and same.id != view_id:
        raise ValidationFailed("you already have a view of that name", fields={"name": "taken"})
    return clean


def get(uow: UnitOfWork, *, actor: Actor, view_id: int) -> t.SavedView:
    view = store.get(uow.session, _owner(actor), view_id)
    if view is None:
        raise NotFound(f"saved view {view_id} not found", fields={"id": "no such view of yours"})
    return view


def create(
    uow: UnitOfWork, *, actor: Actor, name: str, query: LeadQuery, now: datetime
) -> t.SavedView:
    user_id = _owner(actor)
    clean = _check_name(uow, user_id, name)
    if len(store.of_user(uow.session, user_id)) >= MAX_VIEWS:
        raise ValidationFailed(
            "too many saved views", fields={"name": f"at most {MAX_VIEWS} views"}
        )
    view = t.SavedView(
        user_id=user_id, name=clean, filters=query.filters(), sort=query.sort,
        columns=list(query.columns), created_at=now, updated_at=now,
    )  # fmt: skip
    uow.session.add(view)
    uow.session.flush()
    return view


def rename(uow: UnitOfWork, *, actor: Actor, view_id: int, name: str, now: datetime) -> t.SavedView:
    view = get(uow, actor=actor, view_id=view_id)
    view.name = _check_name(uow, view.user_id, name, view_id=view.id)
    view.updated_at = now
    uow.session.flush()
    return view


def delete(uow: UnitOfWork, *, actor: Actor, view_id: int) -> None:
    uow.session.delete(get(uow, actor=actor, view_id=view_id))
    uow.session.flush()
