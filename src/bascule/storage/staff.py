"""Users and teams as the admin pages list them: each user with their team's and manager's
names, each team with its manager and head count, the manager chain (to refuse a loop), and
what a user still owns (for the deactivation preview)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bascule.storage import tables as t


@dataclass(frozen=True)
class UserRow:
    user: t.User
    team: str | None
    manager: str | None


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    manager_id: int | None
    manager: str | None
    members: int


def users(session: Session, user_id: int | None = None) -> list[UserRow]:
    """Every user (or one), active first, by name, with their team's and manager's names."""
    manager = aliased(t.User)
    query = (
        select(t.User, t.Team.name, manager.name)
        .outerjoin(t.Team, t.Team.id == t.User.team_id)
        .outerjoin(manager, manager.id == t.User.manager_id)
        .order_by(t.User.is_active.desc(), t.User.name, t.User.id)
    )
    if user_id is not None:
        query = query.where(t.User.id == user_id)
    return [UserRow(user, team, boss) for user, team, boss in session.execute(query)]


def teams(session: Session) -> list[TeamRow]:
    """Every team by name, with its manager's name and how many users it holds."""
    heads = (
        select(t.User.team_id, func.count().label("n"))
        .where(t.User.team_id.is_not(None))
        .group_by(t.User.team_id)
        .subquery()
    )
    rows = session.execute(
        select(t.Team, t.User.name, heads.c.n)
        .outerjoin(t.User, t.User.id == t.Team.manager_id)
        .outerjoin(heads, heads.c.team_id == t.Team.id)
        .order_by(t.Team.name)
    )
    return [
        TeamRow(team.id, team.name, team.manager_id, boss, int(n or 0)) for team, boss, n in rows
    ]


def managers_of(session: Session) -> dict[int, int | None]:
    """User id -> their manager's id, for everyone (small: one row per user)."""
    return {uid: boss for uid, boss in session.execute(select(t.User.id, t.User.manager_id))}


def open_opportunities_of(session: Session, user_id: int) -> list[tuple[int, str]]:
    """(id, name) of the open opportunities a user owns, in id order."""
    rows = session.execute(
        select(t.Opportunity.id, t.Opportunity.name)
        .where(t.Opportunity.owner_id == user_id, t.Opportunity.is_closed.is_(False))
        .order_by(t.Opportunity.id)
    )
    return [(oid, name) for oid, name in rows]
