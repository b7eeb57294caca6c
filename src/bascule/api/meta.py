"""Health, the caller's identity and the active playbook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bascule.api.errors import SIGNED_IN, answers
from bascule.http.deps import CurrentActor, PlaybookDep, database
from bascule.storage import health as store

router = APIRouter(prefix="/api/v1", tags=["meta"])


class Health(BaseModel):
    status: str
    database: str | None = None
    reason: str | None = None


class Me(BaseModel):
    id: int | None
    name: str
    role: str | None


@router.get(
    "/health",
    response_model=Health,
    responses={
        503: {
            "model": Health,
            "description": "the database does not take writes: {status, database, reason}",
        },
        **answers(422),
    },
)
def health(request: Request) -> JSONResponse:
    """200 ``{"status": "ok"}`` when the database takes writes (a write rolled back), else 503
    with ``database: "not_writable"`` and the database's reason."""
    refused = store.check(database(request))
    if refused is None:
        return JSONResponse({"status": "ok"})
    body = {"status": "unavailable", "database": "not_writable", "reason": refused}
    return JSONResponse(body, status_code=503)


@router.get("/me", response_model=Me, responses=SIGNED_IN)
def me(actor: CurrentActor) -> dict[str, Any]:
    return {"id": actor.user_id, "name": actor.name, "role": actor.role}


@router.get("/playbook", responses=SIGNED_IN)
def playbook(actor: CurrentActor, active: PlaybookDep) -> dict[str, Any]:
    return active.model_dump(mode="json")
