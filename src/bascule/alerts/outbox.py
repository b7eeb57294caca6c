"""The transactional outbox (SPEC §8, DESIGN): an alert is a row written in the same
transaction as the change that caused it, so nothing is lost if a process dies. Delivery
(in-app, e-mail, webhooks) reads these rows later; nothing is sent from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bascule.storage import outbox as store
from bascule.storage.uow import UnitOfWork

MAX_KEY_LENGTH = 120  # the column's size


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

    ``recipient_user_id`` may be None while nobody owns the record yet: delivery then decides
    who is told (routing comes later)."""
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise ValueError(f"an outbox idempotency key has 1 to {MAX_KEY_LENGTH} characters")
    return store.insert_once(
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
