"""Query of the requalification report: the hand-backs (history rows of kind
``requalification``) made in a period, with what the report groups by."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bascule.storage import tables as t

KIND = "requalification"


def handbacks(
    session: Session, since: datetime, until: datetime, readable: Any = None
) -> list[Any]:
    """``lead_id``, ``reason``, ``actor_user_id``, ``actor_rule``, ``owner_id`` (the lead's)
    and ``source`` of every requalification from ``since`` (included) to ``until`` (not)."""
    h = t.LeadStatusHistory
    query = (
        select(h.lead_id, h.reason, h.actor_user_id, h.actor_rule, t.Lead.owner_id, t.Lead.source)
        .join(t.Lead, t.Lead.id == h.lead_id)
        .where(h.kind == KIND, h.changed_at >= since, h.changed_at < until)
        .where(*([] if readable is None else [readable]))
        .order_by(h.changed_at, h.id)
    )
    return list(session.execute(query).all())


def user_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = select(t.User.id, t.User.name).where(t.User.id.in_(wanted))
    return {row[0]: row[1] for row in session.execute(query)}
