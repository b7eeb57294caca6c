"""Signing in with an e-mail and a password, and setting a password.

Failed attempts are counted per account and per client address (``users.throttle`` says how
long each blocks); a blocked key refuses the attempt before the password is even checked.
Every refusal looks the same to the visitor: they are not told whether the account exists,
the password was wrong or they must wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bascule.errors import NotFound
from bascule.storage import IntegrityError
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage import web_sessions as store
from bascule.storage.uow import Database, UnitOfWork
from bascule.users import passwords, sessions, throttle
from bascule.users.sessions import SessionPolicy


@dataclass(frozen=True)
class Attempt:
    """A sign-in's result: the session id for the cookie, or None when refused."""

    session_id: str | None
    user_id: int | None = None

    @property
    def accepted(self) -> bool:
        return self.session_id is not None


def set_password(uow: UnitOfWork, *, email: str, password: str) -> t.User:
    """Give the user a new password; their open sessions end (whoever held them is out)."""
    user = repo.user_by_email(uow.session, email)
    if user is None:
        raise NotFound(f"user {email.strip().lower()} not found", fields={"email": "no such user"})
    user.password_hash = passwords.hash_password(password)
    sessions.end_all(uow, user_id=user.id)
    return user


def throttle_keys(email: str, address: str | None) -> list[str]:
    keys = [f"account:{email.strip().lower()[:280]}"]
    if address:
        keys.append(f"address:{address[:280]}")
    return keys


def sign_in(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    address: str | None,
    now: datetime,
    policy: SessionPolicy,
) -> Attempt:
    """Check the credentials and open a session. Needs a write unit of work, to be committed
    whatever the outcome (a failure is recorded)."""
    keys = throttle_keys(email, address)
    rows = store.throttles(uow.session, keys, lock=True)
    if any(throttle.is_blocked(_count(rows.get(key)), now) for key in keys):
        return Attempt(None)
    user = repo.user_by_email(uow.session, email) if email.strip() else None
    stored = user.password_hash if user is not None and user.is_active else None
    if user is None or not passwords.verify(stored, password):
        _record_failure(uow, rows, keys, now)
        return Attempt(None)
    assert stored is not None  # verify() is False without a hash
    if passwords.needs_rehash(stored):
        user.password_hash = passwords.rehash(password)
    # The account's count starts again; the address's does not, or one valid account would
    # let its holder try others' passwords without limit.
    store.forget_throttle(uow.session, keys[0])
    return Attempt(sessions.start(uow, user_id=user.id, now=now, policy=policy), user.id)


def attempt(
    database: Database,
    *,
    email: str,
    password: str,
    address: str | None,
    now: datetime,
    policy: SessionPolicy,
) -> Attempt:
    """``sign_in`` in its own transaction, committed whatever the outcome. Two processes
    counting the first failure of the same key at once both insert its row: the loser tries
    again and finds the row."""
    for last_try in (False, True):
        try:
            with database.uow(write=True) as uow:
                result = sign_in(
                    uow, email=email, password=password, address=address, now=now, policy=policy
                )
                uow.commit()
                return result
        except IntegrityError:
            if last_try:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _count(row: t.SignInThrottle | None) -> throttle.Count | None:
    if row is None:
        return None
    return throttle.Count(row.failures, row.last_failure_at, row.blocked_until)


def _record_failure(
    uow: UnitOfWork, rows: dict[str, t.SignInThrottle], keys: list[str], now: datetime
) -> None:
    for key in keys:
        row = rows.get(key)
        count = throttle.after_failure(_count(row), key, now)
        if row is None:
            row = t.SignInThrottle(key=key, failures=0, last_failure_at=now)
            uow.session.add(row)
        row.failures = count.failures
        row.last_failure_at = count.last_failure_at
        row.blocked_until = count.blocked_until
