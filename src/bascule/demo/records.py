"""What the demo generator produces: plain records that point at each other by ``ref``.

Refs are the generator's own numbers; the writer maps them to database ids as it inserts.
Users are referred to by e-mail.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class Refs:
    """Numbers the records of each kind 1, 2, 3..."""

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {}

    def next(self, kind: str) -> int:
        return next(self._counters.setdefault(kind, itertools.count(1)))


@dataclass(slots=True)
class DemoUser:
    email: str
    name: str
    role: str
    team: str | None
    manager: str | None


@dataclass(slots=True)
class DemoCompany:
    """A company leads can come from; it becomes an account when one is created for it."""

    name: str
    domain: str
    sector: str
    employees: int
    country: str
    city: str
    account_ref: int | None = None


@dataclass(slots=True)
class DemoAccount:
    ref: int
    company: DemoCompany
    created_at: datetime
    created_by: str | None
    owner: str | None
    is_customer: bool = False
    customer_since: datetime | None = None
    # Set when the account becomes a customer after it was written: the writer updates it.
    became_customer_by: str | None = None
    contact_refs: list[int] = field(default_factory=list)


@dataclass(slots=True)
class DemoContact:
    ref: int
    account_ref: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    job_title: str
    created_at: datetime
    owner: str | None
    from_lead_ref: int | None = None


@dataclass(slots=True)
class Step:
    """One lead status change, exactly as ``lead_status_history`` stores it."""

    at: datetime
    from_status: str | None
    to_status: str
    kind: str
    reason: str | None
    actor: str | None  # user e-mail, or None for a rule
    rule: str | None = None


@dataclass(slots=True)
class DemoActivity:
    kind: str
    direction: str | None
    outcome: str | None
    summary: str
    occurred_at: datetime
    user: str | None
    lead_ref: int | None = None
    contact_ref: int | None = None
    account_ref: int | None = None
    opportunity_ref: int | None = None
    details: dict[str, Any] | None = None
    # Set on the lead's activities: an SLA clock names the one that answered it.
    ref: int | None = None


@dataclass(slots=True)
class Assignment:
    """A change of owner, as ``leads.assignment.assign`` records it: a history row of kind
    ``assignment`` that keeps the status (``status``: the lead's at that moment)."""

    at: datetime
    owner: str
    actor: str
    reason: str
    status: str
    previous: str | None = None


@dataclass(slots=True)
class DemoClock:
    """A first-response clock (``sla_clock``) as the SLA hooks and the worker's tick leave it."""

    rule: str
    owner: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None = None
    stopped_by: str | None = None
    activity_ref: int | None = None
    breached_at: datetime | None = None
    escalate_at: datetime | None = None
    escalated_at: datetime | None = None


@dataclass(slots=True)
class Overdue:
    """The worker's mandatory-conversion flag on a lead left ready too long: its history row
    (kind ``conversion_overdue``, status kept) and the lead's flag."""

    at: datetime
    status: str
    reason: str


@dataclass(slots=True)
class DemoLead:
    ref: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    company: str
    job_title: str
    employees: int
    sector: str
    country: str
    technology: str | None
    source: str
    campaign: str | None
    kind: str
    temperature: str
    owner: str | None
    score: int
    score_explanation: list[dict[str, Any]]
    qualification: dict[str, Any] | None
    ready_to_convert: bool
    do_not_contact: bool
    created_at: datetime
    assigned_at: datetime | None
    first_response_due_at: datetime | None
    first_response_at: datetime | None
    history: list[Step]
    tags: list[str]
    form_type: str | None = None
    qualified_at: datetime | None = None
    qualified_by: str | None = None
    # Owners in turn (the last one is ``owner``), first-response clocks, failed attempts and
    # the mandatory-conversion deadline: what the SLA rules make of the history.
    assignments: list[Assignment] = field(default_factory=list)
    clocks: list[DemoClock] = field(default_factory=list)
    failed_attempts: int = 0
    ready_since: datetime | None = None
    conversion_due_at: datetime | None = None
    overdue: Overdue | None = None
    # Set by conversion.
    account_ref: int | None = None
    contact_ref: int | None = None
    opportunity_ref: int | None = None

    @property
    def status(self) -> str:
        return self.history[-1].to_status

    @property
    def updated_at(self) -> datetime:
        """The last status change or change of owner (the conversion flag leaves it alone)."""
        last = self.history[-1].at
        return max(last, self.assignments[-1].at) if self.assignments else last

    @property
    def converted_at(self) -> datetime | None:
        last = self.history[-1]
        return last.at if last.kind == "conversion" else None

    @property
    def disqualification_reason(self) -> str | None:
        last = self.history[-1]
        return last.reason if last.to_status == "disqualified" else None


@dataclass(slots=True)
class StageStep:
    at: datetime
    from_stage: str | None
    to_stage: str
    probability: int
    amount: Decimal
    actor: str | None
    reason: str | None = None


@dataclass(slots=True)
class DemoOpportunity:
    ref: int
    name: str
    account_ref: int
    type: str
    lead_source: str
    campaign: str | None
    lead_ref: int | None
    owner: str | None
    expected_close_date: date
    qualification: dict[str, Any] | None
    description: str | None
    history: list[StageStep]
    contacts: list[tuple[int, str, bool]]  # (contact ref, role, is primary)
    loss_reason: str | None = None
    is_won: bool = False
    is_closed: bool = False
    # The conversion request the lead was converted with (None when not born of a lead).
    conversion_request: dict[str, Any] | None = None

    @property
    def stage(self) -> str:
        return self.history[-1].to_stage

    @property
    def probability(self) -> int:
        return self.history[-1].probability

    @property
    def amount(self) -> Decimal:
        return self.history[-1].amount

    @property
    def created_at(self) -> datetime:
        return self.history[0].at

    @property
    def updated_at(self) -> datetime:
        return self.history[-1].at

    @property
    def closed_at(self) -> datetime | None:
        return self.history[-1].at if self.is_closed else None


@dataclass(slots=True)
class DemoBatch:
    """Everything one transaction writes; records only point at earlier batches or itself."""

    accounts: list[DemoAccount] = field(default_factory=list)
    contacts: list[DemoContact] = field(default_factory=list)
    leads: list[DemoLead] = field(default_factory=list)
    opportunities: list[DemoOpportunity] = field(default_factory=list)
    activities: list[DemoActivity] = field(default_factory=list)
