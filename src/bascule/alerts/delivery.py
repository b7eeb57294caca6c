"""Delivering alerts: fan-out of outbox rows, then one job per channel delivery.

1. **Fan-out** (one short transaction per batch, no network): pending outbox rows are claimed
   (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), delivered in-app (``delivered_at``; a NOTIFY
   tells the live streams) and given one ``alert_delivery`` row per e-mail and webhook, all in
   the transaction that marks them delivered. A crash before the commit leaves them pending.
2. **Channel deliveries**: each due ``alert_delivery`` row is one job: claimed, sent, and its
   outcome written with a line in the delivery log. On PostgreSQL the job's transaction holds
   the row lock while it is sent, so two workers never send it twice and a killed worker's
   rows are free again at once; on SQLite (one worker, see ``bascule.worker``) the row is
   read, sent, then written in a short write transaction, so the API is never kept waiting.

Delivery is at-least-once: a crash between the send and the commit sends again, with the same
``Idempotency-Key`` (webhooks) and ``Message-ID`` (e-mail).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bascule.alerts import email, messages, rules, webhooks
from bascule.alerts.rules import Channel, Planned, Result, Status
from bascule.playbook.schema import Playbook
from bascule.storage import alerts as store
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork

log = logging.getLogger("bascule.alerts")


# --- fan-out ----------------------------------------------------------------------------------


def fan_out(
    uow: UnitOfWork, *, playbook: Playbook, email_on: bool, limit: int, now: datetime
) -> int:
    """Fan out up to ``limit`` due outbox rows in the caller's transaction; how many."""
    alerts = store.claim_pending_alerts(uow.session, now, limit)
    if alerts:
        # Losing this commit in a server crash only means fanning these alerts out again.
        store.relax_durability(uow.session)
        fan_out_rows(uow, alerts, playbook=playbook, email_on=email_on, now=now)
    return len(alerts)


def fan_out_rows(
    uow: UnitOfWork,
    alerts: list[t.Outbox],
    *,
    playbook: Playbook,
    email_on: bool,
    now: datetime,
) -> None:
    session = uow.session
    internal = [a for a in alerts if a.channel != Channel.PERSON_EMAIL]
    _find_recipients(uow, internal)
    users = store.users_by_id(session, [a.recipient_user_id or 0 for a in internal])
    email_on = email_on and playbook.alerts.email
    flagged = _flagged(session, internal, playbook)
    planned: list[tuple[t.Outbox, Planned]] = []
    told: list[str] = []
    for alert in alerts:
        if alert.channel == Channel.PERSON_EMAIL:
            found = store.person(session, alert.payload)
            person = rules.Person(*found) if found is not None else None
            plan = rules.plan_person(person, email_on=email_on)
        else:
            user = users.get(alert.recipient_user_id or 0)
            plan = rules.plan_internal(
                alert.kind,
                recipient_email=user.email if user is not None and user.is_active else None,
                email_on=email_on,
                webhooks=playbook.alerts.webhooks,
                about_do_not_contact=_about_flagged(alert.payload, flagged),
            )
            if alert.recipient_user_id is not None:
                told.append(f"{alert.recipient_user_id}:{alert.id}")
        planned.extend((alert, p) for p in plan)
        alert.status = "delivered"
        alert.delivered_at = now
        alert.attempts += 1
    made = store.add_deliveries(
        session,
        [
            {
                "outbox_id": alert.id,
                "channel": p.channel.value,
                "target": p.target[:254],
                "status": p.status.value,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
                "last_error": p.reason,
            }
            for alert, p in planned
        ],
    )
    if told:  # the live streams of every API process hear of it at commit
        store.notify(session, store.ALERTS_CHANNEL, *told)
    skipped = [
        {"delivery_id": r.id, "attempt": 0, "at": now, "outcome": "skipped", "error": r.last_error}
        for r in made
        if r.status == Status.SKIPPED
    ]
    store.record_outcomes(session, [], skipped)


def _flagged(session: Any, alerts: list[t.Outbox], playbook: Playbook) -> tuple[set[int], set[int]]:
    """The leads and contacts marked do-not-contact among those these alerts are about; read
    only when some webhook could be told (and the playbook keeps them from it)."""
    if not playbook.alerts.webhooks or playbook.privacy.webhooks_about_do_not_contact:
        return set(), set()
    return store.do_not_contact_ids(session, _ids(alerts, "lead_id"), _ids(alerts, "contact_id"))


def _about_flagged(payload: dict[str, Any], flagged: tuple[set[int], set[int]]) -> bool:
    return payload.get("lead_id") in flagged[0] or payload.get("contact_id") in flagged[1]


def _find_recipients(uow: UnitOfWork, alerts: list[t.Outbox]) -> None:
    """An alert raised while nobody owned its lead or account goes to the owner it has now."""
    orphans = [a for a in alerts if a.recipient_user_id is None]
    if not orphans:
        return
    leads = store.owners(uow.session, t.Lead, _ids(orphans, "lead_id"))
    accounts = store.owners(uow.session, t.Account, _ids(orphans, "account_id"))
    for alert in orphans:
        lead_id, account_id = alert.payload.get("lead_id", 0), alert.payload.get("account_id", 0)
        alert.recipient_user_id = leads.get(lead_id) or accounts.get(account_id)


def _ids(alerts: list[t.Outbox], key: str) -> list[int]:
    return [v for a in alerts if isinstance(v := a.payload.get(key), int)]


def fail_alert(
    uow: UnitOfWork, alert_id: int, error: str, *, playbook: Playbook, now: datetime
) -> None:
    """A row whose fan-out raised: retried later like a delivery, dead after max attempts."""
    alert = store.claim_alert(uow.session, alert_id)
    if alert is None:
        return
    alert.attempts += 1
    alert.last_error = error[:2000]
    if alert.attempts >= playbook.alerts.max_attempts:
        alert.status = "dead"
    else:
        alert.next_attempt_at = now + rules.backoff(
            alert.attempts,
            base=playbook.alerts.backoff_seconds,
            maximum=playbook.alerts.backoff_max_seconds,
        )


# --- channel deliveries -----------------------------------------------------------------------


@dataclass
class Job:
    """One attempt at one channel delivery, with what sending it needs."""

    delivery_id: int
    channel: str
    target: str
    attempt: int
    alert: dict[str, Any]
    idempotency_key: str
    skip_reason: str | None = None
    result: Result | None = None
    # A webhook job about a lead or contact marked do-not-contact.
    about_do_not_contact: bool = False

    @property
    def slot(self) -> tuple[str, str]:
        """What a hanging endpoint can hold up: one webhook, or the SMTP server."""
        return (self.channel, self.target) if self.channel == Channel.WEBHOOK else ("email", "")


@dataclass
class Batch:
    """Jobs claimed together; their outcomes are written together once all are sent.

    On PostgreSQL ``uow`` is the claim's open transaction: it holds the rows' locks until the
    outcomes are committed, so no other worker takes them meanwhile, and a worker killed before
    that commit frees them at once (they are sent again: at-least-once)."""

    jobs: list[Job]
    uow: UnitOfWork | None = field(default=None, repr=False)
    recording: bool = False  # set by the one thread that writes the outcomes

    @property
    def done(self) -> bool:
        return all(job.result is not None for job in self.jobs)


def _job(session: Any, row: Any, *, locale: str) -> Job:
    """A job from a claimed row (``storage.alerts.claim_deliveries``)."""
    skip = None
    about_flagged = False
    if row.channel == Channel.PERSON_EMAIL:
        # Checked again at each attempt: a flag set after the alert was raised still counts.
        found = store.person(session, row.payload)
        if found is None or found[1]:
            skip = rules.DO_NOT_CONTACT if found is not None else "the person no longer exists"
    elif row.channel == Channel.WEBHOOK:
        # The same for a webhook about a person (the playbook decides in ``send``).
        found = store.person(session, row.payload)
        about_flagged = found is not None and found[1]
    document = {
        "id": row.outbox_id,
        "kind": row.kind,
        "idempotency_key": row.idempotency_key,
        "created_at": row.created_at.isoformat(),
        "recipient_user_id": row.recipient_user_id,
        "title": messages.title(row.kind, row.payload, locale),
        "payload": row.payload,
    }
    return Job(
        delivery_id=row.id,
        channel=row.channel,
        target=row.target,
        attempt=row.attempts + 1,
        alert=document,
        idempotency_key=row.idempotency_key,
        skip_reason=skip,
        about_do_not_contact=about_flagged,
    )


class Deliveries:
    """Claims, sends and records channel deliveries against one database."""

    def __init__(self, database: Database, *, smtp_url: str | None, locale: str) -> None:
        self.database = database
        self.smtp = email.SmtpConfig.parse(smtp_url) if smtp_url else None
        self.locale = locale
        # On PostgreSQL the claim's transaction is kept open while its jobs are sent.
        self.hold_lock = not database.is_sqlite

    def claim(
        self,
        now: datetime,
        limit: int,
        *,
        exclude_ids: set[int],
        busy_targets: set[tuple[str, str]],
        busy_channels: set[str],
    ) -> Batch | None:
        uow = self.database.uow(write=self.hold_lock)
        try:
            found = store.claim_deliveries(
                uow.session, now, limit, exclude_ids=exclude_ids, busy_targets=busy_targets,
                busy_channels=busy_channels,
            )  # fmt: skip
            jobs = [_job(uow.session, row, locale=self.locale) for row in found]
        except BaseException:
            uow.__exit__(None, None, None)
            raise
        if not jobs or not self.hold_lock:
            uow.__exit__(None, None, None)
            return Batch(jobs) if jobs else None
        return Batch(jobs, uow)

    def release(self, batch: Batch) -> None:
        """Give the batch's rows back untouched: they are sent again later."""
        if batch.uow is not None:
            batch.uow.__exit__(None, None, None)

    def send(self, job: Job, playbook: Playbook) -> Result:
        if job.skip_reason:
            return Result(False, error=job.skip_reason, skipped=True)
        timeout = playbook.alerts.timeout_seconds
        if job.channel == Channel.WEBHOOK:
            if job.about_do_not_contact and not playbook.privacy.webhooks_about_do_not_contact:
                return Result(False, error=rules.DO_NOT_CONTACT, skipped=True)
            hook = next((w for w in playbook.alerts.webhooks if w.name == job.target), None)
            if hook is None or not hook.enabled:
                return Result(False, error=f"webhook {job.target} is off or gone", skipped=True)
            try:
                call = webhooks.prepare(
                    hook, job.alert, idempotency_key=job.idempotency_key,
                    delivery_id=job.delivery_id, attempt=job.attempt,
                )  # fmt: skip
            except webhooks.SecretMissing as exc:
                return Result(False, error=str(exc))
            return webhooks.post(call, timeout=timeout)
        if self.smtp is None:
            return Result(False, error="BASCULE_SMTP_URL is not set in the worker")
        payload = job.alert["payload"]
        if job.channel == Channel.PERSON_EMAIL:
            subject, text = str(payload.get("subject", "")), str(payload.get("body", ""))
        else:
            kind, key = job.alert["kind"], job.idempotency_key
            subject = "[Bascule] " + job.alert["title"]
            text = messages.email_body(kind, payload, key, self.locale)
        msg = email.build(
            self.smtp, to=job.target, subject=subject, body=text,
            idempotency_key=job.idempotency_key,
        )  # fmt: skip
        return email.send(self.smtp, msg, timeout=timeout)

    def record(self, batch: Batch, playbook: Playbook, now: datetime) -> list[Status]:
        """Write the outcome of every job of the batch that was sent, in one transaction (on
        PostgreSQL the claim's, which still holds the rows' locks)."""
        outcomes, log_lines, statuses = [], [], []
        for job in batch.jobs:
            if job.result is None:
                continue
            outcome, line = _outcome(job, job.result, playbook, now)
            outcomes.append(outcome)
            log_lines.append(line)
            statuses.append(Status(outcome["status"]))
        with batch.uow or self.database.uow(write=True) as uow:
            store.record_outcomes(uow.session, outcomes, log_lines, durable=False)
            uow.commit()
        return statuses


def _outcome(
    job: Job, result: Result, playbook: Playbook, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The delivery's new state and its line in the delivery log."""
    after = rules.after_attempt(result, attempt=job.attempt, rules=playbook.alerts, now=now)
    delivered = after.status == Status.DELIVERED
    if after.status == Status.DEAD:
        log.warning(
            "delivery %s (%s %s) is a dead letter after %s attempts: %s",
            job.delivery_id, job.channel, job.target, job.attempt, result.error,
        )  # fmt: skip
    state = {
        "id": job.delivery_id,
        "status": after.status.value,
        "attempts": job.attempt,
        "delivered_at": now if delivered else None,
        "last_error": None if delivered else result.error,
        "next_attempt_at": after.next_attempt_at or now,
    }
    line = {
        "delivery_id": job.delivery_id,
        "attempt": job.attempt,
        "at": now,
        "outcome": after.outcome,
        "status_code": result.status_code,
        "error": result.error,
        "duration_ms": result.duration_ms,
    }
    return state, line
