"""The SPEC §16 report pages: funnel, pipeline, loss reasons, time in each stage, and the
back-test. Their figures are those of ``GET /api/v1/reports/...`` and ``POST .../backtest``:
the same checks, the same use cases (``analytics.reports``, ``analytics.backtest``) with what
the signed-in user may read, labels in the page's language. The page adds the words, the
locale's formats, SVG charts drawn from the same rows (``web.charts``), a link from every
count to the list behind it (``web.report_links``) and ``format=csv``, the rows as the API's
CSV.

Every report page is the same steps (``_report``): read and check the query (a bad one is a
message above the form, never an error page), run the report, answer its CSV or show it; each
report only says how it runs (``run``) and what its page shows (``view``). The back-test page
is ``web.backtest_page``, included here."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from bascule.analytics import reports as analytics
from bascule.http.deps import Now, PlaybookDep, ReadUow
from bascule.playbook.schema import Playbook
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor
from bascule.web import backtest_page, formats
from bascule.web import report_links as links
from bascule.web import report_parts as parts
from bascule.web.auth import PageActor
from bascule.web.i18n import N_, _
from bascule.web.render import render
from bascule.web.reports import Asked, asked_of

router = APIRouter(include_in_schema=False)
router.include_router(backtest_page.router)
Param = Annotated[str | None, Query()]
From = Annotated[str | None, Query(alias="from")]
PAGE = "reports/analytics.html"

GROUPINGS = {
    "funnel": (
        ("none", N_("Everything")),
        ("source", N_("Source")),
        ("campaign", N_("Campaign")),
        ("owner", N_("Owner")),
        ("segment", N_("Company size")),
        ("month", N_("Month created")),
    ),
    "pipeline": (
        ("none", N_("Everything")),
        ("stage", N_("Stage")),
        ("month", N_("Month")),
        ("owner", N_("Owner")),
        ("source", N_("Source")),
        ("type", N_("Type")),
    ),
    "loss-reasons": (("none", N_("Everything")), ("owner", N_("Owner")), ("source", N_("Source"))),
}
# How a report runs on a checked query, and what its page shows of the answer (charts,
# tables, note): ``view(uow, query, report)``.
Run = Callable[[UnitOfWork, analytics.Query], dict[str, Any]]
View = Callable[[UnitOfWork, analytics.Query, dict[str, Any]], dict[str, Any]]


def _page(
    request: Request, playbook: Playbook, asked: Asked, kind: str, **context: Any
) -> HTMLResponse:
    groupings = [(value, _(label)) for value, label in GROUPINGS.get(kind, ())]
    context = {
        "asked": asked,
        "groupings": groupings,
        "problems": [],
        "report": None,
        "charts": [],
        "tables": [],
        "csv_url": None,
        "extra": None,
    } | context
    status = 422 if context["problems"] else 200
    return render(request, PAGE, playbook, status_code=status, **context)


def _report(
    request: Request, uow: UnitOfWork, actor: Actor, playbook: Playbook, now: dt.datetime, *,
    kind: str, title: str, asked: Asked, format: str | None, run: Run, view: View,
    problems: list[str] | None = None, **context: Any,
) -> Response:  # fmt: skip
    """One report page: the query read and checked (its problems shown with the form), the
    report run, its CSV or its page."""
    q, found = parts.checked_query(kind, asked, playbook, now, actor, uow)
    problems = (problems or []) + found
    if q is None or problems:
        return _page(request, playbook, asked, kind, problems=problems, title=title, **context)
    report = run(uow, q)
    if format == "csv":
        return parts.csv_response(report)
    shown = view(uow, q, report)
    return _page(request, playbook, asked, kind, report=report, title=title,
                 csv_url=parts.csv_url(request), **context, **shown)  # fmt: skip


# --- funnel -----------------------------------------------------------------------------------


FUNNEL_MEASURES = ("leads", "mql", "sql", "opportunities", "won", "lost", "mql_rate", "mql_to_sql",
                   "sql_to_opportunity", "opportunity_to_won", "lead_to_won")  # fmt: skip
FUNNEL_STEPS = ("leads", "mql", "sql", "opportunities", "won")


@router.get("/reports/funnel", response_class=HTMLResponse, response_model=None)
def funnel_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    from_: From = None, to: Param = None, group_by: Param = None, format: Param = None,
) -> Response:  # fmt: skip
    def run(uow: UnitOfWork, q: analytics.Query) -> dict[str, Any]:
        return analytics.funnel(uow, query=q, playbook=playbook)

    def view(uow: UnitOfWork, q: analytics.Query, report: dict[str, Any]) -> dict[str, Any]:
        by_month = report if q.group_by == "month" else run(uow, _by(q, "month"))
        return _funnel_view(report, by_month, q.group_by, playbook)

    return _report(
        request, uow, actor, playbook, now, kind="funnel", title=_("Funnel"), format=format,
        asked=asked_of(from_, to, group_by, "none"), run=run, view=view,
    )  # fmt: skip


def _by(q: analytics.Query, group: str) -> analytics.Query:
    return dataclasses.replace(q, group_by=group)


def _funnel_view(
    report: dict[str, Any], by_month: dict[str, Any], group: str, playbook: Playbook
) -> dict[str, Any]:
    start, end = parts.period_of(report)
    total = report["total"]
    show = parts.show("leads", playbook)
    steps = [(_(parts.HEADERS[m]), total[m]) for m in FUNNEL_STEPS]
    days = {"start": formats.date(start), "end": formats.date(end)}
    funnel_chart = parts.bars_chart(
        "funnel-chart",
        _("Funnel of the leads created in the period"),
        _("Leads created from {start} to {end} and how far they got:").format(**days),
        steps,
        show,
    )
    months = [row["key"] for row in by_month["rows"]]
    trend = parts.columns_chart(
        "trend-chart",
        _("Trend by month created"),
        _("Leads, MQL and opportunities by month of creation:"),
        months,
        [
            (_(parts.HEADERS[m]), [row[m] for row in by_month["rows"]])
            for m in ("leads", "mql", "opportunities")
        ],
        show,
    )
    table = parts.table(
        "funnel-table",
        _("Funnel"),
        report,
        FUNNEL_MEASURES,
        playbook,
        group,
        lambda group, row, m: (
            None
            if m not in (*FUNNEL_STEPS, "lost")
            else links.funnel(group, row["key"], m, start, end)
        ),
    )
    note = _(
        "Cohort: the leads created in the period. A lead reached a status when its history "
        "holds it or a later one of new < contacted < mql < sql < converted; a requalified "
        "or recycled lead counts once. Won and lost: the outcome of its opportunity now."
    )
    return {"charts": [funnel_chart, trend], "tables": [table], "note": note}


# --- pipeline ---------------------------------------------------------------------------------


PIPELINE_MEASURES = ("open_count", "open_amount", "weighted_amount", "won_count", "won_amount",
                     "lost_count", "lost_amount", "win_rate")  # fmt: skip
OPEN_MEASURES = frozenset({"open_count", "open_amount", "weighted_amount"})


@router.get("/reports/pipeline", response_class=HTMLResponse, response_model=None)
def pipeline_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    from_: From = None, to: Param = None, group_by: Param = None, format: Param = None,
) -> Response:  # fmt: skip
    def run(uow: UnitOfWork, q: analytics.Query) -> dict[str, Any]:
        return analytics.pipeline(uow, query=q, playbook=playbook)

    def view(uow: UnitOfWork, q: analytics.Query, report: dict[str, Any]) -> dict[str, Any]:
        by_stage = report if q.group_by == "stage" else run(uow, _by(q, "stage"))
        by_month = report if q.group_by == "month" else run(uow, _by(q, "month"))
        return _pipeline_view(report, by_stage, by_month, q.group_by, playbook)

    return _report(
        request, uow, actor, playbook, now, kind="pipeline", title=_("Pipeline"), format=format,
        asked=asked_of(from_, to, group_by, "stage"), run=run, view=view,
    )  # fmt: skip


def _pipeline_view(
    report: dict[str, Any], by_stage: dict[str, Any], by_month: dict[str, Any], group: str,
    playbook: Playbook,
) -> dict[str, Any]:  # fmt: skip
    start, end = parts.period_of(report)
    money = parts.show("open_amount", playbook)
    open_stages = set(playbook.open_stage_keys)
    stage_chart = parts.bars_chart(
        "stage-chart",
        _("Open pipeline by stage"),
        _("Amount of the open opportunities expected to close in the period, by stage:"),
        [
            (row["label"], row["open_amount"])
            for row in by_stage["rows"]
            if row["key"] in open_stages
        ],
        money,
    )
    rows = sorted(by_month["rows"], key=lambda r: str(r["key"]))
    month_chart = parts.columns_chart(
        "month-chart",
        _("Pipeline by close month"),
        _("Open amount by expected close month, won amount by close month:"),
        [str(r["key"]) for r in rows],
        [
            (_("Open amount"), [r["open_amount"] for r in rows]),
            (_("Won amount"), [r["won_amount"] for r in rows]),
        ],
        money,
    )
    table = parts.table(
        "pipeline-table",
        _("Pipeline"),
        report,
        PIPELINE_MEASURES,
        playbook,
        group,
        lambda group, row, m: (
            None
            if m == "win_rate"
            else links.pipeline(
                group,
                row["key"],
                "open" if m in OPEN_MEASURES else ("won" if m.startswith("won") else "lost"),
                start,
                end,
            )
        ),
    )
    note = _(
        "Open: opportunities open now whose expected close date is in the period; weighted "
        "amount = amount × the stage's probability. Won and lost: closed in the period. "
        "Win rate = won / (won + lost), by count. By month: open by expected close month, "
        "closed by close month."
    )
    return {"charts": [stage_chart, month_chart], "tables": [table], "note": note}


# --- loss reasons -----------------------------------------------------------------------------


@router.get("/reports/loss-reasons", response_class=HTMLResponse, response_model=None)
def loss_reasons_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    from_: From = None, to: Param = None, group_by: Param = None, format: Param = None,
) -> Response:  # fmt: skip
    def run(uow: UnitOfWork, q: analytics.Query) -> dict[str, Any]:
        return analytics.loss_reasons(uow, query=q, playbook=playbook)

    def view(uow: UnitOfWork, q: analytics.Query, report: dict[str, Any]) -> dict[str, Any]:
        return _losses_view(report, q.group_by, playbook)

    return _report(
        request, uow, actor, playbook, now, kind="loss-reasons", title=_("Loss reasons"),
        format=format, asked=asked_of(from_, to, group_by, "none"), run=run, view=view,
    )  # fmt: skip


def _losses_view(report: dict[str, Any], group: str, playbook: Playbook) -> dict[str, Any]:
    start, end = parts.period_of(report)
    grouped = group != "none"
    measures: tuple[str, ...] = ("reason_label",) if grouped else ()
    measures += ("count", "amount", "share", "no_real_need_share")
    count = parts.show("count", playbook)
    chart_rows = [
        (f"{row['label']} · {row['reason_label']}" if grouped else row["label"], row["count"])
        for row in report["rows"]
    ]
    chart = parts.bars_chart(
        "loss-chart",
        _("Opportunities lost by reason"),
        _("Opportunities lost in the period, by reason:"),
        chart_rows,
        count,
    )
    table = parts.table(
        "loss-table",
        _("Loss reasons"),
        report,
        measures,
        playbook,
        group,
        lambda group, row, m: (
            None
            if m not in ("count", "amount")
            else links.losses(
                group, row["key"], row.get("reason") if grouped else row["key"], start, end
            )
        ),
    )
    share = formats.percent(
        None if report["no_real_need_share"] is None else report["no_real_need_share"] * 100,
        digits=1,
    )
    note = _(
        "Share: of the opportunities lost (in the row's group when grouped). No real need: "
        "lost for no real need over every opportunity closed (won or lost) in the period, "
        "{share} overall: high, the criteria for creating opportunities are too loose."
    )
    return {"charts": [chart], "tables": [table], "note": note.format(share=share)}


# --- time in each status or stage -------------------------------------------------------------


STAY_MEASURES = ("entered", "left", "median_hours", "p90_hours", "current", "stalled")


@router.get("/reports/stage-times", response_class=HTMLResponse, response_model=None)
def stage_times_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    from_: From = None, to: Param = None, pipeline: Param = None, format: Param = None,
) -> Response:  # fmt: skip
    chosen = (pipeline or "lead").strip()
    extra = {
        "pipeline": chosen,
        "choices": [("lead", _("Lead statuses")), ("opportunity", _("Opportunity stages"))],
    }
    problems = []
    if chosen not in analytics.PIPELINES:
        text = _("Unknown pipeline: “{value}”. Choose one from the list.")
        problems.append(text.format(value=chosen[:60]))
    kind: Literal["lead", "opportunity"] = "lead" if chosen == "lead" else "opportunity"

    def run(uow: UnitOfWork, q: analytics.Query) -> dict[str, Any]:
        return analytics.stage_times(uow, query=q, pipeline=kind, playbook=playbook, now=now)

    def view(uow: UnitOfWork, q: analytics.Query, report: dict[str, Any]) -> dict[str, Any]:
        return _stays_view(report, kind, playbook)

    return _report(
        request, uow, actor, playbook, now, kind="stage-times",
        title=_("Time in each status and stage"), format=format,
        asked=asked_of(from_, to, None, "none"), run=run, view=view, problems=problems,
        extra=extra,
    )  # fmt: skip


def _stays_view(report: dict[str, Any], kind: str, playbook: Playbook) -> dict[str, Any]:
    hours = parts.show("median_hours", playbook)
    chart = parts.bars_chart(
        "stay-chart",
        _("Median time in each status or stage (hours)"),
        _("Median calendar hours of the stays that ended in the period:"),
        [(row["label"], row["median_hours"]) for row in report["rows"]],
        hours,
    )
    table = parts.table(
        "stay-table",
        _("Time in each status and stage"),
        report,
        STAY_MEASURES,
        playbook,
        "none",
        lambda group, row, m: (
            links.stays(kind, None if group == parts.TOTAL else row["key"], m == "stalled")
            if m in ("current", "stalled")
            else None
        ),
    )
    note = _(
        "Entered and left: stays begun and ended in the period. Median and P90: calendar "
        "hours of the stays that ended in the period. Stalled: in it now for longer than the "
        "playbook's stall threshold."
    )
    return {"charts": [chart], "tables": [table], "note": note}
