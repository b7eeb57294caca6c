"""Lead bodies: create, update, read, page, status, history, activities, qualification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

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
from bascule.playbook.sla import ACTIVITY_OUTCOMES

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
    # Answers per purpose: the purposes given are set, the others kept (SPEC §18).
    consents: Consents | None = None


class LeadCreate(LeadFields):
    kind: Kind = "sales"


class LeadUpdate(LeadFields):
    reason: EditReason | None = None


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
    consents: list[ConsentRead] = []
    # Set when the person was erased (RGPD) or the lead anonymised by retention.
    anonymised_at: datetime | None = None
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

    @classmethod
    def body(cls, lead: Any, computed: Mapping[str, Any]) -> dict[str, Any]:
        """This body for a lead: the fields ``leads.reading.computed`` gives, every other one
        read from the lead's row under its own name. Returned as a dict, validated once as the
        route's response."""
        return {
            name: computed[name]
            if name in computed
            else getattr(lead, name, [])
            if name == "consents"
            else getattr(lead, name)
            for name in cls.model_fields
        }


class LeadPage(Page):
    items: list[LeadRead]
    # Present, and false, only when the caller passed ``exact_total=false`` and counting stopped
    # at the list's cap: ``total`` is then a lower bound (at least that many leads match). An
    # exact total (the default) leaves the page as SPEC §13 draws it: items, total, page, page_size.
    total_exact: bool = Field(default=True, exclude_if=lambda exact: exact is True)


StatusReason = Annotated[
    str,
    Field(
        max_length=2000,
        description=(
            "Why the status changes: required to disqualify (it starts with one of the "
            "playbook's disqualification reasons) and to hand an SQL back to nurturing; "
            "optional otherwise. Kept in the status history and the audit row."
        ),
    ),
]


class StatusBody(Input):
    status: str
    reason: StatusReason | None = None


class HistoryRead(Output):
    from_status: str | None
    to_status: str
    changed_at: datetime
    actor_user_id: int | None
    actor_rule: str | None
    kind: str
    reason: str | None


if TYPE_CHECKING:
    ActivityOutcome = str
else:
    # The playbook's list (SPEC §1), as an enum in the OpenAPI document.
    ActivityOutcome = Literal[ACTIVITY_OUTCOMES]


class ActivityCreate(Input):
    kind: Literal["call", "email", "meeting", "note", "task"]
    direction: Literal["in", "out"] | None = None
    outcome: ActivityOutcome | None = None
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
    reason: EditReason | None = None
