"""The one place a lead changes owner (SPEC §9): the owner and ``assigned_at``, a history row
of kind ``assignment`` (the status stays; the reason names the rule or the user), an audit row,
and the SLA hook that starts, restarts or stops the first-response clock. Same transaction.

Imports write their new leads in bulk: ``record_imported`` writes the same history rows for a
chunk in one statement, one audit row for the chunk, and calls the SLA hook for each lead that
got an owner and falls under an SLA rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bascule.audit import service as audit
from bascule.leads.model import LeadStatus
from bascule.leads.status import history_row, write_history
from bascule.playbook.schema import Playbook
from bascule.routing import service as routing
from bascule.routing.rules import Decision
from bascule.sla import rules as sla_rules
from bascule.sla import service as sla
from bascule.storage import bulk
from bascule.storage import routing as routing_store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

KIND = "assignment"
ROUTING = "routing"


def routing_actor(rule: str) -> str:
    """How history names the rule that placed a lead: ``routing:<rule key>``."""
    return f"{ROUTING}:{rule}"[:80]


def assign(
    uow: UnitOfWork,
    lead: t.Lead,
    *,
    owner_id: int | None,
    actor: Actor,
    reason: str,
    now: datetime,
    playbook: Playbook,
    rule: str | None = None,
) -> bool:
    """Give ``lead`` to ``owner_id`` (None: to nobody). ``rule`` names the routing rule that
    decided, when one did. False (and nothing written) when the owner is the same."""
    before = lead.owner_id
    if before == owner_id:
        return False
    lead.owner_id = owner_id
    lead.assigned_at = now if owner_id is not None else None
    lead.updated_at = now
    _record(uow, lead, before, Placement(owner_id, reason, rule), actor=actor, now=now)
    sla.on_assigned(uow, lead, now=now, playbook=playbook)
    return True


def _record(
    uow: UnitOfWork,
    lead: t.Lead,
    before: int | None,
    placed: Placement,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """An assignment's history row (the status stays) and audit row."""
    write_history(
        uow,
        lead_id=lead.id,
        from_status=lead.status,
        to_status=lead.status,
        kind=KIND,
        reason=placed.reason,
        actor=actor,
        now=now,
        actor_rule=routing_actor(placed.rule) if placed.rule else None,
    )
    audit.record(
        uow,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        action="assign",
        changes={"owner_id": [before, placed.owner_id]},
        reason=placed.reason,
        now=now,
    )


def assign_routed(
    uow: UnitOfWork,
    lead: t.Lead,
    decision: Decision,
    *,
    actor: Actor,
    now: datetime,
    playbook: Playbook,
) -> bool:
    """Apply a routing decision (its owner, or nobody) to a lead."""
    return assign(
        uow,
        lead,
        owner_id=decision.owner_id,
        actor=actor,
        reason=decision.explanation,
        now=now,
        playbook=playbook,
        rule=decision.rule,
    )


def by_user_reason(owner: t.User | None, actor: Actor, *, why: str | None = None) -> str:
    """The reason of an assignment a person made (or an unassignment)."""
    who = actor.name or (f"rule {actor.rule}" if actor.rule else "someone")
    if owner is None:
        return f"unassigned by {who}" + (f": {why}" if why else "")
    return f"given to {owner.email} by {who}" + (f": {why}" if why else "")


@dataclass(frozen=True)
class Placed:
    """One lead an import has just inserted with an owner, and why it got that owner."""

    lead_id: int
    owner_id: int
    reason: str
    rule: str | None = None
    # What an SLA rule looks at (an imported lead asked through no form).
    source: str | None = None
    temperature: str | None = None


def record_imported(
    uow: UnitOfWork,
    placed: Sequence[Placed],
    *,
    import_id: int,
    new_ids: Sequence[int],
    actor: Actor,
    now: datetime,
    playbook: Playbook,
) -> None:
    """History, audit and SLA for leads an import inserted already owned (``owner_id`` and
    ``assigned_at`` set in the INSERT): one history row per lead in one statement, one audit
    row for the chunk (the history rows say who got each lead and why), the SLA hook for the
    leads an SLA rule covers. ``new_ids``: every lead the chunk created."""
    if not placed:
        return
    session = uow.session
    new = LeadStatus.NEW.value
    rows = [
        history_row(
            lead_id=p.lead_id,
            from_status=new,
            to_status=new,
            kind=KIND,
            reason=p.reason,
            actor=actor,
            now=now,
            actor_rule=routing_actor(p.rule) if p.rule else None,
        )
        for p in placed
    ]
    if len(placed) == len(new_ids) and len({(p.reason, p.rule) for p in placed}) == 1:
        # Every new lead to the importer for one reason (no routing rule): one INSERT ...
        # SELECT, as for their creation rows, rather than a row each to send.
        same = {k: v for k, v in rows[0].items() if k != "lead_id"}
        bulk.history_for_new_leads(session, import_id, min(new_ids), max(new_ids), same)
    else:
        bulk.insert(session, t.LeadStatusHistory, rows)
    owners = Counter(p.owner_id for p in placed)
    audit.record(
        uow,
        actor=actor,
        entity="import",
        entity_id=import_id,
        action="assign_leads",
        changes={"owners": {str(k): n for k, n in sorted(owners.items())}},
        reason=f"import #{import_id}: {len(placed)} new leads given an owner",
        now=now,
    )
    # A lead just inserted has no clock running: the hook has something to do only for the
    # leads an SLA rule covers (a trade-show file usually has none), so only those are read.
    covered = [
        p.lead_id
        for p in placed
        if sla_rules.rule_for(playbook.sla, sla_rules.Request(None, p.source, p.temperature))
    ]
    for lead in routing_store.leads_by_id(session, covered):
        sla.on_assigned(uow, lead, now=now, playbook=playbook)


@dataclass(frozen=True)
class Placement:
    """Who a new lead goes to and why, decided before anything is written."""

    owner_id: int | None
    reason: str
    rule: str | None = None
    # Nobody owns it: the team whose queue holds it (SPEC §18), if any.
    team_id: int | None = None


def _queue(uow: UnitOfWork, decision: Decision, playbook: Playbook) -> int | None:
    """The team whose queue holds a lead nobody got: the matched rule's team, else the
    playbook's ``access.unrouted_team``; None if neither (or the team does not exist)."""
    name = decision.team or playbook.access.unrouted_team
    return routing_store.team_id(uow.session, name) if name else None


def place_new(
    uow: UnitOfWork,
    lead: t.Lead,
    *,
    owner_id: int | None,
    actor: Actor,
    now: datetime,
    playbook: Playbook,
) -> Placement:
    """The owner of a new lead (or of an open lead nobody owns, asking again): the one given,
    else the routing rules' choice (the rotation moves on), else the user creating it (as
    before routing existed); a form or an import no rule places stays unassigned. Reads only
    the lead's facts: it may not be written yet."""
    if owner_id is not None:
        owner = uow.session.get(t.User, owner_id)
        return Placement(owner_id, by_user_reason(owner, actor))
    decision = routing.route(uow, facts=routing.facts_of(lead), now=now, playbook=playbook)
    if decision.owner_id is None and actor.user_id is not None:
        reason = f"{actor.name or 'its creator'} keeps it: {decision.explanation}"
        return Placement(actor.user_id, reason)
    if decision.owner_id is None:
        team_id = _queue(uow, decision, playbook)
        return Placement(None, decision.explanation, decision.rule, team_id)
    return Placement(decision.owner_id, decision.explanation, decision.rule)


def assign_new(
    uow: UnitOfWork,
    lead: t.Lead,
    *,
    owner_id: int | None,
    actor: Actor,
    now: datetime,
    playbook: Playbook,
) -> None:
    """Give an open lead nobody owns its owner (``place_new``), now."""
    placed = place_new(uow, lead, owner_id=owner_id, actor=actor, now=now, playbook=playbook)
    if placed.owner_id is None and placed.team_id is not None and lead.team_id is None:
        lead.team_id = placed.team_id
        sla.on_queued(uow, lead, now=now, playbook=playbook)
    assign(
        uow, lead, owner_id=placed.owner_id, actor=actor, reason=placed.reason, now=now,
        playbook=playbook, rule=placed.rule,
    )  # fmt: skip


def place_unwritten(
    uow: UnitOfWork, lead: t.Lead, placed: Placement, *, now: datetime, playbook: Playbook
) -> None:
    """``assign`` for a lead added to the session but not flushed: its owner, ``assigned_at``
    and first-response deadline are set so that its INSERT carries them (an UPDATE right after
    would write every index on ``owner_id`` twice). Its history and audit rows, which need its
    id, are ``record_placed``'s, after the flush."""
    if placed.owner_id is None:
        if placed.team_id is not None:
            # In its team's queue: the team sees it, its clock runs against the team.
            lead.team_id = placed.team_id
            sla.on_queued(uow, lead, now=now, playbook=playbook)
        return
    lead.owner_id = placed.owner_id
    lead.assigned_at = now
    lead.updated_at = now
    # Starts the clock when a rule covers the lead: its deadline is set before the flush.
    sla.on_assigned(uow, lead, now=now, playbook=playbook)


def record_placed(
    uow: UnitOfWork, lead: t.Lead, placed: Placement, *, actor: Actor, now: datetime
) -> None:
    """The history and audit rows of ``place_unwritten`` (those ``assign`` writes), once the
    lead has its id."""
    if placed.owner_id is not None:
        _record(uow, lead, None, placed, actor=actor, now=now)
