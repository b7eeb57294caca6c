"""The SLA and requalification reports (SPEC §10), and the back-test (SPEC §16)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from bascule.api.schemas.common import Input, Output


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


class AnalyticsReport(Output):
    """The SPEC §16 reports (funnel, pipeline, loss-reasons, stage-times): the period, the
    grouping, one row per group and the total row, each row with its ``key``, ``label`` and
    the report's figures; a report may add fields of its own (``pipeline``,
    ``no_real_need_share``). Documents the JSON answer; ``format=csv`` gives the same rows."""

    report: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    group_by: str = Field(default="none", description="absent from stage-times: never grouped")
    rows: list[dict[str, Any]]
    total: dict[str, Any]

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True, extra="allow")


class BacktestRequest(Input):
    """The period (days of the company's calendar, both included; by default the 30 days up to
    today) and the playbook sections to change, as in the playbook document (``{"scoring":
    {"mql_threshold": 40}}``): tables merge key by key, lists are replaced whole."""

    from_: dt.date | None = Field(default=None, alias="from")
    to: dt.date | None = None
    playbook: dict[str, Any] = Field(default_factory=dict)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BacktestMeasures(Output):
    """One playbook's outcome over the cohort (leads created in the period)."""

    leads: int
    mql: int
    mql_converted: int
    precision: float | None
    recall: float | None
    median_days_to_mql: float | None


class BacktestResult(Output):
    current: BacktestMeasures
    proposed: BacktestMeasures
