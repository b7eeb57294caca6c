"""Health, the caller's identity and the active playbook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bascule.http.deps import CurrentActor, PlaybookDep

router = APIRouter(prefix="/api/v1", tags=["meta"])


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/me")
def me(actor: CurrentActor) -> dict[str, Any]:
    return {"id": actor.user_id, "name": actor.name, "role": actor.role}


@router.get("/playbook")
def playbook(actor: CurrentActor, active: PlaybookDep) -> dict[str, Any]:
    return active.model_dump(mode="json")
