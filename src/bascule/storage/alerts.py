"""Alert queries: claiming outbox rows and channel deliveries, the delivery log, in-app reads.

Claims take ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers share the queue
without handing one row to two of them; on SQLite one worker runs (a lock file, see
``bascule.worker``) and its write transaction (``BEGIN IMMEDIATE``) is the lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, insert, not_, select, text, update
from sqlalchemy.orm import Session

from bascule.storage import tables as t

# LISTEN/NOTIFY channels (PostgreSQL): a new outbox row, an alert delivered in-app.
OUTBOX_CHANNEL = "bascule_outbox"
ALERTS_CHANNEL = "bascule_alerts"


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def notify(session: Session, channel: str, *payloads: str) -> None:
    """PostgreSQL NOTIFY (one per payload, in one statement), sent when the caller's
    transaction commits, never before."""
    if _is_pg(session):
        session.execute(
            text("SELECT pg_notify(:c, p) FROM unnest(CAST(:ps AS text[])) AS p"),
            {"c": channel, "ps": list(payloads or ("",))},
        )


# --- fan-out: outbox rows -> in-app + channel deliveries ---------------------------------------


def claim_pending_alerts(session: Session, now: datetime, limit: int) -> list[t.Outbox]:
    statement = (
        select(t.Outbox)
        .where(t.Outbox.status == "pending", t.Outbox.next_attempt_at <= now)
        .order_by(t.Outbox.next_attempt_at, t.Outbox.id)  # ix_outbox_pending
        .limit(limit)
    )
    if _is_pg(session):
        statement = statement.with_for_update(skip_locked=True)
    return list(session.execute(statement).scalars())


def claim_alert(session: Session, alert_id: int) -> t.Outbox | None:
    """One pending outbox row, locked (used to retry a batch row by row)."""
    statement = select(t.Outbox).where(t.Outbox.id == alert_id, t.Outbox.status == "pending")
    if _is_pg(session):
        statement = statement.with_for_update(skip_locked=True)
    return session.execute(statement).scalar_one_or_none()


def has_due_alerts(session: Session, now: datetime) -> bool:
    statement = (
        select(t.Outbox.id)
        .where(t.Outbox.status == "pending", t.Outbox.next_attempt_at <= now)
        .limit(1)
    )
    return session.execute(statement).first() is not None


def users_by_id(session: Session, ids: Iterable[int]) -> dict[int, t.User]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(t.User).where(t.User.id.in_(wanted))).scalars()
    return {u.id: u for u in rows}


def owners(
    session: Session, model: type[t.Lead] | type[t.Account], ids: Iterable[int]
) -> dict[int, int]:
    """``{id: owner_id}`` of leads or accounts (those without an owner are left out)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(model.id, model.owner_id).where(model.id.in_(wanted), model.owner_id.is_not(None))
    )
    return {row[0]: row[1] for row in rows if row[1] is not None}


def person(session: Session, payload: dict[str, Any]) -> tuple[str | None, bool] | None:
    """The e-mail and do-not-contact flag of the lead or contact a message is for."""
    for model, key in ((t.Lead, "lead_id"), (t.Contact, "contact_id")):
        value = payload.get(key)
        if isinstance(value, int):
            row = session.execute(
                select(model.email, model.do_not_contact).where(model.id == value)
            ).first()
            return None if row is None else (row[0], bool(row[1]))
    return None


def do_not_contact_ids(
    session: Session, lead_ids: Iterable[int], contact_ids: Iterable[int]
) -> tuple[set[int], set[int]]:
    """Which of these leads and contacts are marked do-not-contact (two small reads)."""
    found: list[set[int]] = []
    for model, ids in ((t.Lead, lead_ids), (t.Contact, contact_ids)):
        wanted = sorted(set(ids))
        rows: set[int] = set()
        if wanted:
            statement = select(model.id).where(model.id.in_(wanted), model.do_not_contact)
            rows = set(session.scalars(statement))
        found.append(rows)
    return found[0], found[1]


def add_deliveries(session: Session, rows: Sequence[dict[str, Any]]) -> list[Row[Any]]:
    """Insert delivery rows (one executemany); ``(id, status, last_error)`` of each."""
    if not rows:
        return []
    d = t.AlertDelivery
    statement = insert(d).returning(d.id, d.status, d.last_error, sort_by_parameter_order=True)
    return list(session.execute(statement, list(rows)))


# --- channel deliveries -----------------------------------------------------------------------


def claim_deliveries(
    session: Session,
    now: datetime,
    limit: int,
    *,
    exclude_ids: Iterable[int] = (),
    busy_targets: Iterable[tuple[str, str]] = (),
    busy_channels: Iterable[str] = (),
) -> list[Row[Any]]:
    """Up to ``limit`` due deliveries with their alert's fields (oldest first), skipping those
    in flight in this process and the targets (channel, target) or channels that already have
    enough calls in flight. On PostgreSQL the delivery rows stay locked until the transaction
    ends. Plain rows, not ORM objects: the worker goes through thousands of them."""
    d, o = t.AlertDelivery, t.Outbox
    conditions = [d.status == "pending", d.next_attempt_at <= now]
    excluded = sorted(set(exclude_ids))
    if excluded:
        conditions.append(d.id.not_in(excluded))
    channels = sorted(set(busy_channels))
    if channels:
        conditions.append(d.channel.not_in(channels))
    for channel, target in sorted(set(busy_targets)):
        conditions.append(not_(and_(d.channel == channel, d.target == target)))
    statement = (
        select(
            d.id,
            d.channel,
            d.target,
            d.attempts,
            d.outbox_id,
            o.kind,
            o.payload,
            o.idempotency_key,
            o.created_at,
            o.recipient_user_id,
        )
        .join(o, o.id == d.outbox_id)
        .where(*conditions)
        .order_by(d.next_attempt_at, d.id)  # ix_alert_delivery_due
        .limit(limit)
    )
    if _is_pg(session):
        statement = statement.with_for_update(skip_locked=True, of=d)
    return list(session.execute(statement))


def relax_durability(session: Session) -> None:
    """PostgreSQL: this transaction's commit does not wait for the disk. Only for bookkeeping
    whose loss in a server crash means doing the work again, which at-least-once allows."""
    if _is_pg(session):
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def record_outcomes(
    session: Session,
    outcomes: Sequence[dict[str, Any]],
    log: Sequence[dict[str, Any]],
    *,
    durable: bool = True,
) -> None:
    """Write attempts back: one executemany UPDATE by id, one INSERT into the delivery log.
    Each outcome has id, status, attempts, delivered_at, last_error and next_attempt_at.

    ``durable=False``: see ``relax_durability``; losing these outcomes means sending those
    deliveries again, and it spares a disk flush per batch."""
    if not durable:
        relax_durability(session)
    if outcomes:
        session.execute(update(t.AlertDelivery), list(outcomes))
    if log:
        session.execute(insert(t.AlertDeliveryAttempt), list(log))


def has_due_deliveries(session: Session, now: datetime) -> bool:
    statement = (
        select(t.AlertDelivery.id)
        .where(t.AlertDelivery.status == "pending", t.AlertDelivery.next_attempt_at <= now)
        .limit(1)
    )
    return session.execute(statement).first() is not None


def delivery(
    session: Session, delivery_id: int, *, for_update: bool = False
) -> t.AlertDelivery | None:
    statement = select(t.AlertDelivery).where(t.AlertDelivery.id == delivery_id)
    if for_update and _is_pg(session):
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def log_attempt(session: Session, **values: Any) -> None:
    session.add(t.AlertDeliveryAttempt(**values))


def deliveries(
    session: Session, *, status: str | None = None, alert_id: int | None = None, limit: int = 100
) -> list[tuple[t.AlertDelivery, t.Outbox]]:
    statement = select(t.AlertDelivery, t.Outbox).join(
        t.Outbox, t.Outbox.id == t.AlertDelivery.outbox_id
    )
    if status is not None:
        statement = statement.where(t.AlertDelivery.status == status)
    if alert_id is not None:
        statement = statement.where(t.AlertDelivery.outbox_id == alert_id)
    statement = statement.order_by(t.AlertDelivery.id.desc()).limit(limit)
    return [(row[0], row[1]) for row in session.execute(statement)]


def attempts(session: Session, delivery_id: int) -> list[t.AlertDeliveryAttempt]:
    statement = (
        select(t.AlertDeliveryAttempt)
        .where(t.AlertDeliveryAttempt.delivery_id == delivery_id)
        .order_by(t.AlertDeliveryAttempt.id)
    )
    return list(session.execute(statement).scalars())


# --- in-app -----------------------------------------------------------------------------------


def _in_app(user_id: int) -> list[Any]:
    return [t.Outbox.recipient_user_id == user_id, t.Outbox.delivered_at.is_not(None)]


def alerts_for_user(
    session: Session,
    user_id: int,
    *,
    unread: bool | None,
    kind: str | None,
    page: int,
    page_size: int,
) -> tuple[list[t.Outbox], int, int]:
    """A page of the user's delivered alerts (newest first), the total, and the unread count."""
    where = _in_app(user_id)
    if kind is not None:
        where.append(t.Outbox.kind == kind)
    listed = list(where)
    if unread is True:
        listed.append(t.Outbox.read_at.is_(None))
    elif unread is False:
        listed.append(t.Outbox.read_at.is_not(None))
    items = list(
        session.execute(
            select(t.Outbox)
            .where(*listed)
            .order_by(t.Outbox.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).scalars()
    )
    counts = session.execute(
        select(
            func.count(),
            func.count().filter(t.Outbox.read_at.is_(None)),
        ).where(*where)
    ).one()
    unread_count = int(counts[1])
    if unread is True:
        total = unread_count
    elif unread is False:
        total = int(counts[0]) - unread_count
    else:
        total = int(counts[0])
    return items, total, unread_count


def alert_for_user(session: Session, user_id: int, alert_id: int) -> t.Outbox | None:
    return session.execute(
        select(t.Outbox).where(t.Outbox.id == alert_id, *_in_app(user_id))
    ).scalar_one_or_none()


def mark_read(session: Session, user_id: int, alert_id: int, now: datetime) -> None:
    session.execute(
        update(t.Outbox)
        .where(t.Outbox.id == alert_id, *_in_app(user_id), t.Outbox.read_at.is_(None))
        .values(read_at=now)
    )


def alerts_after(session: Session, user_id: int, after_id: int, limit: int) -> list[t.Outbox]:
    """Alerts delivered to the user with an id above ``after_id`` (an SSE client resuming)."""
    return list(
        session.execute(
            select(t.Outbox)
            .where(*_in_app(user_id), t.Outbox.id > after_id)
            .order_by(t.Outbox.id)
            .limit(limit)
        ).scalars()
    )


def delivered_since(
    session: Session, since: datetime, limit: int = 1000
) -> list[tuple[int, int, datetime]]:
    """``(id, user_id, delivered_at)`` of in-app alerts delivered at or after ``since``."""
    rows = session.execute(
        select(t.Outbox.id, t.Outbox.recipient_user_id, t.Outbox.delivered_at)
        .where(t.Outbox.delivered_at >= since, t.Outbox.recipient_user_id.is_not(None))
        .order_by(t.Outbox.delivered_at, t.Outbox.id)
        .limit(limit)
    )
    return [(row[0], row[1] or 0, row[2] or since) for row in rows]
