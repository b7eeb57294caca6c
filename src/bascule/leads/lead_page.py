"""The lead page's data (issue 11): the lead, its tags and owner, its timeline, what its
qualification still lacks to be ready to convert, where its status may go by hand, and whether
the reader may reassign it. Fetch, then compute with the pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bascule.leads import actions
from bascule.leads import service as leads
from bascule.leads.lead_list import Person, people
from bascule.leads.model import (
    TRANSITIONS,
    LeadStatus,
    Qualification,
    missing_for_conversion,
)
from bascule.leads.timeline import Event, merge
from bascule.leads.vocabulary import LEAD_STATUSES
from bascule.playbook.schema import Playbook
from bascule.sla import service as sla
from bascule.storage import lead_page as store
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor


@dataclass
class LeadPage:
    lead: t.Lead
    tags: list[str]
    owner: str | None
    timeline: list[Event]
    qualification: Qualification
    # What the ready-to-convert rule still waits for (empty: ready), by criterion.
    missing: dict[str, str]
    next_statuses: list[str]
    people: list[Person]
    may_reassign: bool
    sla_status: str


def next_statuses(status: str) -> list[str]:
    """Statuses a person may set from ``status``, in the order of the lifecycle."""
    allowed = TRANSITIONS[LeadStatus(status)]
    return [s for s in LEAD_STATUSES if s in allowed and s != status]


def build(
    uow: UnitOfWork, *, lead_id: int, actor: Actor, now: datetime, playbook: Playbook
) -> LeadPage:
    lead = leads.read(uow, lead_id, actor=actor, playbook=playbook)
    session = uow.session
    everyone = people(uow)
    names = {p.id: p.name for p in everyone}
    timeline = merge(
        activities=repo.activities(session, lead_id=lead_id),
        signals=store.signals(session, lead_id),
        history=repo.lead_history(session, lead_id),
        alerts=store.alerts(session, lead_id),
        names=names,
    )
    qualification = Qualification.from_dict(lead.qualification)
    return LeadPage(
        lead=lead,
        tags=repo.tags_by_lead(session, [lead_id])[lead_id],
        owner=names.get(lead.owner_id) if lead.owner_id else None,
        timeline=timeline,
        qualification=qualification,
        missing=missing_for_conversion(qualification, playbook),
        next_statuses=next_statuses(lead.status),
        people=everyone,
        may_reassign=actions.can_reassign(uow, actor),
        sla_status=sla.status_of(lead, now=now, playbook=playbook),
    )
