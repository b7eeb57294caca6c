"""Accounts and contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from bascule.api.schemas.common import (
    ConsentRead,
    Consents,
    EditReason,
    Id,
    Input,
    Name,
    Output,
    Page,
    Text,
)


class AccountCreate(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    domain: Annotated[str, Field(max_length=253)] | None = None
    sector: Name | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None
    owner_id: Id | None = None


class AccountUpdate(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    domain: Annotated[str, Field(max_length=253)] | None = None
    sector: Name | None = None
    employees: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None
    owner_id: Id | None = None
    reason: EditReason | None = None


class AccountRead(Output):
    id: int
    name: str
    domain: str | None
    sector: str | None
    employees: int | None
    country: str | None
    is_customer: bool
    customer_since: datetime | None
    owner_id: int | None
    created_at: datetime


class AccountPage(Page):
    items: list[AccountRead]


class ContactCreate(Input):
    first_name: Name | None = None
    last_name: Name | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    job_title: Text | None = None
    account_id: Id | None = None
    do_not_contact: bool | None = None
    # Answers per purpose: the purposes given are set, the others kept (SPEC §18).
    consents: Consents | None = None


class ContactUpdate(ContactCreate):
    reason: EditReason | None = None


class ContactRead(Output):
    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    job_title: str | None
    account_id: int | None
    do_not_contact: bool
    consents: list[ConsentRead] = []
    anonymised_at: datetime | None = None
    created_at: datetime


class ContactPage(Page):
    items: list[ContactRead]
