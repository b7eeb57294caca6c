"""The conversion of a lead (SPEC §5): what to create, what was linked or created."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from bascule.api.schemas.common import Id, Input, Output


class ConvertOpportunity(Input):
    name: Annotated[str, Field(max_length=200)] | None = None
    amount: Annotated[Decimal, Field(allow_inf_nan=False)] | None = None
    expected_close_date: dt.date | None = None
    stage: Annotated[str, Field(max_length=40)] | None = None
    type: Annotated[str, Field(max_length=30)] | None = None
    lead_source: Annotated[str, Field(max_length=40)] | None = None


class ConvertBody(Input):
    opportunity: ConvertOpportunity | None = None
    account_id: Id | None = None
    opportunity_id: Id | None = None
    contact_role: Annotated[str, Field(max_length=40)] | None = None
    new_account: bool | None = None


class ConvertResult(Output):
    lead_id: int
    account_id: int
    contact_id: int
    opportunity_id: int
    replayed: bool
