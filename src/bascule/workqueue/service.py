"""A user's work queue (the web UI's home page): fetch each section their role needs, within
what they may read (``access.service``), then compute the SLA words and times left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bascule.access import service as access
from bascule.alerts import service as alerts
from bascule.playbook.schema import Playbook
from bascule.sla import service as sla
from bascule.storage import access as clauses
from bascule.storage import tables as t
from bascule.storage import workqueue as store
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor
from bascule.workqueue import rules
from bascule.workqueue.rules import Section

SECTION_SIZE = 20


@dataclass(frozen=True)
class QueuedLead:
    lead: t.Lead
    owner_name: str | None
    sla_status: str
    # Business time to the first-response deadline (negative: late by that much).
    time_left: timedelta | None


@dataclass
class WorkQueue:
    sections: tuple[Section, ...]
    leads: dict[Section, list[QueuedLead]] = field(default_factory=dict)
    closing: list[t.Opportunity] = field(default_factory=list)
    upsell: list[tuple[t.UpsellSuggestion, str]] = field(default_factory=list)
    alerts: dict[str, Any] = field(default_factory=dict)


def build(
    uow: UnitOfWork, *, actor: Actor, now: datetime, playbook: Playbook, locale: str
) -> WorkQueue:
    found_leads = access.owners(uow, actor, playbook, "lead")
    everything = found_leads.everything
    reach = None if everything else access.reach_of(uow, actor, playbook)
    queue = WorkQueue(
        rules.sections(
            actor.role,
            manages_others=everything or (reach is not None and reach.manages_others),
            has_queue=reach is not None and bool(reach.queues),
        )
    )
    session = uow.session
    mine = frozenset({actor.user_id}) if actor.user_id is not None else frozenset()

    def owned(column: str, owners: frozenset[int]) -> Any:
        return clauses.owned_by(store.column(column), owners)

    found: dict[Section, list[t.Lead]] = {}
    for section in queue.sections:
        if section is Section.MY_LEADS:
            found[section] = store.leads_by_deadline(session, owned("lead", mine), SECTION_SIZE)
        elif section is Section.READY:
            found[section] = store.leads_to_convert(session, owned("lead", mine), SECTION_SIZE)
        elif section is Section.TEAM:
            # Everyone's assigned leads, or those of the people the actor manages.
            team = (
                store.column("lead").is_not(None) if reach is None else owned("lead", reach.managed)
            )
            found[section] = store.leads_by_deadline(session, team, SECTION_SIZE)
        elif section is Section.UNASSIGNED:
            readable = access.where(uow, actor, playbook, "lead")
            found[section] = store.unassigned_leads(session, readable, SECTION_SIZE)
        elif section is Section.CLOSING:
            first, last = rules.month_of(now.astimezone(sla.calendar_of(playbook).zone).date())
            owner = owned("opportunity", mine)
            queue.closing = store.opportunities_closing(session, owner, first, last, SECTION_SIZE)
        elif section is Section.UPSELL:
            queue.upsell = store.upsell_suggestions(session, owned("account", mine), SECTION_SIZE)
        elif section is Section.ALERTS and actor.user_id is not None:
            queue.alerts = alerts.list_for_user(
                uow, user_id=actor.user_id, unread=True, page_size=5, locale=locale
            )
    owners = {lead.owner_id for leads in found.values() for lead in leads if lead.owner_id}
    names = store.user_names(session, owners)
    calendar = sla.calendar_of(playbook)
    for section, leads in found.items():
        queue.leads[section] = [
            QueuedLead(
                lead,
                names.get(lead.owner_id) if lead.owner_id else None,
                sla.status_of(lead, now=now, playbook=playbook),
                rules.time_left(lead.first_response_due_at, now, calendar)
                if lead.first_response_due_at and lead.first_response_at is None
                else None,
            )
            for lead in leads
        ]
    return queue
