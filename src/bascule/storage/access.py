"""Record access as SQL (``bascule.access``): who is where among users and teams, and the
conditions a list or a report adds to read only what its caller may read.

The conditions carry the caller's owners and queues as literal ids, read first (``people``,
once per transaction) and turned into sets by the pure rules (``access.rules``): the sets that
decide on a single record decide on a list too. Written so, the planner sees which owners a
list reads and an owner index serves the page and the count, where subqueries of the caller's
place (a recursive CTE) left it guessing two thirds of the table and scanning all of it. The
condition comes as disjoint parts (the owned records, the queued ones) so that a count adds
one index-only count per part rather than testing an OR on every row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, select
from sqlalchemy.orm import Session

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


def readable(
    entity: str,
    ids: frozenset[int] | None,
    *,
    queues: frozenset[int] = frozenset(),
    unowned: bool = False,
    model: Any = None,
) -> list[ColumnElement[bool]] | None:
    """The records of ``entity`` owned by one of ``ids``, or nobody's and (a lead) in one of
    ``queues``' queues or (``unowned``) shared, as disjoint conditions whose union is what may
    be read: None for every record (``ids`` None), ``[false()]`` for none. ``model``: an alias
    of the table, if the query names it so."""
    if ids is None:
        return None
    table = model if model is not None else MODELS[entity]
    parts: list[ColumnElement[bool]] = []
    if ids:
        parts.append(table.owner_id.in_(sorted(ids)))
    if entity == "lead" and queues:
        parts.append(and_(table.owner_id.is_(None), table.team_id.in_(sorted(queues))))
    elif entity != "lead" and unowned:
        parts.append(table.owner_id.is_(None))
    return parts or [false()]


def owned_by(column: Any, ids: frozenset[int] | None) -> ColumnElement[bool] | None:
    """Rows whose ``column`` (an owner) is one of ``ids`` (None: every row)."""
    if ids is None:
        return None
    return column.in_(sorted(ids)) if ids else false()
