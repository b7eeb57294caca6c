"""The worker's SLA tick (SPEC §9): deadlines that ran out alert the owner, and escalations that
fell due alert the owner's manager. Registered in ``bascule.worker`` (every minute).

- **Reads only what is due**, through the partial indexes ``ix_sla_clock_due`` and
  ``ix_sla_clock_escalate`` (``storage/sla.py``): a million running clocks with nothing due
  cost one index probe per tick.
- **Batches** of ``BATCH`` clocks, one transaction each: the clocks are claimed (``FOR UPDATE
  SKIP LOCKED`` on PostgreSQL), stamped (``breached_at`` and ``escalate_at``, or
  ``escalated_at``) and their alerts written to the outbox in one statement each, then
  committed together: an alert is never lost nor sent for a clock left unstamped.
- **Idempotent**: a stamped clock leaves the index it was read through, so the next tick does
  not see it; the outbox keys (``sla_breached:clock:<id>``, ``sla_escalated:clock:<id>``) make
  a second alert for one clock impossible even if two ticks raced. The worker also runs each
  tick under an advisory lock on PostgreSQL, and SQLite has a single worker.
- ``breached_at`` is when the owner was told (this tick), and the escalation is counted from
  there in business time: the owner gets the whole delay to react, even after a worker outage.
- No manager to escalate to (none for the owner or the team, or the owner is the team's
  manager): the clock's ``escalate_at`` is cleared and nobody is alerted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bascule.alerts import outbox
from bascule.playbook import service as playbooks
from bascule.playbook.schema import Playbook
from bascule.sla import rules
from bascule.sla.calendar import BusinessCalendar
from bascule.storage import sla as store
from bascule.storage.uow import Database, UnitOfWork

log = logging.getLogger("bascule.sla")
BATCH = 1000
BREACHED = "sla_breached"
ESCALATED = "sla_escalated"


@dataclass
class TickOutcome:
    breached: int = 0
    escalated: int = 0
    not_escalated: int = 0  # due for escalation, but nobody above the owner


def tick(database: Database, now: datetime) -> None:
    """The worker's periodic job."""
    outcome = run(database, now=now)
    if outcome.breached or outcome.escalated or outcome.not_escalated:
        log.info(
            "SLA tick: %d breached, %d escalated, %d without a manager",
            outcome.breached, outcome.escalated, outcome.not_escalated,
        )  # fmt: skip


def run(
    database: Database, *, now: datetime, playbook: Playbook | None = None, batch: int = BATCH
) -> TickOutcome:
    """Every breach then every escalation due at ``now``, ``batch`` clocks per transaction."""
    playbook = playbook or playbooks.active(database)
    outcome = TickOutcome()
    if not playbook.sla.enabled:
        return outcome
    calendar = BusinessCalendar.of(playbook.calendar)
    while True:
        with database.uow(write=True) as uow:
            done = breach_batch(uow, now=now, playbook=playbook, calendar=calendar, limit=batch)
            uow.commit()
        outcome.breached += done
        if done < batch:
            break
    while True:
        with database.uow(write=True) as uow:
            sent, dropped = escalation_batch(uow, now=now, limit=batch)
            uow.commit()
        outcome.escalated += sent
        outcome.not_escalated += dropped
        if sent + dropped < batch:
            break
    return outcome


def breach_batch(
    uow: UnitOfWork, *, now: datetime, playbook: Playbook, calendar: BusinessCalendar, limit: int
) -> int:
    """Stamp up to ``limit`` clocks that ran out and alert their owners; how many."""
    clocks = store.claim_due(uow.session, now, limit)
    if not clocks:
        return 0
    # Every clock of the batch is breached now: one escalation time for all of them.
    escalate_at = rules.escalation_at(now, playbook.sla, calendar)
    store.mark_breached(
        uow.session, [c.id for c in clocks], breached_at=now, escalate_at=escalate_at
    )
    # A lead nobody owns ran out in its team's queue: its team's manager hears of it.
    queued = [c.lead_id for c in clocks if c.owner_id is None and c.lead_id is not None]
    team_managers = store.queue_managers(uow.session, queued)
    outbox.enqueue_many(
        uow,
        [
            {
                "kind": BREACHED,
                "recipient_user_id": c.owner_id or team_managers.get(c.lead_id),
                "payload": _payload(c),
                "idempotency_key": f"{BREACHED}:clock:{c.id}",
            }
            for c in clocks
        ],
        now=now,
    )
    return len(clocks)


def escalation_batch(uow: UnitOfWork, *, now: datetime, limit: int) -> tuple[int, int]:
    """Alert the managers of up to ``limit`` clocks whose escalation is due; (alerted, with
    nobody to alert)."""
    clocks = store.claim_escalations(uow.session, now, limit)
    if not clocks:
        return 0, 0
    above = store.managers(uow.session, [c.owner_id for c in clocks if c.owner_id is not None])
    alerts: list[dict[str, Any]] = []
    nobody: list[int] = []
    for clock in clocks:
        manager, team_manager = above.get(clock.owner_id, (None, None))
        recipient = rules.escalation_recipient(
            clock.owner_id, manager_id=manager, team_manager_id=team_manager
        )
        if recipient is None:
            nobody.append(clock.id)
            continue
        alerts.append(
            {
                "kind": ESCALATED,
                "recipient_user_id": recipient,
                "payload": _payload(clock) | {"owner_id": clock.owner_id},
                "idempotency_key": f"{ESCALATED}:clock:{clock.id}",
            }
        )
    store.mark_escalated(uow.session, [a["payload"]["clock_id"] for a in alerts], at=now)
    store.drop_escalation(uow.session, nobody)
    outbox.enqueue_many(uow, alerts, now=now)
    return len(alerts), len(nobody)


def _payload(clock: Any) -> dict[str, Any]:
    subject = (
        {"lead_id": clock.lead_id}
        if clock.lead_id is not None
        else {"opportunity_id": clock.opportunity_id}
    )
    payload = subject | {
        "clock_id": clock.id,
        "rule": clock.rule,
        "due_at": clock.due_at.isoformat(),
    }
    if clock.breached_at is not None:
        payload["breached_at"] = clock.breached_at.isoformat()
    return payload
