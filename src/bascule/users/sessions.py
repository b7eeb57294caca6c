"""Web sessions: a browser signed in as a user, kept in the database (``web_session``).

The cookie carries a random id; the table keeps its SHA-256 only. A session ends when it has
seen no request for ``idle`` (default 12 h), ``absolute`` after sign-in whatever happens, when
the user signs out, when their password changes, or when they are deactivated."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bascule.config import Settings
from bascule.storage import tables as t
from bascule.storage import web_sessions as store
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.throttle import FORGET_AFTER

# The cookie carrying the session id (read by the web pages and by the alerts' event stream).
COOKIE = "bascule_session"

# Writing ``last_seen_at`` on every page would make each read a write: once a minute is
# precise enough for an idle limit counted in hours.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta

    @staticmethod
    def of_hours(idle: float, absolute: float) -> SessionPolicy:
        return SessionPolicy(timedelta(hours=idle), timedelta(hours=absolute))

    @staticmethod
    def of(settings: Settings) -> SessionPolicy:
        return SessionPolicy.of_hours(settings.session_idle_hours, settings.session_absolute_hours)


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(uow: UnitOfWork, *, user_id: int, now: datetime, policy: SessionPolicy) -> str:
    """Open a session for the user; the id returned goes into the cookie and nowhere else."""
    session_id = secrets.token_urlsafe(32)
    uow.session.add(
        t.WebSession(
            id_hash=id_hash(session_id),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
        )
    )
    return session_id


def has_ended(row: t.WebSession, now: datetime, policy: SessionPolicy) -> bool:
    return now >= row.expires_at or now - row.last_seen_at >= policy.idle


def current_user(
    database: Database, session_id: str | None, *, now: datetime, policy: SessionPolicy
) -> t.User | None:
    """The active user the cookie's session belongs to, or None (and an ended session is
    deleted). Reads first; writes only to delete an ended session or to note activity."""
    if not session_id:
        return None
    key = id_hash(session_id)
    with database.uow() as uow:
        found = store.session_with_user(uow.session, key)
        if found is None:
            return None
        row, user = found
        ended = has_ended(row, now, policy) or not user.is_active
        stale = now - row.last_seen_at >= TOUCH_EVERY
        row_id = row.id
        uow.session.expunge(user)  # the caller reads the user after this transaction
    if ended:
        with database.uow(write=True) as uow:
            store.delete_by_hash(uow.session, key)
            uow.commit()
        return None
    if stale:
        with database.uow(write=True) as uow:
            store.touch(uow.session, row_id, now)
            uow.commit()
    return user


def end(uow: UnitOfWork, session_id: str | None) -> None:
    if session_id:
        store.delete_by_hash(uow.session, id_hash(session_id))


def end_all(uow: UnitOfWork, *, user_id: int) -> int:
    return store.delete_for_user(uow.session, user_id)


def purge(uow: UnitOfWork, *, now: datetime, policy: SessionPolicy) -> int:
    """Delete the sessions that have ended (the worker may call it; nothing depends on it)."""
    return store.delete_ended(uow.session, now, now - policy.idle)


def purge_tick(database: Database, now: datetime) -> None:
    """The worker's clean-up: sessions past their absolute expiry, and failed-sign-in counters
    already forgotten (an hour without failure) that block nothing. A session ended by idleness
    is refused at once by ``current_user``; its row goes at its absolute expiry, since the
    worker does not know the API processes' idle setting."""
    with database.uow(write=True) as uow:
        store.delete_expired(uow.session, now)
        store.delete_quiet_throttles(uow.session, now - FORGET_AFTER, now)
        uow.commit()
