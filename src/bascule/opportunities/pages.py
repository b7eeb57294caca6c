"""What the opportunity pages read: the board, the list and one opportunity, each within what
the reader may see (``bascule.access``: the one place that answers it). Writes are not here:
pages move and edit through ``opportunities.service``, as the API does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

from bascule.access import service as access
from bascule.analytics import conditions
from bascule.analytics.conditions import OpportunityFilters
from bascule.audit import reading as audit
from bascule.errors import NotFound
from bascule.opportunities.board import Column, OpportunityFilter, columns
from bascule.playbook.schema import Playbook
from bascule.storage import opportunity_pages as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

# Enough to work a column from the board; the rest is one click away in the list.
CARDS_PER_COLUMN = 12


def _where(uow: UnitOfWork, actor: Actor, flt: OpportunityFilter, playbook: Playbook) -> list[Any]:
    where: list[ColumnElement[bool]] = []
    readable = access.where(uow, actor, playbook, "opportunity")
    if readable is not None:
        where.append(readable)
    if flt.owner_id is not None:
        where.append(t.Opportunity.owner_id == flt.owner_id)
    if flt.close_month is not None:
        where.append(t.Opportunity.expected_close_date.between(*flt.close_month))
    if flt.stage:
        where.append(t.Opportunity.stage == flt.stage)
    if flt.state == "open":
        where.append(t.Opportunity.is_closed.is_(False))
    elif flt.state in ("won", "lost"):
        where.append(t.Opportunity.is_closed.is_(True))
        where.append(t.Opportunity.is_won.is_(flt.state == "won"))
    return where


def owners(uow: UnitOfWork, actor: Actor, playbook: Playbook) -> list[tuple[int, str]]:
    """The people the owner filter offers: everyone the reader may see the records of."""
    found = access.owners(uow, actor, playbook, "opportunity")
    return store.owners(uow.session, found.ids)


@dataclass(frozen=True)
class Board:
    columns: list[Column]
    owners: list[tuple[int, str]]


def board(
    uow: UnitOfWork, *, actor: Actor, flt: OpportunityFilter, playbook: Playbook,
    cards: bool = True,
) -> Board:  # fmt: skip
    """The open pipeline by stage within the owner and close-month filters; ``cards``:
    with the first cards of each column (the board), or the totals alone (the list)."""
    where = _where(
        uow, actor, OpportunityFilter(flt.owner_id, flt.close_month, None, "open"), playbook
    )
    totals = [(s.stage, s.count, s.amount, s.amount_points)
              for s in store.totals_by_stage(uow.session, where)]  # fmt: skip
    shown = store.cards_by_stage(uow.session, where, CARDS_PER_COLUMN) if cards else []
    people = owners(uow, actor, playbook)
    return Board(columns(playbook, totals, shown), people)


def listing(
    uow: UnitOfWork, *, actor: Actor, flt: OpportunityFilters, sort: str, page: int,
    page_size: int, playbook: Playbook, now: datetime,
) -> tuple[list[store.OpportunityRow], int]:  # fmt: skip
    """One page of the list (the API's filters, ``opportunities.listing``); ``sort`` is one
    of ``store.SORTS``, ``-`` first for descending."""
    readable = access.where(uow, actor, playbook, "opportunity")
    where: list[Any] = [] if readable is None else [readable]
    where += conditions.opportunity_conditions(flt, playbook=playbook, now=now)
    column = store.sort_column(sort.lstrip("-"))
    order = [column.desc() if sort.startswith("-") else column.asc()]
    return store.page_of(uow.session, where, order, page, page_size)


@dataclass(frozen=True)
class OpportunityPage:
    row: store.OpportunityRow
    contacts: list[store.ContactRow]
    history: list[tuple[t.OpportunityStageHistory, str | None]]
    activities: list[tuple[t.Activity, str | None]]
    audit: list[dict[str, Any]]  # its audit section (``audit.reading.of_record``)


def readable(
    uow: UnitOfWork, opportunity_id: int, actor: Actor, playbook: Playbook
) -> store.OpportunityRow:
    """The opportunity with its names; one the reader may not see is not found (SPEC §18)."""
    row = store.one(uow.session, opportunity_id)
    if row is not None:
        access.check(uow, actor, playbook, "opportunity", row.opportunity)
    else:
        raise NotFound(
            f"opportunity {opportunity_id} not found",
            fields={"opportunity_id": "no such opportunity"},
        )
    return row


def detail(
    uow: UnitOfWork, *, opportunity_id: int, actor: Actor, playbook: Playbook
) -> OpportunityPage:
    row = readable(uow, opportunity_id, actor, playbook)
    session = uow.session
    return OpportunityPage(
        row=row,
        contacts=store.contacts(session, opportunity_id),
        history=store.stage_history(session, opportunity_id),
        activities=store.activities(session, opportunity_id, row.opportunity.lead_id),
        audit=audit.of_record(uow, "opportunity", opportunity_id, actor=actor, playbook=playbook),
    )
