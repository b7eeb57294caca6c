"""The SLA and requalification reports (SPEC §10)."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from pydantic import ConfigDict, Field

from bascule.api.schemas.common import Output


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
