"""The work queue's reads: one query per section, each bounded (``limit``), each filtered by
owner through the conditions of ``access.service`` built by the caller."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t

OPEN_LEAD = t.Lead.status.not_in(("converted", "disqualified"))


def _where(*clauses: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [c for c in clauses if c is not None]


def leads_by_deadline(
    session: Session, owner: ColumnElement[bool] | None, limit: int
) -> list[t.Lead]:
    """Open leads still waiting for a first response, the earliest deadline first (so the
    breached ones, then those due soonest)."""
    query = (
        select(t.Lead)
        .where(
            *_where(owner),
            OPEN_LEAD,
            t.Lead.first_response_due_at.is_not(None),
            t.Lead.first_response_at.is_(None),
        )
        .order_by(t.Lead.first_response_due_at, t.Lead.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def leads_to_convert(
    session: Session, owner: ColumnElement[bool] | None, limit: int
) -> list[t.Lead]:
    """Ready-to-convert open leads, overdue conversions first, then by conversion deadline."""
    query = (
        select(t.Lead)
        .where(*_where(owner), OPEN_LEAD, t.Lead.ready_to_convert.is_(True))
        .order_by(
            t.Lead.conversion_overdue.desc(),
            t.Lead.conversion_due_at.is_(None),
            t.Lead.conversion_due_at,
            t.Lead.id,
        )
        .limit(limit)
    )
    return list(session.scalars(query))


def unassigned_leads(
    session: Session, readable: ColumnElement[bool] | None, limit: int
) -> list[t.Lead]:
    """Open leads nobody owns, oldest first, among those ``readable`` (their teams' queues)."""
    query = (
        select(t.Lead)
        .where(OPEN_LEAD, t.Lead.owner_id.is_(None), *_where(readable))
        .order_by(t.Lead.created_at, t.Lead.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def opportunities_closing(
    session: Session, owner: ColumnElement[bool] | None, first: date, last: date, limit: int
) -> list[t.Opportunity]:
    query = (
        select(t.Opportunity)
        .where(
            *_where(owner),
            t.Opportunity.is_closed.is_(False),
            t.Opportunity.expected_close_date.between(first, last),
        )
        .order_by(t.Opportunity.expected_close_date, t.Opportunity.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def upsell_suggestions(
    session: Session, owner: ColumnElement[bool] | None, limit: int
) -> list[tuple[t.UpsellSuggestion, str]]:
    """Open suggestions on the accounts of these owners, newest first, with the account name."""
    query = (
        select(t.UpsellSuggestion, t.Account.name)
        .join(t.Account, t.Account.id == t.UpsellSuggestion.account_id)
        .where(*_where(owner), t.UpsellSuggestion.status == "open")
        .order_by(t.UpsellSuggestion.created_at.desc(), t.UpsellSuggestion.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def user_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(t.User.id, t.User.name).where(t.User.id.in_(sorted(ids))))
    return {row[0]: row[1] for row in rows}


def column(name: str) -> Any:
    """The owner column a section filters on (lead, opportunity or account owner)."""
    return {
        "lead": t.Lead.owner_id,
        "opportunity": t.Opportunity.owner_id,
        "account": t.Account.owner_id,
    }[name]
