"""API tokens that end (SPEC §18): an expiry, revocation (one token by its prefix, or every
token of a user), the last use, and the list of one's tokens. Every change is audited.

A token is ``bsc_`` and 43 random characters; its first ``PREFIX_LENGTH`` characters are kept
in clear to name it in lists and in ``bascule tokens revoke`` (far too few to guess the rest),
and only the SHA-256 of the whole is stored. ``last_used_at`` is written at most once a minute
(``TOUCH_EVERY``): a request does not become a write to say it happened."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bascule.audit import service as audit
from bascule.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, Role

PREFIX_LENGTH = 12
TOUCH_EVERY = timedelta(minutes=1)
_DURATION = re.compile(r"^\s*(\d{1,5})\s*([dhw])\s*$")
UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_duration(text: str) -> timedelta:
    """``90d``, ``12h``, ``2w``: a positive duration; ``ValidationFailed`` otherwise."""
    found = _DURATION.match(text or "")
    if not found or int(found.group(1)) == 0:
        raise ValidationFailed(
            f"not a duration: {text!r}", fields={"expires_in": "a number and d, h or w: 90d"}
        )
    return int(found.group(1)) * UNITS[found.group(2)]


def prefix_of(token: str) -> str:
    return token[:PREFIX_LENGTH]


@dataclass(frozen=True)
class Authenticated:
    user: t.User
    token_id: int
    # The last use is older than ``TOUCH_EVERY`` (or unknown): the caller writes it.
    stale: bool


def check(found: Any, now: datetime) -> Authenticated:
    """The token row and its user, as read by ``repo.token_with_user``: refused when unknown,
    revoked, expired or its user deactivated (the same answer for each: nothing to learn)."""
    if found is None:
        raise Unauthorized("invalid or revoked token", fields={"Authorization": "invalid"})
    user, token = found
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthorized("the token has expired", fields={"Authorization": "expired"})
    stale = token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY
    return Authenticated(user, token.id, stale)


def touch(uow: UnitOfWork, token_id: int, now: datetime) -> None:
    repo.touch_token(uow.session, token_id, now)


def _for_audit(token: t.ApiToken) -> dict[str, Any]:
    return {
        "prefix": [None, token.prefix],
        "label": [None, token.label],
        "expires_at": [None, audit.jsonable(token.expires_at)],
    }


def add(
    uow: UnitOfWork,
    *,
    user: t.User,
    token: str,
    token_hash: str,
    label: str | None,
    expires_at: datetime | None,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> t.ApiToken:
    row = t.ApiToken(
        user_id=user.id, token_hash=token_hash, label=label, created_at=now,
        prefix=prefix_of(token), expires_at=expires_at,
    )  # fmt: skip
    uow.session.add(row)
    uow.session.flush()
    audit.record(
        uow, actor=actor, entity="token", entity_id=row.id, action="create",
        changes={"user_id": [None, user.id], **_for_audit(row)}, reason=reason, now=now,
    )  # fmt: skip
    return row


def _may_manage(actor: Actor, token: t.ApiToken) -> bool:
    return actor.role is None or actor.role == Role.ADMIN or actor.user_id == token.user_id


def revoke(
    uow: UnitOfWork,
    *,
    actor: Actor,
    now: datetime,
    prefix: str | None = None,
    token_id: int | None = None,
    user_email: str | None = None,
    reason: str | None = None,
) -> list[t.ApiToken]:
    """Revoke one token (by ``prefix`` or ``token_id``) or every live token of a user. Only
    an admin, or the token's own user, may; someone else's token is not found."""
    session = uow.session
    if user_email is not None:
        user = repo.user_by_email(session, user_email.strip().lower())
        if user is None:
            raise NotFound(f"user {user_email} not found", fields={"user": "no such user"})
        found = repo.live_tokens(session, user_id=user.id)
        if found and not all(_may_manage(actor, tok) for tok in found):
            raise Forbidden(
                "only an admin may revoke another user's tokens", fields={"user": "not yours"}
            )
    else:
        one = repo.token_by(session, prefix=prefix, token_id=token_id)
        if one is None or not _may_manage(actor, one):
            what = prefix or token_id
            raise NotFound(f"token {what} not found", fields={"token": "no such token of yours"})
        found = [one]
    for token in found:
        if token.revoked_at is not None:
            continue  # revoked already: nothing changes, nothing to audit
        token.revoked_at = now
        audit.record(
            uow, actor=actor, entity="token", entity_id=token.id, action="revoke",
            changes={"revoked_at": [None, audit.jsonable(now)], "prefix": [token.prefix] * 2},
            reason=reason, now=now,
        )  # fmt: skip
    return found


def listed(uow: UnitOfWork, *, user_id: int | None) -> list[tuple[t.ApiToken, str]]:
    """Tokens (newest first) with their user's e-mail: one user's, or everyone's (None)."""
    return repo.tokens_with_email(uow.session, user_id=user_id)


def one_to_read(uow: UnitOfWork, token: t.ApiToken, now: datetime) -> dict[str, Any]:
    user = uow.session.get(t.User, token.user_id)
    return to_read(token, user.email if user is not None else "", now)


def to_read(token: t.ApiToken, email: str, now: datetime) -> dict[str, Any]:
    if token.revoked_at is not None:
        state = "revoked"
    elif token.expires_at is not None and token.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    return {
        "id": token.id,
        "prefix": token.prefix,
        "user_id": token.user_id,
        "user_email": email,
        "label": token.label,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "state": state,
    }
