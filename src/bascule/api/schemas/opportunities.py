"""Opportunities, their contacts and stages."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from bascule.api.schemas.common import EditReason, Id, Input, Money, Output, Page, Text


class OpportunityContactBody(Input):
    contact_id: Id
    role: Annotated[str, Field(max_length=40)] = "decision_maker"
    is_primary: bool = False


class OpportunityCreate(Input):
    name: Annotated[str, Field(max_length=200)] | None = None
    account_id: Id | None = None
    amount: Annotated[Decimal, Field(allow_inf_nan=False)] | None = None
    expected_close_date: dt.date | None = None
    stage: Annotated[str, Field(max_length=40)] | None = None
    type: Annotated[str, Field(max_length=30)] | None = None
    lead_source: Annotated[str, Field(max_length=40)] | None = None
    lead_id: Id | None = None
    campaign: Text | None = None
    loss_reason: Annotated[str, Field(max_length=40)] | None = None
    owner_id: Id | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    contacts: Annotated[list[OpportunityContactBody], Field(max_length=100)] = []


class OpportunityUpdate(Input):
    name: Annotated[str, Field(max_length=200)] | None = None
    amount: Annotated[Decimal, Field(allow_inf_nan=False)] | None = None
    expected_close_date: dt.date | None = None
    type: Annotated[str, Field(max_length=30)] | None = None
    owner_id: Id | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None
    contacts: Annotated[list[OpportunityContactBody], Field(max_length=100)] | None = None
    reason: EditReason | None = None


class StageBody(Input):
    stage: Annotated[str, Field(max_length=40)]
    loss_reason: Annotated[str, Field(max_length=40)] | None = None
    reason: EditReason | None = None


class OpportunityContactRead(Output):
    contact_id: int
    role: str
    is_primary: bool


class OpportunityRead(Output):
    id: int
    name: str
    account_id: int
    # None for a role that reads opportunities without their amounts (playbook ``[access]``).
    amount: Money | None
    currency: str
    weighted_amount: Money | None
    expected_close_date: dt.date
    stage: str
    probability: int
    type: str
    lead_source: str
    campaign: str | None
    lead_id: int | None
    loss_reason: str | None
    owner_id: int | None
    is_closed: bool
    is_won: bool
    closed_at: datetime | None
    qualification: dict[str, Any] | None
    description: str | None
    created_at: datetime
    updated_at: datetime
    contacts: list[OpportunityContactRead]


class OpportunityPage(Page):
    items: list[OpportunityRead]
