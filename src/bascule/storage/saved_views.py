"""Saved views of the lead list: a user's own rows, never another's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bascule.storage import tables as t


def of_user(session: Session, user_id: int) -> list[t.SavedView]:
    query = select(t.SavedView).where(t.SavedView.user_id == user_id).order_by(t.SavedView.name)
    return list(session.scalars(query))


def get(session: Session, user_id: int, view_id: int) -> t.SavedView | None:
    query = select(t.SavedView).where(t.SavedView.id == view_id, t.SavedView.user_id == user_id)
    return session.execute(query).scalar_one_or_none()


def named(session: Session, user_id: int, name: str) -> t.SavedView | None:
    query = select(t.SavedView).where(t.SavedView.user_id == user_id, t.SavedView.name == name)
    return session.execute(query).scalar_one_or_none()
