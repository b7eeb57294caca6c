"""Record access as SQL (``bascule.access``): who is where among users and teams, and the one
WHERE condition a list or a report adds to read only what its caller may read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t

MODELS: dict[str, Any] = {
    "lead": t.Lead,
    "opportunity": t.Opportunity,
    "account": t.Account,
    "contact": t.Contact,
}


def people(
    session: Session,
) -> tuple[list[tuple[int, int | None, int | None]], dict[int, int | None]]:
    """Every active user's ``(id, team_id, manager_id)`` and each team's manager: two small
    reads (a company has hundreds of users, not millions) from which the hierarchy is built."""
    users = [
        (uid, team, manager)
        for uid, team, manager in session.execute(
            select(t.User.id, t.User.team_id, t.User.manager_id).where(t.User.is_active.is_(True))
        )
    ]
    teams = {tid: manager for tid, manager in session.execute(select(t.Team.id, t.Team.manager_id))}
    return users, teams


def condition(
    entity: str,
    *,
    ids: frozenset[int] | None,
    queues: frozenset[int],
    unowned: bool,
    model: Any = None,
) -> ColumnElement[bool] | None:
    """The records of ``entity`` owned by ``ids`` (None: every record, no condition), the
    leads nobody owns in ``queues``, the records nobody owns when ``unowned``. ``model``: an
    alias of the table, if the query names it otherwise."""
    if ids is None:
        return None
    table = model if model is not None else MODELS[entity]
    parts: list[ColumnElement[bool]] = []
    if ids:
        parts.append(table.owner_id.in_(sorted(ids)))
    if unowned:
        parts.append(table.owner_id.is_(None))
    elif queues and entity == "lead":
        parts.append(and_(table.owner_id.is_(None), table.team_id.in_(sorted(queues))))
    if not parts:
        return false()
    return parts[0] if len(parts) == 1 else or_(*parts)


def owned_by(column: Any, ids: frozenset[int] | None) -> ColumnElement[bool] | None:
    """Rows whose ``column`` (an owner) is one of ``ids`` (None: every row)."""
    if ids is None:
        return None
    return column.in_(sorted(ids)) if ids else false()
