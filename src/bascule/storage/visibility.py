"""Visibility as SQL: the users someone manages, and the filter ``users.visibility`` asks for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t


def managed_user_ids(session: Session, manager_id: int) -> list[int]:
    """Active users whose manager they are, or who belong to a team they manage."""
    teams = select(t.Team.id).where(t.Team.manager_id == manager_id)
    return list(
        session.scalars(
            select(t.User.id).where(
                t.User.id != manager_id,
                t.User.is_active.is_(True),
                or_(t.User.manager_id == manager_id, t.User.team_id.in_(teams)),
            )
        )
    )


def owner_clause(
    owner_column: Any, *, everything: bool, owner_ids: frozenset[int], unassigned: bool
) -> ColumnElement[bool] | None:
    """A WHERE clause on ``owner_column`` (None when everything is visible)."""
    if everything:
        return None
    clauses: list[ColumnElement[bool]] = [owner_column.in_(sorted(owner_ids))]
    if unassigned:
        clauses.append(owner_column.is_(None))
    return or_(*clauses)
