"""Qualification (SPEC §4): BANT or MEDDIC answers merged into a lead, and whether that makes
it ready to convert (which starts the mandatory-conversion clock)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bascule.audit import service as audit
from bascule.errors import ValidationFailed
from bascule.leads.model import (
    CLOSED_STATUSES,
    Qualification,
    check_qualification,
    ready_to_convert,
)
from bascule.playbook.schema import Playbook
from bascule.sla import service as sla
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require


def qualify_lead(
    uow: UnitOfWork,
    lead: t.Lead,
    *,
    answers: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> None:
    """Merge qualification answers into a lead already in hand (its caller holds its lock, or
    the e-mail's lock of a lead it just created)."""
    require(actor, "lead.write")
    answers = dict(answers)
    reason = audit.take_reason(answers)  # why, for the audit: no answer of the qualification
    if lead.status in CLOSED_STATUSES:
        raise ValidationFailed(
            f"a {lead.status} lead cannot be qualified", fields={"status": lead.status}
        )
    merged = {**(lead.qualification or {}), **answers}
    q = Qualification.from_dict(merged)
    check_qualification(q)
    before = lead.qualification
    lead.qualification = q.to_dict()
    lead.ready_to_convert = ready_to_convert(q, playbook)
    sla.track_readiness(lead, playbook=playbook, now=now)
    lead.updated_at = now
    audit.record(
        uow,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        action="qualify",
        changes={"qualification": [before, lead.qualification]},
        reason=reason,
        now=now,
    )
