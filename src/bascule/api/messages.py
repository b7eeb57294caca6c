"""E-mail to a person (SPEC §11): ``POST /api/v1/leads/{id}/messages`` and
``/contacts/{id}/messages`` queue an e-mail the worker sends. A person marked do-not-contact
gets none: 409 ``do_not_contact`` (and a message queued before the flag was set is skipped
when the worker comes to it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from bascule.alerts import person
from bascule.api.errors import ONE, SIGNED_IN, WRITE
from bascule.api.schemas.common import Input
from bascule.http.deps import CurrentActor, Now, PathId, WriteUow

# 409 do_not_contact: the person asked not to be; 422: no e-mail address, or a bad subject
# or body.
router = APIRouter(prefix="/api/v1", tags=["messages"], responses=SIGNED_IN)


class MessageBody(Input):
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    body: Annotated[str, Field(min_length=1, max_length=20_000)]


class MessageQueued(BaseModel):
    alert_id: int
    status: str = "queued"


@router.post(
    "/leads/{lead_id}/messages", response_model=MessageQueued,
    status_code=status.HTTP_202_ACCEPTED, responses=ONE | WRITE,
)  # fmt: skip
def message_lead(
    lead_id: PathId, body: MessageBody, uow: WriteUow, actor: CurrentActor, now: Now
) -> MessageQueued:
    alert_id = person.send(
        uow, lead_id=lead_id, subject=body.subject, body=body.body, actor=actor, now=now
    )
    uow.commit()
    return MessageQueued(alert_id=alert_id)


@router.post(
    "/contacts/{contact_id}/messages", response_model=MessageQueued,
    status_code=status.HTTP_202_ACCEPTED, responses=ONE | WRITE,
)  # fmt: skip
def message_contact(
    contact_id: PathId, body: MessageBody, uow: WriteUow, actor: CurrentActor, now: Now
) -> MessageQueued:
    alert_id = person.send(
        uow, contact_id=contact_id, subject=body.subject, body=body.body, actor=actor, now=now
    )
    uow.commit()
    return MessageQueued(alert_id=alert_id)
