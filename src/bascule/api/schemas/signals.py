"""Behavioural signals (events) sent in batches, and how they read back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from bascule.api.schemas.common import Id, Input, Output, Page
from bascule.signals.model import LISTED_SIGNAL_TYPES


class EventIn(Input):
    """One item of ``POST /api/v1/events``. Documentation only: a batch of 10,000 is checked
    item by item by ``bascule.signals.model.check_item``, with the same rules."""

    type: Annotated[str, Field(json_schema_extra={"enum": list(LISTED_SIGNAL_TYPES)})]
    occurred_at: Annotated[
        datetime, Field(description="ISO 8601 with its UTC offset; at most one day ahead")
    ]
    email: Annotated[str, Field(max_length=254)] | None = None
    lead_id: Id | None = None
    contact_id: Id | None = None
    properties: Annotated[
        dict[str, Any],
        Field(
            description="at most 4096 bytes of JSON; `workspace` ties product usage to the "
            "freemium workspace of a signup"
        ),
    ] = {}


class RejectedEvent(Output):
    index: int
    errors: dict[str, str]


class EventBatchResult(Output):
    accepted: int
    pending: int
    rejected: list[RejectedEvent]


class SignalRead(Output):
    id: int
    type: str
    occurred_at: datetime
    received_at: datetime
    lead_id: int | None
    contact_id: int | None
    account_id: int | None
    email_key: str | None
    workspace: str | None
    origin: str
    properties: dict[str, Any]


class SignalPage(Page):
    items: list[SignalRead]
