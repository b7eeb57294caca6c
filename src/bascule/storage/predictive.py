"""Queries of the predictive score: what the model learns from, stored models, probabilities.

Reads come back as plain rows (dicts); the scoring service builds its facts from them. Like
the repositories, these read and add; they never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, defer

from bascule.leads.vocabulary import CLOSED_LEAD_STATUSES, OPEN_LEAD_STATUSES
from bascule.storage import tables as t

LEAD_COLUMNS = (
    "id",
    "status",
    "created_at",
    "source",
    "campaign",
    "kind",
    "sector",
    "country",
    "technology",
    "temperature",
    "employees",
    "job_title",
    "disqualification_reason",
    "attributes",
)


def leads(session: Session, *, open_only: bool = False) -> list[dict[str, Any]]:
    """Every lead (or every open lead) with the fields the model reads, by id."""
    query = select(*(getattr(t.Lead, c) for c in LEAD_COLUMNS)).order_by(t.Lead.id)
    if open_only:
        query = query.where(t.Lead.status.in_(OPEN_LEAD_STATUSES))
    return [dict(row._mapping) for row in session.execute(query)]


def tags_by_lead(session: Session) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    query = select(t.LeadTag.lead_id, t.Tag.name).join(t.Tag, t.Tag.id == t.LeadTag.tag_id)
    for lead_id, name in session.execute(query):
        tags[lead_id].append(name)
    return tags


def signal_counts(session: Session) -> dict[int, dict[str, int]]:
    """{lead id: {signal type: count}}. For a converted or disqualified lead only the signals
    received until it was closed count: what came after cannot explain the outcome."""
    closed = (
        select(
            t.LeadStatusHistory.lead_id,
            func.max(t.LeadStatusHistory.changed_at).label("closed_at"),
        )
        .where(t.LeadStatusHistory.to_status.in_(CLOSED_LEAD_STATUSES))
        .group_by(t.LeadStatusHistory.lead_id)
        .subquery()
    )
    query = (
        select(t.Lead.id, t.Signal.type, func.count())
        .join(t.Lead, t.Lead.id == t.Signal.lead_id)
        .outerjoin(closed, closed.c.lead_id == t.Lead.id)
        .where(
            or_(
                t.Lead.status.in_(OPEN_LEAD_STATUSES),
                closed.c.closed_at.is_(None),
                t.Signal.occurred_at <= closed.c.closed_at,
            )
        )
        .group_by(t.Lead.id, t.Signal.type)
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for lead_id, kind, count in session.execute(query):
        counts[lead_id][kind] = int(count)
    return counts


def next_model_version(session: Session) -> int:
    return (session.scalar(select(func.max(t.PredictiveModel.version))) or 0) + 1


def latest_model(session: Session, *, with_model: bool = True) -> t.PredictiveModel | None:
    query = select(t.PredictiveModel).order_by(t.PredictiveModel.version.desc()).limit(1)
    if not with_model:
        query = query.options(defer(t.PredictiveModel.model))
    return session.scalars(query).first()


def write_predictions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """[{id, conversion_probability, conversion_reasons, conversion_model_version}]: one
    executemany; ``updated_at`` is left alone (a score is not an edit of the lead)."""
    if rows:
        session.execute(update(t.Lead), list(rows))
