"""Record access as SQL (``bascule.access``): who is where among users and teams, and the one
WHERE condition a list or a report adds to read only what its caller may read.

The condition carries the caller's place as subqueries (the people they manage, down the line,
as a recursive CTE; their team's and their people's queues) rather than lists of ids read
first: a list stays one statement (SPEC §15), and the database answers from the same rows the
pure rules (``access.rules.reach``) read for a single record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, any_, false, func, literal, or_, select, union
from sqlalchemy.orm import Session, aliased

from bascule.storage import tables as t

MODELS: dict[str, Any] = {
    "lead": t.Lead,
    "opportunity": t.Opportunity,
    "account": t.Account,
    "contact": t.Contact,
}

People = list[tuple[int, int | None, int | None]]


def people(session: Session) -> tuple[People, dict[int, int | None]]:
    """Every user's ``(id, team_id, manager_id)`` and each team's manager, in one statement
    (a company has hundreds of users, not millions): what ``access.rules.reach`` builds the
    hierarchy from."""
    users = select(t.User.id, t.User.team_id, t.User.manager_id, t.User.id.is_(None))
    teams = select(t.Team.id, t.Team.id, t.Team.manager_id, t.Team.id.is_not(None))
    rows: People = []
    team_managers: dict[int, int | None] = {}
    for key, team, manager, is_team in session.execute(users.union_all(teams)):
        if is_team:
            team_managers[key] = manager
        else:
            rows.append((key, team, manager))
    return rows, team_managers


def managed(user_id: int, name: str = "managed") -> Select[Any]:
    """The ids of the people ``user_id`` manages, directly or as their team's manager, and
    down the line (a recursive CTE called ``name``, unique within a statement; UNION stops at
    a cycle)."""
    user, team = aliased(t.User), aliased(t.Team)
    first = (
        select(user.id.label("id"))
        .outerjoin(team, team.id == user.team_id)
        .where(user.id != user_id, or_(user.manager_id == user_id, team.manager_id == user_id))
        .cte(name, recursive=True)
    )
    below, below_team = aliased(t.User), aliased(t.Team)
    step = (
        select(below.id)
        .outerjoin(below_team, below_team.id == below.team_id)
        .join(first, or_(below.manager_id == first.c.id, below_team.manager_id == first.c.id))
        .where(below.id != user_id)
    )
    tree = first.union(step)
    return select(tree.c.id)


def queues(user_id: int, people: Select[Any] | None) -> Select[Any]:
    """The teams whose queue of leads nobody owns ``user_id`` holds: their own team, the teams
    they manage, and the teams of ``people`` (those they manage, ``managed``), if given."""
    parts: list[Select[Any]] = [
        select(t.User.team_id).where(t.User.id == user_id, t.User.team_id.is_not(None)),
        select(t.Team.id).where(t.Team.manager_id == user_id),
    ]
    if people is not None:
        parts.append(
            select(t.User.team_id).where(t.User.id.in_(people), t.User.team_id.is_not(None))
        )
    return select(union(*parts).subquery().c[0])


def teammates(user_id: int) -> Select[Any]:
    mine = select(t.User.team_id).where(t.User.id == user_id).scalar_subquery()
    return select(t.User.id).where(t.User.team_id == mine)


def among(column: Any, ids: Select[Any], *, postgresql: bool) -> ColumnElement[bool]:
    """``column IN (ids)``. On PostgreSQL written ``= ANY(ARRAY(ids))``: the subquery runs once
    (an InitPlan) and its array is an index condition, so a condition ORing several of them is
    answered from the indexes (BitmapOr) rather than by a filter on every row."""
    found: ColumnElement[bool] = (
        column == any_(func.array(ids.scalar_subquery())) if postgresql else column.in_(ids)
    )
    return found


def owned_within(
    column: Any,
    user_id: int,
    scope: str,
    *,
    people: Select[Any] | None,
    postgresql: bool = False,
) -> ColumnElement[bool]:
    """``column`` (an owner) is the user, one of ``people`` (those they manage, ``managed``),
    or (``team``) a teammate."""
    ids: list[Select[Any]] = [select(literal(user_id))]
    if people is not None:
        ids.append(people)
    if scope == "team":
        ids.append(teammates(user_id))
    if len(ids) == 1:
        mine: ColumnElement[bool] = column == user_id
        return mine
    everyone = select(union(*ids).subquery().c[0])
    return among(column, everyone, postgresql=postgresql)


def condition(
    entity: str,
    scope: str,
    user_id: int | None,
    *,
    hierarchy: bool,
    model: Any = None,
    postgresql: bool = False,
) -> ColumnElement[bool] | None:
    """The records of ``entity`` within ``scope`` (``access.rules``) for ``user_id``: None for
    ``all`` (no condition). ``model``: an alias of the table, if the query names it so."""
    if scope == "all":
        return None
    if scope == "none" or user_id is None:
        return false()
    table = model if model is not None else MODELS[entity]
    # One CTE object however many times the condition names it (SQL names it once).
    people = managed(user_id, f"managed_{entity}") if hierarchy else None
    owned = owned_within(table.owner_id, user_id, scope, people=people, postgresql=postgresql)
    if entity == "lead":
        queue = among(table.team_id, queues(user_id, people), postgresql=postgresql)
        queued = and_(table.owner_id.is_(None), queue)
        return or_(owned, queued)
    if entity in ("account", "contact"):
        return or_(owned, table.owner_id.is_(None))
    return owned


def owned_by(column: Any, ids: frozenset[int] | None) -> ColumnElement[bool] | None:
    """Rows whose ``column`` (an owner) is one of ``ids`` (None: every row)."""
    if ids is None:
        return None
    return column.in_(sorted(ids)) if ids else false()
