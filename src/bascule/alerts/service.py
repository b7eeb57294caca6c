"""Use cases on alerts: a user's in-app alerts (list, read), dead letters (list, replay)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bascule.alerts import messages
from bascule.alerts.rules import Status
from bascule.errors import Conflict, NotFound
from bascule.storage import alerts as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork


def to_read(alert: t.Outbox, locale: str) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "title": messages.title(alert.kind, alert.payload, locale),
        "payload": alert.payload,
        "created_at": alert.created_at,
        "delivered_at": alert.delivered_at,
        "read_at": alert.read_at,
        "read": alert.read_at is not None,
    }


def list_for_user(
    uow: UnitOfWork,
    *,
    user_id: int,
    unread: bool | None = None,
    kind: str | None = None,
    page: int = 1,
    page_size: int = 20,
    locale: str,
) -> dict[str, Any]:
    """The user's alerts delivered in-app, newest first (only the caller's, never others')."""
    items, total, unread_count = store.alerts_for_user(
        uow.session, user_id, unread=unread, kind=kind, page=page, page_size=page_size
    )
    return {
        "items": [to_read(a, locale) for a in items],
        "total": total,
        "unread": unread_count,
        "page": page,
        "page_size": page_size,
    }


def get_for_user(uow: UnitOfWork, *, user_id: int, alert_id: int) -> t.Outbox:
    alert = store.alert_for_user(uow.session, user_id, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} not found", fields={"id": "no such alert of yours"})
    return alert


def mark_read(uow: UnitOfWork, *, user_id: int, alert_id: int, now: datetime) -> t.Outbox:
    """Idempotent: reading an alert twice keeps the first read time."""
    get_for_user(uow, user_id=user_id, alert_id=alert_id)
    store.mark_read(uow.session, user_id, alert_id, now)
    uow.flush()
    uow.session.expire_all()
    return get_for_user(uow, user_id=user_id, alert_id=alert_id)


def after(uow: UnitOfWork, *, user_id: int, after_id: int, limit: int = 100) -> list[t.Outbox]:
    return store.alerts_after(uow.session, user_id, after_id, limit)


def deliveries(
    uow: UnitOfWork, *, status: str | None = None, alert_id: int | None = None, limit: int = 100
) -> list[tuple[t.AlertDelivery, t.Outbox]]:
    return store.deliveries(uow.session, status=status, alert_id=alert_id, limit=limit)


def attempts(uow: UnitOfWork, delivery_id: int) -> list[t.AlertDeliveryAttempt]:
    return store.attempts(uow.session, delivery_id)


def replay(uow: UnitOfWork, *, delivery_id: int, now: datetime) -> t.AlertDelivery:
    """Send a dead letter again: it is pending at once, with a fresh count of attempts; the
    replay is written in the delivery log."""
    delivery = store.delivery(uow.session, delivery_id, for_update=True)
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} not found", fields={"id": "no such delivery"})
    if delivery.status != Status.DEAD:
        raise Conflict(
            f"delivery {delivery_id} is {delivery.status}, not a dead letter",
            fields={"id": f"status is {delivery.status}"},
        )
    store.log_attempt(
        uow.session, delivery_id=delivery.id, attempt=delivery.attempts, at=now,
        outcome="replayed", error=delivery.last_error,
    )  # fmt: skip
    delivery.status = Status.PENDING.value
    delivery.attempts = 0
    delivery.next_attempt_at = now
    return delivery
