"""Report endpoints (SPEC §10, §13): ``GET /api/v1/reports/<report>``, one route per report.

Every report takes the same period (``from`` and ``to``, days of the company's calendar, both
included; by default the 30 days up to today) through ``PeriodDep``, and answers 422 with the
field at fault for a bad one (``http.reports``, which the report pages share).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from bascule.api.schemas.reports import RequalificationReport, SlaReport
from bascule.http.deps import CurrentActor, Now, PlaybookDep, ReadUow
from bascule.http.reports import PeriodDep, groups
from bascule.leads import reports as lead_reports
from bascule.leads import requalifications
from bascule.sla import report as sla_report
from bascule.sla import service as sla

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/sla", response_model=SlaReport)
def sla_compliance(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, now: Now, period: PeriodDep,
    group_by: Annotated[str, Query(max_length=100)] = "rule,owner",
) -> dict[str, Any]:  # fmt: skip
    """First-response SLAs (SPEC §9, §10): per rule and/or owner, the clocks started in the
    period and how they ended."""
    return sla.report(
        uow, start=period.start, end=period.end, group_by=groups(group_by, sla_report.GROUPS),
        now=now, playbook=playbook,
    )  # fmt: skip


@router.get("/requalifications", response_model=RequalificationReport)
def requalifications_report(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, period: PeriodDep,
    group_by: Annotated[str, Query(max_length=100)] = "reason",
) -> dict[str, Any]:  # fmt: skip
    """Leads sales handed back to marketing (SPEC §2, sql → nurturing) in the period, per
    owner, reason and/or source, with their reasons."""
    return lead_reports.requalifications(
        uow, start=period.start, end=period.end, playbook=playbook,
        group_by=groups(group_by, requalifications.GROUPS),
    )  # fmt: skip
