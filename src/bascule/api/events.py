"""Signal endpoints: ``POST /api/v1/events`` (SPEC §13) and the signals of a lead, contact or
account.

A batch answers 200 whenever it was read: ``{"accepted", "pending", "rejected": [{"index",
"errors"}]}`` says which items were stored and why the others were not. A body that is not a
JSON array answers 400/422, more than 10,000 items or 10 MiB 413: nothing of it is stored.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from bascule.api.errors import ONE, SIGNED_IN, WRITE
from bascule.api.schemas.signals import EventBatchResult, EventIn, SignalPage
from bascule.errors import ValidationFailed
from bascule.http.deps import CurrentActor, Now, PathId, PlaybookDep, ReadUow, WriteUow
from bascule.signals import service as signals
from bascule.signals.model import MAX_BATCH

router = APIRouter(prefix="/api/v1", tags=["events"], responses=SIGNED_IN)
MAX_BODY_BYTES = 10 * 1024 * 1024
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]
_BATCH_SCHEMA = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "maxItems": MAX_BATCH,
                "items": EventIn.model_json_schema(),
            }
        }
    },
}


def _too_large(what: str) -> HTTPException:
    return HTTPException(413, f"{what}: send at most {MAX_BATCH} events and 10 MiB per batch")


async def event_batch(request: Request) -> list[Any]:
    """The decoded body, bounded while it streams in (a 1 GB upload is cut at 10 MiB)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large(f"the body has {declared} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large("the body is over 10 MiB")
        chunks.append(chunk)
    body = b"".join(chunks)
    try:
        data = json.loads(body) if size < 65536 else await run_in_threadpool(json.loads, body)
    except (ValueError, RecursionError) as exc:
        raise HTTPException(400, f"the body is not valid JSON: {str(exc)[:200]}") from None
    if not isinstance(data, list):
        raise ValidationFailed(
            "the body must be a JSON array of events",
            fields={"body": "a JSON array of {type, occurred_at, email | lead_id | contact_id, "
                    "properties}"},
        )  # fmt: skip
    if len(data) > MAX_BATCH:
        raise _too_large(f"the batch has {len(data)} events")
    return data


@router.post(
    "/events", response_model=EventBatchResult, openapi_extra={"requestBody": _BATCH_SCHEMA},
    responses=WRITE,
)  # fmt: skip
def post_events(
    actor: CurrentActor,  # first: the body of an unknown caller is never read
    items: Annotated[list[Any], Depends(event_batch)],
    uow: WriteUow,
    now: Now,
) -> dict[str, Any]:
    result = signals.ingest(uow, items=items, now=now)
    uow.commit()
    rejected = [{"index": r.index, "errors": r.errors} for r in result.rejected]
    return {"accepted": result.accepted, "pending": result.pending, "rejected": rejected}


@router.get("/leads/{lead_id}/signals", response_model=SignalPage, responses=ONE)
def lead_signals(
    lead_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, page: PageNo = 1,
    page_size: PageSize = 20,
) -> dict[str, Any]:  # fmt: skip
    items, total = signals.list_signals(
        uow, lead_id=lead_id, page=page, page_size=page_size, actor=actor, playbook=playbook
    )
    return _page(items, total, page, page_size)


@router.get("/contacts/{contact_id}/signals", response_model=SignalPage, responses=ONE)
def contact_signals(
    contact_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep,
    page: PageNo = 1, page_size: PageSize = 20,
) -> dict[str, Any]:  # fmt: skip
    items, total = signals.list_signals(
        uow, contact_id=contact_id, page=page, page_size=page_size, actor=actor,
        playbook=playbook,
    )  # fmt: skip
    return _page(items, total, page, page_size)


@router.get("/accounts/{account_id}/signals", response_model=SignalPage, responses=ONE)
def account_signals(
    account_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep,
    page: PageNo = 1, page_size: PageSize = 20,
) -> dict[str, Any]:  # fmt: skip
    items, total = signals.list_signals(
        uow, account_id=account_id, page=page, page_size=page_size, actor=actor,
        playbook=playbook,
    )  # fmt: skip
    return _page(items, total, page, page_size)


def _page(items: list[Any], total: int, page: int, page_size: int) -> dict[str, Any]:
    return {
        "items": [signals.to_read(s) for s in items],
        "total": total,
        "page": page,
        "page_size": page_size,
    }
