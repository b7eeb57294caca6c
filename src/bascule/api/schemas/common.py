"""What every body of the HTTP API shares: identifiers, bounded texts, money, input that
refuses unknown fields, pages and the error shape (SPEC §13)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

from bascule.audit.service import REASON_MAX
from bascule.intake.model import check_text

# Identifiers fit a 32-bit integer column on every database.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Name = Annotated[str, Field(max_length=120)]
Text = Annotated[str, Field(max_length=200)]
# Why an edit is made (SPEC §11): optional on every edit of a lead, opportunity, account or
# contact; stored as the reason of the change's audit row.
EditReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=REASON_MAX),
    Field(
        description=(
            f"Why the change is made, in the editor's words (optional; trimmed, at most "
            f"{REASON_MAX} characters). Kept as the reason of the change's audit row and shown "
            "in the record's audit section; it changes no field of the record."
        ),
        examples=["Budget confirmed by the customer on the phone"],
    ),
]


class Input(BaseModel):
    """Unknown fields are refused: a typo must not be silently ignored. A NUL character or a
    lone surrogate anywhere in the body is refused as the public forms refuse it (422 naming
    the field): no database stores it, and PostgreSQL would refuse it only at the INSERT."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        check_text(data)
        return data


class ConsentWrite(Input):
    """An answer for one purpose (``[privacy] consent_purposes``); ``at`` defaults to now,
    ``source`` to where the request came from (``api``, ``form:<form type>``)."""

    purpose: Annotated[str, Field(min_length=1, max_length=60)]
    granted: bool
    at: AwareDatetime | None = None
    source: Annotated[str, Field(max_length=120)] | None = None


class ConsentRead(BaseModel):
    purpose: str
    granted: bool
    at: datetime
    source: str | None


Consents = Annotated[list[ConsentWrite], Field(max_length=20)]


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(Output):
    total: int
    page: int
    page_size: int


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail
