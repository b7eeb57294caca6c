"""API tokens (SPEC §18): one's own tokens (an admin: anyone's), and their revocation."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from bascule.api.errors import ONE, SIGNED_IN, WRITE
from bascule.api.schemas.common import Input
from bascule.errors import Forbidden
from bascule.http.deps import CurrentActor, Now, PathId, QueryId, ReadUow, WriteUow
from bascule.users import tokens
from bascule.users.model import Role

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"], responses=SIGNED_IN)


class TokenRead(BaseModel):
    id: int
    prefix: str | None
    user_id: int
    user_email: str
    label: str | None
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    state: str


class RevokeBody(Input):
    reason: Annotated[str, Field(max_length=500)] | None = None


NO_REASON = RevokeBody()


@router.get("", response_model=list[TokenRead])
def list_tokens(
    uow: ReadUow, actor: CurrentActor, now: Now, user_id: QueryId | None = None,
    all_users: Annotated[bool, Query(alias="all")] = False,
) -> list[dict[str, Any]]:  # fmt: skip
    """The caller's tokens (never the tokens themselves: their prefix, label, dates and
    state). An admin may ask for one user's (``user_id``) or everyone's (``all=true``)."""
    wanted = actor.user_id if not (user_id or all_users) else (None if all_users else user_id)
    if wanted != actor.user_id and actor.role != Role.ADMIN:
        raise Forbidden("only an admin lists other users' tokens", fields={"user_id": "not you"})
    return [tokens.to_read(tok, email, now) for tok, email in tokens.listed(uow, user_id=wanted)]


@router.post("/{token_id}/revoke", response_model=TokenRead, responses=ONE | WRITE)
def revoke_token(
    token_id: PathId, uow: WriteUow, actor: CurrentActor, now: Now, body: RevokeBody = NO_REASON
) -> dict[str, Any]:
    """Revoke one of one's tokens (an admin: anyone's). Revoking it again changes nothing."""
    reason = body.reason
    [token] = tokens.revoke(uow, actor=actor, now=now, token_id=token_id, reason=reason)
    result = tokens.one_to_read(uow, token, now)
    uow.commit()
    return result
