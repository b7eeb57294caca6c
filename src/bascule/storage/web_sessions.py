"""Queries on web sessions and sign-in counters (``users.sessions`` decides what they mean)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bascule.storage import tables as t


def session_with_user(session: Session, id_hash: str) -> tuple[t.WebSession, t.User] | None:
    row = session.execute(
        select(t.WebSession, t.User)
        .join(t.User, t.User.id == t.WebSession.user_id)
        .where(t.WebSession.id_hash == id_hash)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def touch(session: Session, session_id: int, now: datetime) -> None:
    session.execute(
        update(t.WebSession).where(t.WebSession.id == session_id).values(last_seen_at=now)
    )


def delete_by_hash(session: Session, id_hash: str) -> int:
    result = session.execute(delete(t.WebSession).where(t.WebSession.id_hash == id_hash))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_for_user(session: Session, user_id: int) -> int:
    result = session.execute(delete(t.WebSession).where(t.WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_ended(session: Session, now: datetime, idle_since: datetime) -> int:
    result = session.execute(
        delete(t.WebSession).where(
            (t.WebSession.expires_at <= now) | (t.WebSession.last_seen_at <= idle_since)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def throttles(session: Session, keys: list[str], *, lock: bool) -> dict[str, t.SignInThrottle]:
    query = select(t.SignInThrottle).where(t.SignInThrottle.key.in_(keys))
    if lock:
        query = query.with_for_update()
    return {row.key: row for row in session.execute(query).scalars()}


def forget_throttle(session: Session, key: str) -> None:
    session.execute(delete(t.SignInThrottle).where(t.SignInThrottle.key == key))


def delete_expired(session: Session, now: datetime) -> int:
    result = session.execute(delete(t.WebSession).where(t.WebSession.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_quiet_throttles(session: Session, failed_before: datetime, now: datetime) -> int:
    """Counters whose last failure is older than ``failed_before`` and that block nothing."""
    quiet = (t.SignInThrottle.last_failure_at <= failed_before) & (
        t.SignInThrottle.blocked_until.is_(None) | (t.SignInThrottle.blocked_until <= now)
    )
    result = session.execute(delete(t.SignInThrottle).where(quiet))
    return int(getattr(result, "rowcount", 0) or 0)
