"""A public form's body (SPEC §7): the lead's fields, the questions of each form, free
answers; and what a submission answers."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from bascule.api.schemas.common import Consents, Id, Name, Output, Text


def _number_or_text(value: Any) -> Any:
    """A number or a short text ("25", "20-30 k€"): what people type in a free answer."""
    if isinstance(value, str):
        if len(value) > 100:
            raise ValueError("at most 100 characters")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a number or a text")
    if not math.isfinite(value) or abs(value) >= 1e15:
        raise ValueError("out of range")
    return value


NumberOrText = Annotated[
    Any,
    AfterValidator(_number_or_text),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "maxLength": 100}]}),
]


class IntakeContact(BaseModel):
    """A person named by an RFP, attached to the opportunity with a role."""

    model_config = ConfigDict(extra="allow")
    first_name: Name | None = None
    last_name: Name | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    role: Annotated[str, Field(max_length=40)] | None = None
    job_title: Text | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None


class IntakeBody(BaseModel):
    """The lead's fields (SPEC §13.1), ``message``, and the questions of each form. Fields a
    form adds are kept as free answers (at most 50, 8000 characters each)."""

    model_config = ConfigDict(extra="allow")
    first_name: Name | None = None
    last_name: Name | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    company: Text | None = None
    job_title: Text | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    sector: Name | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None
    technology: Text | None = None
    campaign: Text | None = None
    tags: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=20)] | None = None
    message: Annotated[str, Field(max_length=10_000)] | None = None
    website: Any = Field(None, description="honeypot: hidden from people, must stay empty")
    # demo_request
    users: NumberOrText | None = None
    budget: NumberOrText | None = None
    timeline: Annotated[str, Field(max_length=200)] | None = None
    # rfp
    project: Annotated[str, Field(max_length=200)] | None = None
    expected_close_date: Annotated[str, Field(max_length=10)] | None = Field(
        None, description="YYYY-MM-DD"
    )
    contacts: Annotated[list[IntakeContact], Field(max_length=50)] | None = None
    # freemium_signup
    workspace: Annotated[str, Field(max_length=120)] | None = None
    # What the person agreed to on the form, per purpose (source: ``form:<form type>``).
    consents: Consents | None = None


class IntakeResult(Output):
    outcome: Literal["lead_created", "lead_updated", "opportunity_created", "existing_customer"]
    lead_id: Id | None = None
    opportunity_id: Id | None = None
    account_id: Id | None = None
    contact_id: Id | None = None
