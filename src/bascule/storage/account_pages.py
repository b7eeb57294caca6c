"""The reads behind the account and contact pages: one bounded statement per part of a page
(contacts, opportunities, leads, suggestions, signals, names), never one per row. Owner
filters come from the caller (``bascule.access`` conditions), as for the work queue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t


def _where(*clauses: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [c for c in clauses if c is not None]


def contacts_of(session: Session, account_id: int, limit: int) -> list[t.Contact]:
    query = (
        select(t.Contact)
        .where(t.Contact.account_id == account_id)
        .order_by(t.Contact.last_name, t.Contact.first_name, t.Contact.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def opportunities_of(
    session: Session,
    *,
    account_id: int | None = None,
    contact_id: int | None = None,
    owner: ColumnElement[bool] | None,
    limit: int,
) -> list[t.Opportunity]:
    """An account's opportunities (or those a contact takes part in), open ones first, then
    the most recently closed, each group by expected close date."""
    query = select(t.Opportunity).where(*_where(owner))
    if account_id is not None:
        query = query.where(t.Opportunity.account_id == account_id)
    if contact_id is not None:
        linked = select(t.OpportunityContact.opportunity_id).where(
            t.OpportunityContact.contact_id == contact_id
        )
        query = query.where(t.Opportunity.id.in_(linked))
    query = query.order_by(
        t.Opportunity.is_closed,
        t.Opportunity.closed_at.desc(),
        t.Opportunity.expected_close_date,
        t.Opportunity.id,
    ).limit(limit)
    return list(session.scalars(query))


def leads_of(
    session: Session,
    *,
    account_id: int | None = None,
    contact_id: int | None = None,
    owner: ColumnElement[bool] | None,
    limit: int,
) -> list[t.Lead]:
    """The leads converted into this account (or this contact), the latest first."""
    query = select(t.Lead).where(*_where(owner))
    if account_id is not None:
        query = query.where(t.Lead.account_id == account_id)
    if contact_id is not None:
        query = query.where(t.Lead.contact_id == contact_id)
    query = query.order_by(t.Lead.created_at.desc(), t.Lead.id.desc()).limit(limit)
    return list(session.scalars(query))


def upsell_of(session: Session, account_id: int, limit: int) -> list[t.UpsellSuggestion]:
    query = (
        select(t.UpsellSuggestion)
        .where(t.UpsellSuggestion.account_id == account_id)
        .order_by(t.UpsellSuggestion.status != "open", t.UpsellSuggestion.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def signals_of(
    session: Session, *, account_id: int | None = None, contact_id: int | None = None, limit: int
) -> list[t.Signal]:
    """The latest signals of an account (any of its people) or of one contact."""
    query = select(t.Signal)
    if account_id is not None:
        query = query.where(t.Signal.account_id == account_id)
    if contact_id is not None:
        query = query.where(t.Signal.contact_id == contact_id)
    query = query.order_by(t.Signal.occurred_at.desc(), t.Signal.id.desc()).limit(limit)
    return list(session.scalars(query))


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(select(t.User.id, t.User.name).where(t.User.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def account_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.execute(select(t.Account.id, t.Account.name).where(t.Account.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def open_opportunity_counts(
    session: Session, account_ids: Iterable[int], owner: ColumnElement[bool] | None
) -> dict[int, tuple[int, Any]]:
    """{account id: (open opportunities, their total amount)} for one page of accounts."""
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    query = (
        select(t.Opportunity.account_id, func.count(), func.sum(t.Opportunity.amount))
        .where(
            *_where(owner),
            t.Opportunity.account_id.in_(wanted),
            t.Opportunity.is_closed.is_(False),
        )
        .group_by(t.Opportunity.account_id)
    )
    return {row[0]: (int(row[1]), row[2]) for row in session.execute(query)}
