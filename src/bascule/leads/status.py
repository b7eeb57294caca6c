"""A lead's history (SPEC §2): every row of ``lead_status_history`` is written here, and every
status change goes through ``record_status_change`` (the change, its history row, its audit row
and the clocks a closed lead stops).

It sits low on purpose: it needs only audit, ``sla.service`` and storage, so the services that
change a status by rule (MQL promotion in scoring, failed attempts in ``sla.followup``) call it
without importing the lead service, which calls them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bascule.audit import service as audit
from bascule.leads.model import CLOSED_STATUSES, LeadStatus, StatusChange
from bascule.sla import service as sla
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

CREATION = "creation"


def history_row(
    *,
    lead_id: int,
    from_status: str | None,
    to_status: str,
    kind: str,
    reason: str | None,
    actor: Actor,
    now: datetime,
    actor_rule: str | None = None,
) -> dict[str, Any]:
    """The columns of one history row. ``actor_rule`` names a rule more precisely than the
    actor does (the routing rule that placed a lead)."""
    return {
        "lead_id": lead_id,
        "from_status": from_status,
        "to_status": to_status,
        "changed_at": now,
        "actor_user_id": actor.user_id,
        "actor_rule": actor_rule or actor.rule,
        "kind": kind,
        "reason": reason,
    }


def write_history(
    uow: UnitOfWork,
    *,
    lead_id: int,
    from_status: str | None,
    to_status: str,
    kind: str,
    reason: str | None,
    actor: Actor,
    now: datetime,
    actor_rule: str | None = None,
) -> None:
    """Add one history row to the transaction (a creation, a status change, an assignment, a
    conversion deadline missed: the same columns for all)."""
    row = history_row(
        lead_id=lead_id,
        from_status=from_status,
        to_status=to_status,
        kind=kind,
        reason=reason,
        actor=actor,
        now=now,
        actor_rule=actor_rule,
    )
    uow.append(t.LeadStatusHistory, row)


def record_creation(uow: UnitOfWork, lead: t.Lead, *, actor: Actor, now: datetime) -> None:
    """The first history row of a lead: born ``new``, the source as the reason."""
    write_history(
        uow,
        lead_id=lead.id,
        from_status=None,
        to_status=LeadStatus.NEW.value,
        kind=CREATION,
        reason=f"source: {lead.source}",
        actor=actor,
        now=now,
    )


def record_status_change(
    uow: UnitOfWork, lead: t.Lead, change: StatusChange, *, actor: Actor, now: datetime
) -> None:
    """The one place a lead's status changes: the change, its history row and its audit row."""
    lead.status = change.to_status.value
    lead.updated_at = now
    if change.to_status is LeadStatus.DISQUALIFIED:
        lead.disqualification_reason = change.reason
    elif change.kind == "recycling":
        lead.disqualification_reason = None
    if change.to_status in CLOSED_STATUSES:
        sla.stop_conversion_clock(lead)
        sla.on_closed(uow, lead, now=now)
    write_history(
        uow,
        lead_id=lead.id,
        from_status=change.from_status.value,
        to_status=change.to_status.value,
        kind=change.kind,
        reason=change.reason,
        actor=actor,
        now=now,
    )
    audit.record(
        uow,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        action=f"status:{change.kind}",
        changes={"status": [change.from_status.value, change.to_status.value]},
        reason=change.reason,
        now=now,
    )
