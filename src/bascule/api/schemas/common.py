"""What every body of the HTTP API shares: identifiers, bounded texts, money, input that
refuses unknown fields, pages and the error shape (SPEC §13)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

# Identifiers fit a 32-bit integer column on every database.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
Name = Annotated[str, Field(max_length=120)]
Text = Annotated[str, Field(max_length=200)]


class Input(BaseModel):
    """Unknown fields are refused: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


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
