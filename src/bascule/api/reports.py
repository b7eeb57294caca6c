"""Report endpoints (SPEC §10, §13): ``GET /api/v1/reports/<report>``, one route per report.

Every report takes the same period (``from`` and ``to``, days of the company's calendar, both
included; by default the 30 days up to today) through ``PeriodDep``, and answers 422 with the
field at fault for a bad one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from bascule.api.deps import CurrentActor, Now, PlaybookDep, ReadUow
from bascule.api.schemas import RequalificationReport, SlaReport
from bascule.errors import ValidationFailed
from bascule.leads import reports as lead_reports
from bascule.leads import requalifications
from bascule.sla import report as sla_report
from bascule.sla import service as sla

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

DEFAULT_DAYS = 30
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9998, 12, 31)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


def period(
    playbook: PlaybookDep,
    now: Now,
    from_: Annotated[
        dt.date | None, Query(alias="from", description="first day (YYYY-MM-DD)")
    ] = None,
    to: Annotated[dt.date | None, Query(description="last day, included (YYYY-MM-DD)")] = None,
) -> Period:
    """The report's days; ``to`` defaults to today in the calendar's time zone, ``from`` to
    30 days before ``to``."""
    for name, day in (("from", from_), ("to", to)):
        # Year 1 or 9999 would overflow once turned into instants of the calendar's zone.
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationFailed(
                "the period is out of range", fields={name: f"between {FIRST_DAY} and {LAST_DAY}"}
            )
    end = to or now.astimezone(ZoneInfo(playbook.calendar.timezone)).date()
    start = from_ or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed("the period ends before it starts", fields={"from": "after to"})
    return Period(start, end)


PeriodDep = Annotated[Period, Depends(period)]


def groups(value: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """``group_by``: a comma list of the report's dimensions, each at most once."""
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    if not chosen or any(g not in allowed for g in chosen) or len(set(chosen)) < len(chosen):
        raise ValidationFailed(
            "unknown grouping", fields={"group_by": f"a comma list of {', '.join(allowed)}"}
        )
    return chosen


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
