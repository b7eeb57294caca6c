"""Queries of the mandatory-conversion tick (``sla.followup``): the leads past their conversion
deadline, read through the partial index ``ix_lead_conversion_due`` (only leads with a running
clock are in it, so a tick over a million leads reads the few that are due), and the flag.

The index's conditions are repeated word for word (``NOT lead.conversion_overdue``, rendered
``conversion_overdue = 0`` on SQLite): both planners use a partial index only when the query
implies its WHERE clause, and SQLite only when the terms match literally.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, exists, not_, select, update
from sqlalchemy.orm import Session, aliased

from bascule.storage import tables as t

_lead = cast(Table, t.Lead.__table__)


def _due(now: datetime) -> tuple[Any, ...]:
    return (_lead.c.conversion_due_at <= now, not_(_lead.c.conversion_overdue))


def any_due(session: Session, now: datetime) -> bool:
    """A read that takes no write lock: is there anything to flag?"""
    return bool(session.execute(select(exists().where(*_due(now)))).scalar())


def due_leads(session: Session, *, now: datetime, limit: int) -> list[Any]:
    """Up to ``limit`` leads due and not flagged, earliest deadline first, with whom to alert:
    ``id``, ``status``, ``owner_id``, ``ready_since``, ``conversion_due_at``, ``manager_id`` (the
    owner's)
    and ``team_manager_id`` (the manager of the owner's team). On PostgreSQL the lead rows are
    locked, skipping those a request holds (a conversion under way): the next tick sees them."""
    owner = aliased(t.User)
    team = aliased(t.Team)
    query = (
        select(
            _lead.c.id,
            _lead.c.status,
            _lead.c.owner_id,
            _lead.c.ready_since,
            _lead.c.conversion_due_at,
            owner.manager_id.label("manager_id"),
            team.manager_id.label("team_manager_id"),
        )
        .select_from(_lead)
        .outerjoin(owner, owner.id == _lead.c.owner_id)
        .outerjoin(team, team.id == owner.team_id)
        .where(*_due(now))
        .order_by(_lead.c.conversion_due_at, _lead.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=_lead, key_share=True, skip_locked=True)
    return list(session.execute(query).all())


def flag(session: Session, lead_ids: list[int], now: datetime) -> None:
    """Mark these leads overdue (one statement); ``updated_at`` is left alone: nobody edited
    them."""
    if lead_ids:
        session.execute(
            update(_lead)
            .where(_lead.c.id.in_(lead_ids))
            .values(conversion_overdue=True, conversion_overdue_at=now)
        )
