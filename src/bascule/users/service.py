"""Users, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from bascule.accounts.identity import check_email
from bascule.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, Role

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
) -> t.User:
    normalised, err = check_email(email)
    if err or normalised is None:
        raise ValidationFailed(f"invalid e-mail: {err}", fields={"email": err or "required"})
    try:
        role_value = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            f"unknown role {role!r}", fields={"role": f"must be one of {roles}"}
        ) from None
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
    return user


def create_token(uow: UnitOfWork, *, email: str, label: str | None, now: datetime) -> str:
    """Make a new API token; only its hash is stored, so it is shown once."""
    user = repo.user_by_email(uow.session, email)
    if user is None:
        raise NotFound(f"user {email} not found", fields={"email": "no such user"})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    uow.session.add(
        t.ApiToken(user_id=user.id, token_hash=hash_token(token), label=label, created_at=now)
    )
    return token


def authenticate(uow: UnitOfWork, token: str | None) -> t.User:
    if not token:
        raise Unauthorized("a bearer token is required", fields={"Authorization": "missing"})
    user = repo.user_by_token_hash(uow.session, hash_token(token))
    if user is None:
        raise Unauthorized("invalid or revoked token", fields={"Authorization": "invalid"})
    return user


def actor_for(user: t.User) -> Actor:
    return Actor(user_id=user.id, role=Role(user.role), name=user.name)
