"""The audit log (SPEC §18): ``GET /api/v1/audit``, filtered and paginated. Admin and sales_ops
read every row; others the rows about the records they may read."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from bascule.api.errors import SIGNED_IN
from bascule.audit import reading
from bascule.http.deps import CurrentActor, PlaybookDep, QueryId, ReadUow

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=SIGNED_IN)

Entity = Literal[
    "lead", "opportunity", "account", "contact", "playbook", "user", "token", "team", "form",
    "import",
]  # fmt: skip


class AuditRead(BaseModel):
    id: int
    at: dt.datetime
    entity: str
    entity_id: int
    action: str
    actor_user_id: int | None
    actor_rule: str | None
    actor_name: str | None
    changes: dict[str, Any]
    reason: str | None


class AuditPage(BaseModel):
    items: list[AuditRead]
    total: int
    page: int
    page_size: int


@router.get("", response_model=AuditPage)
def audit_log(
    uow: ReadUow,
    actor: CurrentActor,
    playbook: PlaybookDep,
    entity: Entity | None = None,
    entity_id: QueryId | None = None,
    actor_id: Annotated[QueryId | None, Query(alias="actor")] = None,
    from_: Annotated[dt.date | None, Query(alias="from")] = None,
    to: dt.date | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Who changed what, when and why, newest first. ``entity`` and ``entity_id``: one kind of
    record, one record; ``actor``: a user's id; ``from`` and ``to``: days of the company's
    calendar, both included (unbounded when not given)."""
    since, until = reading.days(playbook, from_, to)
    query = reading.AuditQuery(entity, entity_id, actor_id, since, until, page, page_size)
    items, total = reading.search(uow, query, actor=actor, playbook=playbook)
    return {"items": items, "total": total, "page": page, "page_size": page_size}
