"""Report endpoints (SPEC §10, §13): ``GET /api/v1/reports/<report>``, one route per report.

Every report takes the same period (``from`` and ``to``, days of the company's calendar, both
included; by default the 30 days up to today) through ``PeriodDep``, and answers 422 with the
field at fault for a bad one (``http.reports``, which the report pages share). The SPEC §16
reports (funnel, pipeline, loss-reasons, stage-times) also take ``format=json|csv`` and answer
in the caller's language (``lang``, else ``Accept-Language``, else the server's locale).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from bascule.access import service as access
from bascule.analytics import backtest as backtests
from bascule.analytics import export
from bascule.analytics import reports as analytics
from bascule.analytics.access import blank_amounts, readable_by
from bascule.api.errors import SIGNED_IN, answers
from bascule.api.schemas.reports import (
    AnalyticsReport,
    BacktestRequest,
    BacktestResult,
    RequalificationReport,
    SlaReport,
)
from bascule.http.deps import CurrentActor, Now, PlaybookDep, ReadUow
from bascule.http.reports import Period, PeriodDep, groups, period
from bascule.leads import reports as lead_reports
from bascule.leads import requalifications
from bascule.sla import report as sla_report
from bascule.sla import service as sla
from bascule.storage import tables as t

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=SIGNED_IN)


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
        readable=access.where_owner(uow, actor, playbook, "lead", t.SlaClock.owner_id),
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
        readable=access.where(uow, actor, playbook, "lead"),
    )  # fmt: skip


# --- SPEC §16: funnel, pipeline, loss reasons, stage times ------------------------------------

Format = Annotated[Literal["json", "csv"], Query(description="json, or csv: the same rows")]
GroupBy = Annotated[str, Query(max_length=20, description="one grouping")]


def language(
    request: Request,
    lang: Annotated[Literal["fr", "en"] | None, Query(description="labels: fr or en")] = None,
) -> str:
    """``lang``, else the first of French or English in ``Accept-Language``, else the
    server's locale."""
    if lang:
        return lang
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag[:2] in ("fr", "en"):
            return tag[:2]
    return "fr" if str(request.app.state.settings.locale).startswith("fr") else "en"


LanguageDep = Annotated[str, Depends(language)]
# ``format=csv``: the same rows as CSV.
_JSON_OR_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "model": AnalyticsReport,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "the report",
    }
}


def _query(
    uow: ReadUow, report: str, period: Period, group_by: str, locale: str, actor: CurrentActor,
    playbook: PlaybookDep,
) -> analytics.Query:  # fmt: skip
    analytics.check_group(report, group_by)
    readable = readable_by(uow, actor, playbook)
    return analytics.Query(period.start, period.end, group_by, locale, readable)


def _answer(report: dict[str, Any], format: str, q: analytics.Query) -> Any:
    if not q.readable.amounts:
        report = blank_amounts(report)
    if format == "csv":
        name = f"{report['report']}-{report['from']}-{report['to']}.csv"
        return Response(
            export.to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return report


@router.get("/funnel", responses=_JSON_OR_CSV)
def funnel(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, period: PeriodDep,
    locale: LanguageDep, format: Format = "json", group_by: GroupBy = "none",
) -> Any:  # fmt: skip
    """Cohort funnel: the leads created in the period, and how many of them reached mql, sql and
    converted (by their status history: a status counts as reached when the history holds it or
    a later one of new < contacted < mql < sql < converted; a requalified or recycled lead counts
    once), and whose opportunity is won or lost now. Rates: mql_rate = mql / leads, mql_to_sql =
    sql / mql, sql_to_opportunity = opportunities / sql, opportunity_to_won = won /
    opportunities, lead_to_won = won / leads. group_by: none, source, campaign, owner, segment
    (company size band of the scoring playbook), month (of creation)."""
    q = _query(uow, "funnel", period, group_by, locale, actor, playbook)
    return _answer(analytics.funnel(uow, query=q, playbook=playbook), format, q)


@router.get("/pipeline", responses=_JSON_OR_CSV)
def pipeline(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, period: PeriodDep,
    locale: LanguageDep, format: Format = "json", group_by: GroupBy = "none",
) -> Any:  # fmt: skip
    """Pipeline and forecast. Open: opportunities open now whose expected close date is in the
    period (open_count, open_amount, weighted_amount = amount × stage probability). Closed: won
    or lost with their close time in the period (won_count, won_amount, lost_count,
    lost_amount, win_rate = won / (won + lost) by count). group_by: none, stage, month (open
    rows by expected close month, closed rows by close month), owner, source, type."""
    q = _query(uow, "pipeline", period, group_by, locale, actor, playbook)
    return _answer(analytics.pipeline(uow, query=q, playbook=playbook), format, q)


@router.get("/loss-reasons", responses=_JSON_OR_CSV)
def loss_reasons(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, period: PeriodDep,
    locale: LanguageDep, format: Format = "json", group_by: GroupBy = "none",
) -> Any:  # fmt: skip
    """Opportunities lost in the period by loss reason (within each owner or source when
    grouped): count, amount, share of the lost (of the group's when grouped). no_real_need_share
    = lost for no_real_need / every closed (won or lost) opportunity in the period (of the row's
    group on each row): high, the criteria for creating opportunities are too loose."""
    q = _query(uow, "loss-reasons", period, group_by, locale, actor, playbook)
    return _answer(analytics.loss_reasons(uow, query=q, playbook=playbook), format, q)


@router.get("/stage-times", responses=_JSON_OR_CSV)
def stage_times(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, period: PeriodDep, now: Now,
    locale: LanguageDep, format: Format = "json",
    pipeline: Annotated[Literal["lead", "opportunity"], Query()] = "lead",
) -> Any:  # fmt: skip
    """Time in each lead status or opportunity stage, from history: entered (stays begun in the
    period), left (stays ended in it), median_hours and p90_hours (calendar hours of the stays
    that ended in the period), current (in it now), stalled (in an open status or stage now for
    longer than the playbook's analytics stall threshold)."""
    q = _query(uow, "stage-times", period, "none", locale, actor, playbook)
    found = analytics.stage_times(uow, query=q, pipeline=pipeline, playbook=playbook, now=now)
    return _answer(found, format, q)


@router.post("/backtest", response_model=BacktestResult, responses=answers(400, 413))
def backtest(
    body: BacktestRequest, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, now: Now
) -> dict[str, Any]:
    """Back-test a proposed playbook: the leads created in the period replayed in time order
    (their stored signals, profile and qualification changes) under the current playbook and
    under the current one with ``playbook``'s sections changed (scoring weights, decay, MQL
    threshold, ready-to-convert rule...), by the scoring rules themselves. A lead counts as an
    MQL from the first moment its score reaches the threshold or its answers make it ready to
    convert, before it converted. Per playbook: leads, mql, mql_converted (MQLs that then
    converted), precision = mql_converted / mql, recall = mql_converted / converted leads,
    median_days_to_mql (from creation). 422 names a bad override (``playbook.scoring...``)."""
    days = period(playbook, now, body.from_, body.to)
    proposed = backtests.propose(playbook, body.playbook)
    checked = backtests.Backtest(
        days.start, days.end, playbook, proposed, readable_by(uow, actor, playbook)
    )
    return backtests.run(uow, backtest=checked, now=now)
