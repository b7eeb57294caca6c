"""The reads behind the opportunity pages (board, list, opportunity page, conversion wizard):
each one statement, each with the names people read (account, owner, contact, user) joined in,
so a page costs a handful of queries whatever the number of rows it shows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from bascule.storage import tables as t

Where = Sequence[ColumnElement[bool]]


@dataclass(frozen=True)
class OpportunityRow:
    """An opportunity with the names a page shows beside it."""

    opportunity: t.Opportunity
    account_name: str
    owner_name: str | None


@dataclass(frozen=True)
class StageTotals:
    stage: str
    count: int
    amount: Decimal
    # Sum of amount × probability (percent points): the page divides by 100 once.
    amount_points: Decimal


def _named() -> Any:
    return (
        select(t.Opportunity, t.Account.name, t.User.name)
        .join(t.Account, t.Account.id == t.Opportunity.account_id)
        .outerjoin(t.User, t.User.id == t.Opportunity.owner_id)
    )


def _rows(result: Iterable[Any]) -> list[OpportunityRow]:
    return [OpportunityRow(row[0], row[1], row[2]) for row in result]


def totals_by_stage(session: Session, where: Where) -> list[StageTotals]:
    """Count, amount and probability-weighted amount per stage of the opportunities kept."""
    query = (
        select(
            t.Opportunity.stage,
            func.count(),
            func.coalesce(func.sum(t.Opportunity.amount), 0),
            func.coalesce(func.sum(t.Opportunity.amount * t.Opportunity.probability), 0),
        )
        .where(*where)
        .group_by(t.Opportunity.stage)
    )
    return [
        StageTotals(stage, int(count), Decimal(str(amount)), Decimal(str(points)))
        for stage, count, amount, points in session.execute(query)
    ]


def cards_by_stage(session: Session, where: Where, per_stage: int) -> list[OpportunityRow]:
    """The first ``per_stage`` opportunities of each stage, soonest expected close first
    (a window function: one statement for every column of the board)."""
    rank = (
        func.row_number()
        .over(
            partition_by=t.Opportunity.stage,
            order_by=(t.Opportunity.expected_close_date, t.Opportunity.id),
        )
        .label("rank")
    )
    ranked = select(t.Opportunity.id.label("id"), rank).where(*where).subquery()
    query = (
        _named()
        .join(ranked, ranked.c.id == t.Opportunity.id)
        .where(ranked.c.rank <= per_stage)
        .order_by(t.Opportunity.expected_close_date, t.Opportunity.id)
    )
    return _rows(session.execute(query))


def page_of(
    session: Session, where: Where, order: Sequence[Any], page: int, page_size: int
) -> tuple[list[OpportunityRow], int]:
    """One page of opportunities and the total, in one statement (the total as a column)."""
    total = select(func.count()).select_from(t.Opportunity).where(*where).scalar_subquery()
    query = (
        _named()
        .add_columns(total.label("total"))
        .where(*where)
        .order_by(*order, t.Opportunity.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    rows = session.execute(query).all()
    if rows:
        return _rows(rows), int(rows[0][3])
    return [], int(session.execute(select(total)).scalar_one())


def sort_column(name: str) -> Any:
    """The column a list sorts on, by the name its URL uses."""
    return {
        "name": t.Opportunity.name_key,
        "account": t.Account.name,
        "owner": t.User.name,
        "stage": t.Opportunity.probability,
        "amount": t.Opportunity.amount,
        "expected_close_date": t.Opportunity.expected_close_date,
    }[name]


SORTS = ("name", "account", "owner", "stage", "amount", "expected_close_date")


def one(session: Session, opportunity_id: int) -> OpportunityRow | None:
    row = session.execute(_named().where(t.Opportunity.id == opportunity_id)).first()
    return OpportunityRow(row[0], row[1], row[2]) if row else None


@dataclass(frozen=True)
class ContactRow:
    contact: t.Contact
    role: str
    is_primary: bool


def contacts(session: Session, opportunity_id: int) -> list[ContactRow]:
    query = (
        select(t.Contact, t.OpportunityContact.role, t.OpportunityContact.is_primary)
        .join(t.OpportunityContact, t.OpportunityContact.contact_id == t.Contact.id)
        .where(t.OpportunityContact.opportunity_id == opportunity_id)
        .order_by(t.OpportunityContact.is_primary.desc(), t.Contact.last_name, t.Contact.id)
    )
    return [ContactRow(row[0], row[1], bool(row[2])) for row in session.execute(query)]


def stage_history(
    session: Session, opportunity_id: int
) -> list[tuple[t.OpportunityStageHistory, str | None]]:
    query = (
        select(t.OpportunityStageHistory, t.User.name)
        .outerjoin(t.User, t.User.id == t.OpportunityStageHistory.actor_user_id)
        .where(t.OpportunityStageHistory.opportunity_id == opportunity_id)
        .order_by(t.OpportunityStageHistory.changed_at, t.OpportunityStageHistory.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def activities(
    session: Session, opportunity_id: int, lead_id: int | None, limit: int = 50
) -> list[tuple[t.Activity, str | None]]:
    """The opportunity's activities and those of the lead it came from, newest first."""
    owner = aliased(t.User)
    where = t.Activity.opportunity_id == opportunity_id
    if lead_id is not None:
        where = where | (t.Activity.lead_id == lead_id)
    query = (
        select(t.Activity, owner.name)
        .outerjoin(owner, owner.id == t.Activity.user_id)
        .where(where)
        .order_by(t.Activity.occurred_at.desc(), t.Activity.id.desc())
        .limit(limit)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def owners(session: Session, ids: frozenset[int] | None) -> list[tuple[int, str]]:
    """Active users a filter may name: everyone, or only these ids."""
    query = select(t.User.id, t.User.name).where(t.User.is_active.is_(True))
    if ids is not None:
        query = query.where(t.User.id.in_(sorted(ids)))
    return [(row[0], row[1]) for row in session.execute(query.order_by(t.User.name, t.User.id))]


def open_on_accounts(session: Session, account_ids: Iterable[int]) -> list[OpportunityRow]:
    """Open opportunities of these accounts (what a conversion may attach a lead to)."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    query = (
        _named()
        .where(t.Opportunity.account_id.in_(ids), t.Opportunity.is_closed.is_(False))
        .order_by(t.Opportunity.expected_close_date, t.Opportunity.id)
        .limit(50)
    )
    return _rows(session.execute(query))


def accounts_by_id(session: Session, ids: Iterable[int]) -> list[t.Account]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(session.scalars(select(t.Account).where(t.Account.id.in_(wanted))))
