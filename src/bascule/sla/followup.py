"""What the lead rules of SPEC §4 and §9 do to leads: failed contact attempts
(``sla.attempts``) and mandatory conversion (``sla.conversion_overdue``). Fetch, call the pure
rule, write; always in the transaction of the change that caused it.

- ``after_activity``: ``leads.service.log_activity`` calls it for every logged activity; the
  attempt that reaches the playbook's count sends the lead to nurturing (history actor: the
  rule ``failed_attempts``);
- the conversion clock itself (started by qualification, stopped by conversion or
  disqualification) is kept by ``sla.service``;
- ``conversion_tick``: the worker's periodic job, flagging the leads past their deadline and
  alerting owner and manager, 1,000 leads per transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bascule.alerts import outbox
from bascule.audit import service as audit
from bascule.leads.model import LeadStatus, check_transition
from bascule.leads.status import record_status_change, write_history
from bascule.playbook.schema import Playbook
from bascule.sla import attempts
from bascule.sla import conversion_overdue as overdue
from bascule.storage import overdue as store
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.model import Actor

FAILED_ATTEMPTS = Actor.for_rule(attempts.RULE)
CONVERSION_DEADLINE = Actor.for_rule(overdue.RULE)
HISTORY_KIND = "conversion_overdue"
BATCH = 1000  # leads flagged per transaction: short write locks, a bounded outbox burst


# --- failed attempts ----------------------------------------------------------------------------


def after_activity(
    uow: UnitOfWork, lead: t.Lead, activity: t.Activity, *, playbook: Playbook, now: datetime
) -> None:
    """Count the activity if it is a contact attempt; at the playbook's count of consecutive
    failures, send the lead back to nurturing with the reason in its history."""
    if not playbook.sla.enabled:
        return
    verdict = attempts.judge(
        lead.failed_attempts or 0,
        kind=activity.kind,
        direction=activity.direction,
        outcome=activity.outcome,
        status=lead.status,
        sla=playbook.sla,
    )
    lead.failed_attempts = verdict.failed_attempts
    if verdict.to_nurturing:
        change = check_transition(lead.status, LeadStatus.NURTURING, verdict.reason, playbook)
        record_status_change(uow, lead, change, actor=FAILED_ATTEMPTS, now=now)


# --- mandatory conversion ------------------------------------------------------------------------


def flag_overdue(uow: UnitOfWork, *, now: datetime, limit: int = BATCH) -> int:
    """Flag up to ``limit`` leads past their conversion deadline, with a history and an audit
    row each and one alert to the owner and one to the owner's manager; how many were
    flagged."""
    rows = store.due_leads(uow.session, now=now, limit=limit)
    store.flag(uow.session, [r.id for r in rows], now)
    for row in rows:
        ready_since = _iso(row.ready_since)
        due_at = _iso(row.conversion_due_at)
        reason = f"ready to convert since {ready_since}, not converted by {due_at}"
        # In the lead's history too (the status stays, like an assignment): the lead page
        # and analytics see when a ready lead was left waiting.
        write_history(
            uow,
            lead_id=row.id,
            from_status=row.status,
            to_status=row.status,
            kind=HISTORY_KIND,
            reason=reason,
            actor=CONVERSION_DEADLINE,
            now=now,
        )
        audit.record(
            uow,
            actor=CONVERSION_DEADLINE,
            entity="lead",
            entity_id=row.id,
            action="conversion_overdue",
            changes={"conversion_overdue": [False, True]},
            reason=reason,
            now=now,
        )
        told = overdue.recipients(
            row.owner_id, manager_id=row.manager_id, team_manager_id=row.team_manager_id
        )
        for role, user_id in told:
            outbox.enqueue(
                uow,
                kind="conversion_overdue",
                recipient_user_id=user_id,
                payload={
                    "lead_id": row.id,
                    "owner_id": row.owner_id,
                    "recipient": role,
                    "ready_since": ready_since,
                    "conversion_due_at": due_at,
                },
                idempotency_key=overdue.alert_key(row.id, row.conversion_due_at, role),
                now=now,
            )
    return len(rows)


def conversion_tick(database: Database, now: datetime) -> None:
    """The worker's job: every lead past its deadline, ``BATCH`` per transaction. A read comes
    first, so that a tick with nothing due takes no write lock."""
    with database.uow() as uow:
        if not store.any_due(uow.session, now):
            return
    while True:
        with database.uow(write=True) as uow:
            flagged = flag_overdue(uow, now=now)
            uow.commit()
        if flagged < BATCH:
            return


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()
