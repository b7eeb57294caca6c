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


class ConversionReason(Output):
    feature: str
    value: str | None = None
    direction: Literal["up", "down"]
    weight: float  # change of probability when the feature is at the typical lead's value


class PredictedConversion(Output):
    probability: float
    reasons: list[ConversionReason]
    model_version: int | None = None


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
    # Mandatory conversion (SPEC §4): since when the lead is ready to convert, when that is
    # overdue (business days on the playbook's calendar), and the flag the worker sets then.
    ready_since: datetime | None = None
    conversion_due_at: datetime | None = None
    conversion_overdue: bool = False
    conversion_overdue_at: datetime | None = None
    # Consecutive failed outbound attempts (SPEC §9); at the playbook's count: nurturing.
    failed_attempts: int = 0
    do_not_contact: bool
    created_at: datetime
    updated_at: datetime
    assigned_at: datetime | None
    first_response_due_at: datetime | None
    first_response_at: datetime | None
    # Against the first-response deadline (SPEC §9): due_soon when an hour of business time
    # is left; none without a deadline (no SLA rule, nobody assigned) or closed unanswered.
    sla_status: Literal["on_time", "due_soon", "breached", "answered", "none"] | None = None
    converted_at: datetime | None
    account_id: int | None
    contact_id: int | None
    opportunity_id: int | None
    # Set by imports: the id in the system the lead came from, the file's other columns.
    external_id: str | None = None
    attributes: dict[str, Any] | None = None
    import_id: int | None = None
    # Predictive score (bascule model train): null until a model has scored the lead.
    predicted_conversion: PredictedConversion | None = None


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


# --- signals (events) -------------------------------------------------------------------------


class EventIn(Input):
    """One item of ``POST /api/v1/events``. Documentation only: a batch of 10,000 is checked
    item by item by ``bascule.signals.model.check_item``, with the same rules."""

    type: Annotated[
        str,
        Field(
            json_schema_extra={
                "enum": [
                    "page_view", "email_open", "email_click", "form_submit", "content_download",
                    "pricing_view", "product_login", "feature_used", "seats_used",
                    "seat_limit_reached",
                ]
            }
        ),
    ]  # fmt: skip
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


# --- imports ----------------------------------------------------------------------------------


class ImportColumnRead(Output):
    """One column of an imported file: the lead field it fills, or `attributes`, and how that
    was decided: exact (the header is the field's name), alias (a header exports use for it),
    map (the request's mapping), guess (from its values), unrecognised, or refused (the values
    contradict what the header suggests; `note` says why)."""

    column: str
    field: str
    how: Literal["exact", "alias", "map", "guess", "unrecognised", "refused"]
    note: str | None = None


class ImportReport(Output):
    """What was found out about the file, and the rows' outcomes beyond the three counts."""

    encoding: str | None = None
    delimiter: str | None = None
    columns: list[str] = []
    mapping_used: list[ImportColumnRead] = []
    notes: list[str] = []
    blank_rows: int = 0
    duplicates_in_file: int = 0
    existing_customers: int = 0
    unchanged: int = 0
    errors: int = 0
    unknown_sources: dict[str, int] = {}
    # {field: {file value: rows}}: values of enumerated fields that mean none of their values
    unknown_values: dict[str, dict[str, int]] = {}
    undo: dict[str, int] | None = None


class ImportRead(Output):
    id: int
    user_id: int | None
    filename: str
    format: str
    dry_run: bool
    status: str  # running, done, failed, undone
    tag: str | None
    temperature: str | None
    source: str | None
    mapping: dict[str, str]
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_rejected: int
    report: ImportReport
    message: str | None
    started_at: datetime
    finished_at: datetime | None
    undone_at: datetime | None
    errors_url: str


class ImportRowErrorRead(Output):
    row: int
    field: str | None
    reason: str
    row_rejected: bool


class ImportPreviewRow(Output):
    row: int
    outcome: str  # created, updated, rejected
    lead_id: int | None
    duplicate_of_row: int | None
    values: dict[str, Any]
    errors: list[dict[str, str]]


class ImportResult(ImportRead):
    """The answer to an upload: the import, its first row errors, and for a dry run the
    first rows as they would be imported."""

    errors: list[ImportRowErrorRead]
    preview: list[ImportPreviewRow]


class ImportPage(Page):
    items: list[ImportRead]


class KeptLead(Output):
    lead_id: int | None
    reason: str


class ImportUndoResult(Output):
    import_: ImportRead = Field(alias="import")
    deleted: int
    restored: int
    kept: int
    kept_leads: list[KeptLead]

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


# --- reports ----------------------------------------------------------------------------------


class SlaFigures(Output):
    """First-response clocks started in the period, each in exactly one outcome as of
    ``as_of`` (started = the six outcomes added up), escalations, business time to the first
    response, and compliance: answered in time over answered or past due, in percent."""

    started: int
    answered_in_time: int
    answered_late: int
    breached_open: int
    breached_stopped: int
    running: int
    stopped_in_time: int
    escalated: int
    median_response_business_hours: float | None
    p90_response_business_hours: float | None
    compliance_percent: float | None


class SlaReportRow(SlaFigures):
    rule: str | None = None
    owner_id: int | None = None
    owner_name: str | None = None


class SlaReport(Output):
    from_: dt.date = Field(alias="from")
    to: dt.date
    as_of: datetime
    group_by: list[str]
    rows: list[SlaReportRow]
    total: SlaFigures

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class ReasonCount(Output):
    reason: str
    count: int


class RequalificationFigures(Output):
    """Hand-backs to marketing in the period (``requalifications``), distinct leads, those a
    rule made (``by_rule``: failed contact attempts), and their reasons, most frequent first."""

    requalifications: int
    leads: int
    by_rule: int
    reasons: list[ReasonCount]


class RequalificationRow(RequalificationFigures):
    owner_id: int | None = None
    owner_name: str | None = None
    reason: str | None = None
    source: str | None = None


class RequalificationReport(Output):
    from_: dt.date = Field(alias="from")
    to: dt.date
    group_by: list[str]
    rows: list[RequalificationRow]
    total: RequalificationFigures

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


# --- users: out of office and deactivation (admin) --------------------------------------------


class AwayBody(Input):
    """A date (the whole day, company time zone) or a date and time; ``until`` none: open."""

    from_: Annotated[str, Field(max_length=40)] | None = Field(default=None, alias="from")
    until: Annotated[str, Field(max_length=40)] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class UserRead(Output):
    id: int
    email: str
    name: str
    role: str
    team_id: int | None
    manager_id: int | None
    is_active: bool
    absent_from: datetime | None
    absent_until: datetime | None
    out_of_office: bool


class ReassignedLead(Output):
    lead_id: int
    owner_id: int | None
    reason: str


class DeactivationRead(Output):
    user: UserRead
    reassigned: list[ReassignedLead]
    unassigned: list[int]
    # Playbook fields still naming the user: field -> problem.
    playbook_names_user: dict[str, str]
