"""Users, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from bascule.accounts.identity import check_email
from bascule.audit import service as audit
from bascule.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.db import utcnow
from bascule.storage.uow import UnitOfWork
from bascule.users import tokens
from bascule.users.model import Actor, Role, require

# Who acts when nobody signed in does: the operator at the command line.
CLI = Actor(user_id=None, role=None, rule="cli", name="cli")

TOKEN_PREFIX = "bsc_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    uow: UnitOfWork,
    *,
    email: str,
    role: str,
    name: str | None = None,
    team: str | None = None,
    manager_email: str | None = None,
    now: datetime,
    actor: Actor = CLI,
    reason: str | None = None,
) -> t.User:
    """A new active user (their team created if new). Audited, the team's creation too."""
    require(actor, "user.manage")
    normalised, err = check_email(email)
    faults: dict[str, str] = {}
    said: list[str] = []
    if err or normalised is None:
        faults["email"] = err or "required"
        said.append(f"invalid e-mail: {err}")
    if role not in set(Role):
        faults["role"] = f"must be one of {', '.join(r.value for r in Role)}"
        said.append(f"unknown role {role!r}, {faults['role']}")
    if faults:  # every fault at once, for a form to show each beside its field
        raise ValidationFailed("; ".join(said), fields=faults)
    assert normalised is not None
    role_value = Role(role)
    email_key = normalised.lower()
    if repo.user_by_email(uow.session, email_key) is not None:
        raise Conflict(f"user {email_key} already exists", fields={"email": "already exists"})
    manager = None
    if manager_email:
        manager = repo.user_by_email(uow.session, manager_email)
        if manager is None:
            raise NotFound(f"manager {manager_email} not found", fields={"manager": "no such user"})
    team_row = None
    if team:
        team_row = repo.team_by_name(uow.session, team)
        if team_row is None:
            team_row = t.Team(name=team)
            uow.session.add(team_row)
            uow.session.flush()
            audit.record(
                uow, actor=actor, entity="team", entity_id=team_row.id, action="create",
                changes={"name": [None, team]}, reason=reason, now=now,
            )  # fmt: skip
    user = t.User(
        email=email_key,
        name=name or email_key.split("@", 1)[0],
        role=role_value.value,
        team_id=team_row.id if team_row else None,
        manager_id=manager.id if manager else None,
        is_active=True,
        created_at=now,
    )
    uow.session.add(user)
    uow.session.flush()
    if team_row is not None and manager is not None and team_row.manager_id is None:
        team_row.manager_id = manager.id
        audit.record(
            uow, actor=actor, entity="team", entity_id=team_row.id, action="update",
            changes={"manager_id": [None, manager.id]}, reason=reason, now=now,
        )  # fmt: skip
    audit.record(
        uow, actor=actor, entity="user", entity_id=user.id, action="create",
        changes={
            "email": [None, user.email], "role": [None, user.role],
            "team_id": [None, user.team_id], "manager_id": [None, user.manager_id],
        },
        reason=reason, now=now,
    )  # fmt: skip
    return user


def create_token(
    uow: UnitOfWork,
    *,
    email: str,
    label: str | None,
    now: datetime,
    expires_at: datetime | None = None,
    actor: Actor | None = None,
    reason: str | None = None,
) -> str:
    """Make a new API token (ending at ``expires_at``, if given); only its hash is stored, so
    it is shown once. Audited (``actor``: who made it; the command line by default)."""
    user = repo.user_by_email(uow.session, email.strip().lower())
    if user is None:
        raise NotFound(f"user {email} not found", fields={"email": "no such user"})
    if actor is not None and actor.role not in (None, Role.ADMIN) and actor.user_id != user.id:
        raise Forbidden("only an admin makes tokens for others", fields={"email": "not you"})
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("a token must end later", fields={"expires_in": "in the past"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tokens.add(
        uow, user=user, token=token, token_hash=hash_token(token), label=label,
        expires_at=expires_at, actor=actor or CLI, reason=reason, now=now,
    )  # fmt: skip
    return token


def authenticate(uow: UnitOfWork, token: str | None, *, now: datetime | None = None) -> t.User:
    return authenticated(uow, token, now=now or utcnow()).user


def authenticated(uow: UnitOfWork, token: str | None, *, now: datetime) -> tokens.Authenticated:
    """The token's user (``Unauthorized`` if missing, unknown, revoked or expired), and
    whether its last use is worth writing (``tokens.touch``, once a minute at most)."""
    if not token:
        raise Unauthorized("a bearer token is required", fields={"Authorization": "missing"})
    return tokens.check(repo.token_with_user(uow.session, hash_token(token)), now)


def actor_for(user: t.User) -> Actor:
    return Actor(user_id=user.id, role=Role(user.role), name=user.name)
