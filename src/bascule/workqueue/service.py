"""A user's work queue (the web UI's home page): fetch each section their role needs, within
what they may see (``users.visibility``), then compute the SLA words and times left."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bascule.alerts import service as alerts
from bascule.playbook.schema import Playbook
from bascule.sla import service as sla
from bascule.storage import tables as t
from bascule.storage import visibility as clauses
from bascule.storage import workqueue as store
from bascule.storage.uow import UnitOfWork
from bascule.users import visibility
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
    seen = visibility.visible_leads(uow, actor)
    queue = WorkQueue(rules.sections(actor.role, manages_others=seen.is_manager))
    session = uow.session
    mine = frozenset({actor.user_id}) if actor.user_id is not None else frozenset()

    def owned(column: str, owners: frozenset[int], everything: bool = False) -> Any:
        return clauses.owner_clause(
            store.column(column), everything=everything, owner_ids=owners, unassigned=False
        )

    found: dict[Section, list[t.Lead]] = {}
    for section in queue.sections:
        if section is Section.MY_LEADS:
            found[section] = store.leads_by_deadline(session, owned("lead", mine), SECTION_SIZE)
        elif section is Section.READY:
            found[section] = store.leads_to_convert(session, owned("lead", mine), SECTION_SIZE)
        elif section is Section.TEAM:
            team = owned("lead", seen.owner_ids, seen.everything)
            if seen.everything:  # everyone's assigned leads
                team = store.column("lead").is_not(None)
            found[section] = store.leads_by_deadline(session, team, SECTION_SIZE)
        elif section is Section.UNASSIGNED:
            found[section] = store.unassigned_leads(session, SECTION_SIZE)
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
