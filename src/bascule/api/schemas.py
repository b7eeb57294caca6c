"""Request and response bodies of the HTTP API (SPEC §13.1 field names)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

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


# --- leads ------------------------------------------------------------------------------------

Temperature = Literal["hot", "warm", "cold"]
Kind = Literal["sales", "support_service"]


class LeadFields(Input):
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
    source: Annotated[str, Field(max_length=40)] | None = None
    campaign: Text | None = None
    kind: Kind | None = None
    tags: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)]
        | None
    ) = None
    temperature: Temperature | None = None
    owner_id: Id | None = None
    do_not_contact: bool | None = None


class LeadCreate(LeadFields):
    kind: Kind = "sales"


class LeadUpdate(LeadFields):
    pass


class ScoreReason(Output):
    reason: str
    points: float


class LeadRead(Output):
    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    job_title: str | None
    employees: int | None
    sector: str | None
    country: str | None
    technology: str | None
    source: str
    campaign: str | None
    kind: str
    tags: list[str]
    temperature: str | None
    status: str
    disqualification_reason: str | None
    owner_id: int | None
    score: int
    score_explanation: list[ScoreReason]
    qualification: dict[str, Any] | None
    ready_to_convert: bool
    do_not_contact: bool
    created_at: datetime
    updated_at: datetime
    assigned_at: datetime | None
    first_response_due_at: datetime | None
    first_response_at: datetime | None
    converted_at: datetime | None
    account_id: int | None
    contact_id: int | None
    opportunity_id: int | None


class Page(Output):
    total: int
    page: int
    page_size: int


class LeadPage(Page):
    items: list[LeadRead]


class StatusBody(Input):
    status: str
    reason: Annotated[str, Field(max_length=2000)] | None = None


class HistoryRead(Output):
    from_status: str | None
    to_status: str
    changed_at: datetime
    actor_user_id: int | None
    actor_rule: str | None
    kind: str
    reason: str | None


class ActivityCreate(Input):
    kind: Literal["call", "email", "meeting", "note", "task"]
    direction: Literal["in", "out"] | None = None
    outcome: (
        Literal[
            "reached",
            "no_answer",
            "voicemail",
            "bounced",
            "meeting_booked",
            "replied",
            "sent",
            "done",
            "other",
        ]
        | None
    ) = None
    summary: Annotated[str, Field(max_length=10_000)] | None = None
    occurred_at: datetime | None = None


class ActivityRead(Output):
    id: int
    kind: str
    direction: str | None
    outcome: str | None
    summary: str | None
    occurred_at: datetime
    created_at: datetime
    user_id: int | None
    lead_id: int | None
    contact_id: int | None
    account_id: int | None
    opportunity_id: int | None


class BudgetBody(Input):
    status: Literal["none", "range", "confirmed"]
    min: Annotated[Decimal, Field(ge=0, lt=Decimal("1e12"))] | None = None
    max: Annotated[Decimal, Field(ge=0, lt=Decimal("1e12"))] | None = None
    amount: Annotated[Decimal, Field(ge=0, lt=Decimal("1e12"))] | None = None


class NeedBody(Input):
    text: Annotated[str, Field(max_length=5000)] = ""
    confirmed: bool = False


class TimingBody(Input):
    horizon: Literal["now", "3_months", "6_months", "12_months", "unknown"] = "unknown"
    date: dt.date | None = None


class MeddicBody(Input):
    metrics: Annotated[str, Field(max_length=2000)] | None = None
    economic_buyer: Annotated[str, Field(max_length=2000)] | None = None
    decision_criteria: Annotated[str, Field(max_length=2000)] | None = None
    decision_process: Annotated[str, Field(max_length=2000)] | None = None
    identify_pain: Annotated[str, Field(max_length=2000)] | None = None
    champion: Annotated[str, Field(max_length=2000)] | None = None


class QualificationBody(Input):
    framework: Literal["bant", "meddic"] | None = None
    budget: BudgetBody | None = None
    authority: Literal["none", "influencer", "decision_maker"] | None = None
    need: NeedBody | None = None
    timing: TimingBody | None = None
    meddic: MeddicBody | None = None


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


class ConvertResult(Output):
    lead_id: int
    account_id: int
    contact_id: int
    opportunity_id: int
    replayed: bool


# --- accounts and contacts --------------------------------------------------------------------


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


class ContactUpdate(ContactCreate):
    pass


class ContactRead(Output):
    id: int
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    job_title: str | None
    account_id: int | None
    do_not_contact: bool
    created_at: datetime


class ContactPage(Page):
    items: list[ContactRead]


# --- opportunities ----------------------------------------------------------------------------


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


class StageBody(Input):
    stage: Annotated[str, Field(max_length=40)]
    loss_reason: Annotated[str, Field(max_length=40)] | None = None


class OpportunityContactRead(Output):
    contact_id: int
    role: str
    is_primary: bool


class OpportunityRead(Output):
    id: int
    name: str
    account_id: int
    amount: Money
    currency: str
    weighted_amount: Money
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


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail
