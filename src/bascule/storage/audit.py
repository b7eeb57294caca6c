"""Reading the audit log (``audit.reading``): a page of rows, newest first, with the name of
who acted, filtered by record, actor and period, and by what the reader may read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t
from bascule.storage.access import MODELS


def readable(conditions: dict[str, ColumnElement[bool] | None]) -> ColumnElement[bool]:
    """Rows about a record the reader may read: for each kind of record, its condition (None:
    every record of that kind); other kinds of rows (users, tokens, playbook) are left out."""
    parts: list[ColumnElement[bool]] = []
    for entity, condition in conditions.items():
        model = MODELS[entity]
        ids = select(model.id) if condition is None else select(model.id).where(condition)
        parts.append(and_(t.AuditLog.entity == entity, t.AuditLog.entity_id.in_(ids)))
    return or_(*parts) if parts else false()


def page(
    session: Session,
    *,
    entity: str | None,
    entity_id: int | None,
    actor_id: int | None,
    since: datetime | None,
    until: datetime | None,
    allowed: ColumnElement[bool] | None,
    page: int,
    page_size: int,
) -> tuple[list[Any], int]:
    """``(rows, total)``: each row an ``AuditLog`` and its actor's name (None for a rule)."""
    where: list[Any] = [] if allowed is None else [allowed]
    if entity is not None:
        where.append(t.AuditLog.entity == entity)
    if entity_id is not None:
        where.append(t.AuditLog.entity_id == entity_id)
    if actor_id is not None:
        where.append(t.AuditLog.actor_user_id == actor_id)
    if since is not None:
        where.append(t.AuditLog.at >= since)
    if until is not None:
        where.append(t.AuditLog.at < until)
    total = select(func.count()).select_from(t.AuditLog).where(*where).scalar_subquery()
    query = (
        select(t.AuditLog, t.User.name, total.label("total"))
        .outerjoin(t.User, t.User.id == t.AuditLog.actor_user_id)
        .where(*where)
        .order_by(t.AuditLog.at.desc(), t.AuditLog.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = session.execute(query).all()
    if rows:
        return [(row[0], row[1]) for row in rows], int(rows[0][2])
    count: int = session.scalar(select(func.count()).select_from(t.AuditLog).where(*where)) or 0
    return [], count
