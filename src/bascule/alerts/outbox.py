"""The transactional outbox (SPEC §8, DESIGN): an alert is a row written in the same
transaction as the change that caused it, so nothing is lost if a process dies. Delivery
(in-app, e-mail, webhooks) reads these rows later; nothing is sent from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bascule.storage import alerts as alert_store
from bascule.storage import outbox as store
from bascule.storage.uow import UnitOfWork

MAX_KEY_LENGTH = 120  # the column's size
_NOTIFIED = "bascule.outbox.notified"  # session.info: the transaction that sent NOTIFY


def enqueue(
    uow: UnitOfWork,
    *,
    kind: str,
    recipient_user_id: int | None,
    payload: dict[str, Any],
    idempotency_key: str,
    now: datetime,
    channel: str = "in_app",
) -> bool:
    """Write one pending alert in the caller's transaction; False when an alert with this
    idempotency key already exists (it is not written twice).

    ``channel``: "in_app" for an alert to a user (shown in-app, e-mailed to the user and sent
    to the webhooks subscribed to ``kind``); "person_email" for a message to a lead or contact
    (see ``enqueue_message_to_person``).

    ``recipient_user_id`` may be None while nobody owns the record yet: delivery then decides
    who is told (routing comes later)."""
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise ValueError(f"an outbox idempotency key has 1 to {MAX_KEY_LENGTH} characters")
    inserted = store.insert_once(
        uow.session,
        {
            "kind": kind,
            "channel": channel,
            "recipient_user_id": recipient_user_id,
            "payload": payload,
            "idempotency_key": idempotency_key,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
        },
    )
    transaction = uow.session.get_transaction()
    if inserted and uow.session.info.get(_NOTIFIED) is not transaction:
        # PostgreSQL: wakes the workers when the transaction commits (a no-op on SQLite,
        # where the worker polls); once per transaction, however many alerts it raises.
        alert_store.notify(uow.session, alert_store.OUTBOX_CHANNEL)
        uow.session.info[_NOTIFIED] = transaction
    return inserted


def enqueue_many(uow: UnitOfWork, alerts: Sequence[Mapping[str, Any]], *, now: datetime) -> None:
    """Many in-app alerts in one statement (a worker tick raising thousands): each is
    ``{"kind", "recipient_user_id", "payload", "idempotency_key"}``; an alert whose key
    exists already is skipped, as with ``enqueue``."""
    if not alerts:
        return
    rows = []
    for alert in alerts:
        key = alert["idempotency_key"]
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"an outbox idempotency key has 1 to {MAX_KEY_LENGTH} characters")
        rows.append(
            {
                "kind": alert["kind"],
                "channel": "in_app",
                "recipient_user_id": alert["recipient_user_id"],
                "payload": alert["payload"],
                "idempotency_key": key,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
        )
    store.insert_many_once(uow.session, rows)
    transaction = uow.session.get_transaction()
    if uow.session.info.get(_NOTIFIED) is not transaction:
        alert_store.notify(uow.session, alert_store.OUTBOX_CHANNEL)
        uow.session.info[_NOTIFIED] = transaction


def enqueue_message_to_person(
    uow: UnitOfWork,
    *,
    lead_id: int | None = None,
    contact_id: int | None = None,
    subject: str,
    body: str,
    idempotency_key: str,
    now: datetime,
) -> bool:
    """An e-mail to a lead or contact (not to a user). The worker sends it unless the person
    is marked do-not-contact when it is sent (the delivery is then ``skipped``, and logged)."""
    if (lead_id is None) == (contact_id is None):
        raise ValueError("a message goes to one lead or one contact")
    person = {"lead_id": lead_id} if lead_id is not None else {"contact_id": contact_id}
    return enqueue(
        uow,
        kind="message",
        recipient_user_id=None,
        payload=person | {"subject": subject, "body": body},
        idempotency_key=idempotency_key,
        now=now,
        channel="person_email",
    )
