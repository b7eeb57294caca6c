"""The lead list page's data (issue 11): one page of leads as ``GET /api/v1/leads`` reads it
(the same storage filter), with the owners' names, the tags when shown, the SLA words and the
user's saved views. Five statements at most with the session's: where the reader stands (unless
they read every lead), the page with its total and tags, the people, the views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bascule.analytics import conditions
from bascule.leads import service as lead_service
from bascule.leads.listing import NONE, PAGE_SIZE, LeadQuery
from bascule.playbook.schema import Playbook
from bascule.sla import service as sla
from bascule.storage import lead_page as people_store
from bascule.storage import repositories as repo
from bascule.storage import saved_views as views_store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str
    active: bool


@dataclass
class LeadList:
    query: LeadQuery
    leads: list[t.Lead]
    total: int
    people: list[Person]
    names: dict[int, str]
    tags: dict[int, list[str]]
    sla_status: dict[int, str]
    views: list[t.SavedView]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def people(uow: UnitOfWork) -> list[Person]:
    return [Person(*row) for row in people_store.people(uow.session)]


def storage_filter(
    query: LeadQuery, *, actor: Actor, playbook: Playbook, now: datetime, sort: str, page: int,
    page_size: int,
) -> repo.LeadFilter:  # fmt: skip
    """The storage filter of a list's state: what ``GET /api/v1/leads`` and the page read. The
    report filters become the reports' own conditions (``analytics.conditions``)."""
    start, end = query.created_between(playbook.calendar.timezone)
    with_none = NONE in query.source  # "no source": a condition storage's filter cannot say
    report = conditions.LeadFilters(
        unowned=query.unowned_asked, source=query.source if with_none else (),
        campaign=query.campaign, segment=query.segment, employees_min=query.employees_min,
        employees_max=query.employees_max, reached=query.reached, outcome=query.outcome,
        stalled=query.stalled,
    )  # fmt: skip
    return repo.LeadFilter(
        status=query.status, owner_id=query.owner_id(actor.user_id),
        source=() if with_none else query.source, tag=query.tag, temperature=query.temperature,
        q=query.q, min_score=query.min_score, ready_to_convert=query.ready, sort=sort, page=page,
        page_size=page_size, conversion_overdue=query.overdue, created_from=start,
        created_to=end,
        extra=tuple(conditions.lead_conditions(report, playbook=playbook, now=now)),
    )  # fmt: skip


def build(
    uow: UnitOfWork, *, actor: Actor, query: LeadQuery, now: datetime, playbook: Playbook
) -> LeadList:
    flt = storage_filter(
        query, actor=actor, playbook=playbook, now=now, sort=query.storage_sort(),
        page=query.page, page_size=PAGE_SIZE,
    )  # fmt: skip
    # The API's own read (``GET /api/v1/leads``): what the reader may see is decided there.
    # The tags, when shown, ride in the page's statement.
    shown_tags = "tags" in query.columns
    found = lead_service.listed(uow, flt, actor=actor, playbook=playbook, with_tags=shown_tags)
    leads, total = found.items, found.total
    everyone = people(uow)
    return LeadList(
        query=query,
        leads=leads,
        total=total,
        people=everyone,
        names={p.id: p.name for p in everyone},
        tags=found.tags,
        # From the lead's own columns: no query per lead.
        sla_status={lead.id: sla.status_of(lead, now=now, playbook=playbook) for lead in leads},
        views=views_store.of_user(uow.session, actor.user_id) if actor.user_id else [],
    )
