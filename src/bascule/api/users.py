"""User availability endpoints (admin): out of office, back, deactivate, activate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bascule.api.errors import ACTION, ONE, SIGNED_IN, WRITE
from bascule.api.schemas.users import AwayBody, DeactivationRead, UserRead
from bascule.http.deps import CurrentActor, Now, PathId, PlaybookDep, WriteUow
from bascule.users import availability

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=SIGNED_IN)


@router.post("/{user_id}/away", response_model=UserRead, responses=ONE | WRITE)
def set_away(
    user_id: PathId, body: AwayBody, uow: WriteUow, actor: CurrentActor, playbook: PlaybookDep,
    now: Now,
) -> dict[str, Any]:  # fmt: skip
    user = availability.find(uow, actor=actor, user_id=user_id)
    start = availability.parse_when(body.from_, "from")
    end = availability.parse_when(body.until, "until")
    availability.set_away(
        uow, user=user, start=start, end=end, actor=actor, playbook=playbook, now=now
    )
    uow.commit()
    return availability.to_read(user, now)


@router.delete("/{user_id}/away", response_model=UserRead, responses=ONE | ACTION)
def set_back(user_id: PathId, uow: WriteUow, actor: CurrentActor, now: Now) -> dict[str, Any]:
    user = availability.find(uow, actor=actor, user_id=user_id)
    availability.set_back(uow, user=user, actor=actor, now=now)
    uow.commit()
    return availability.to_read(user, now)


@router.post("/{user_id}/deactivate", response_model=DeactivationRead, responses=ONE | ACTION)
def deactivate(
    user_id: PathId, uow: WriteUow, actor: CurrentActor, playbook: PlaybookDep, now: Now
) -> dict[str, Any]:
    user = availability.find(uow, actor=actor, user_id=user_id)
    done = availability.deactivate(uow, user=user, actor=actor, playbook=playbook, now=now)
    uow.commit()
    return availability.deactivation_to_read(done, now)


@router.post("/{user_id}/activate", response_model=UserRead, responses=ONE | ACTION)
def activate(user_id: PathId, uow: WriteUow, actor: CurrentActor, now: Now) -> dict[str, Any]:
    user = availability.find(uow, actor=actor, user_id=user_id)
    availability.activate(uow, user=user, actor=actor, now=now)
    uow.commit()
    return availability.to_read(user, now)
