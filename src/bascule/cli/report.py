"""``bascule report funnel | pipeline | loss-reasons | stage-times`` (SPEC §16): the API's
reports from the command line, as a Rich table, CSV or JSON (the same rows and totals); and
``bascule report backtest FILE.toml``, the API's back-test of a proposed playbook."""

from __future__ import annotations

import json
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.progress import Progress
from rich.table import Table

from bascule.analytics import backtest as backtests
from bascule.analytics import export, metrics
from bascule.analytics import reports as analytics
from bascule.analytics.access import EVERYTHING
from bascule.cli.common import CommandFailed, console, now, read_text, state
from bascule.errors import PlaybookInvalid
from bascule.playbook import service as playbooks

app = typer.Typer(
    help="Reports: funnel, pipeline, loss reasons, time in each stage; back-testing a playbook."
)

From = Annotated[
    datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD).")
]
To = Annotated[
    datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, included.")
]
Format = Annotated[str, typer.Option("--format", help="table, csv or json.")]
Lang = Annotated[str | None, typer.Option("--lang", help="Labels in fr or en.")]
FORMATS = ("table", "csv", "json")


def _group(report: str) -> Any:
    allowed = ", ".join(analytics.GROUPS[report])
    return typer.Option("--group-by", help=f"One of {allowed}.")


def _run(ctx: typer.Context, report: str, start: datetime | None, end: datetime | None,
         group_by: str, format: str, lang: str | None, **extra: Any) -> None:  # fmt: skip
    if format not in FORMATS:
        raise CommandFailed(f"--format: one of {', '.join(FORMATS)}")
    settings, database = state(ctx).settings, state(ctx).database
    playbook = playbooks.active(database, max_age=0)
    at = now()
    today = at.astimezone(ZoneInfo(playbook.calendar.timezone)).date()
    first, last = analytics.default_period(end.date() if end else today)
    first = start.date() if start else first
    if first > last:
        raise CommandFailed("--from: after --to")
    locale = lang or settings.locale
    query = analytics.Query(first, last, analytics.check_group(report, group_by), locale,
                            EVERYTHING)  # fmt: skip
    with database.uow() as uow:
        if report == "stage-times":
            found = analytics.stage_times(uow, query=query, playbook=playbook, now=at, **extra)
        else:
            run = {"funnel": analytics.funnel, "pipeline": analytics.pipeline,
                   "loss-reasons": analytics.loss_reasons}[report]  # fmt: skip
            found = run(uow, query=query, playbook=playbook)
    _show(found, format)


def _show(found: dict[str, Any], format: str) -> None:
    if format == "json":
        typer.echo(json.dumps(found, default=str, ensure_ascii=False, indent=2))
        return
    if format == "csv":
        typer.echo(export.to_csv(found), nl=False)
        return
    names = export.columns(found)
    title = f"{found['report']} {found['from']} → {found['to']}"
    table = Table(*(n for n in names if n != "key"), title=title)
    for row in [*found["rows"], found["total"]]:
        table.add_row(*(_cell(n, row.get(n)) for n in names if n != "key"))
    console().print(table)


def _cell(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in metrics.RATES:
        return f"{value * 100:.1f} %"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


@app.command("funnel")
def funnel(ctx: typer.Context, start: From = None, end: To = None,
           group_by: Annotated[str, _group("funnel")] = "none",
           format: Format = "table", lang: Lang = None) -> None:  # fmt: skip
    """Cohort funnel of the leads created in the period (SPEC §16)."""
    _run(ctx, "funnel", start, end, group_by, format, lang)


@app.command("pipeline")
def pipeline(ctx: typer.Context, start: From = None, end: To = None,
             group_by: Annotated[str, _group("pipeline")] = "none",
             format: Format = "table", lang: Lang = None) -> None:  # fmt: skip
    """Open pipeline expected to close in the period, won and lost in it, win rate."""
    _run(ctx, "pipeline", start, end, group_by, format, lang)


@app.command("loss-reasons")
def loss_reasons(ctx: typer.Context, start: From = None, end: To = None,
                 group_by: Annotated[str, _group("loss-reasons")] = "none",
                 format: Format = "table", lang: Lang = None) -> None:  # fmt: skip
    """Opportunities lost in the period by reason, and the no-real-need share."""
    _run(ctx, "loss-reasons", start, end, group_by, format, lang)


@app.command("stage-times")
def stage_times(ctx: typer.Context, start: From = None, end: To = None,
                pipeline: Annotated[str, typer.Option(help="lead or opportunity.")] = "lead",
                format: Format = "table", lang: Lang = None) -> None:  # fmt: skip
    """Time in each lead status or opportunity stage, and who stalls where."""
    if pipeline not in analytics.PIPELINES:
        raise CommandFailed("--pipeline: lead or opportunity")
    _run(ctx, "stage-times", start, end, "none", format, lang, pipeline=pipeline)


BACKTEST_FORMATS = ("table", "json")


@app.command("backtest")
def backtest(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="TOML: the playbook sections to change.")],
    start: From = None, end: To = None,
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:  # fmt: skip
    """Replay the leads created in the period under the active playbook and under it with
    FILE's sections changed (e.g. [scoring] mql_threshold = 40): MQL volume, precision and
    recall against actual conversions, median days to MQL (SPEC §16)."""
    if format not in BACKTEST_FORMATS:
        raise CommandFailed(f"--format: one of {', '.join(BACKTEST_FORMATS)}")
    try:
        overrides = tomllib.loads(read_text(file))
    except tomllib.TOMLDecodeError as exc:
        raise CommandFailed(f"{file}: not valid TOML: {exc}") from None
    database = state(ctx).database
    current = playbooks.active(database, max_age=0)
    try:
        proposed = backtests.propose(current, overrides, within="")
    except PlaybookInvalid as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise CommandFailed(f"{file}: {problems}") from None
    at = now()
    today = at.astimezone(ZoneInfo(current.calendar.timezone)).date()
    first, last = analytics.default_period(end.date() if end else today)
    first = start.date() if start else first
    if first > last:
        raise CommandFailed("--from: after --to")
    checked = backtests.Backtest(first, last, current, proposed)
    with database.uow() as uow:
        if format == "json":
            found = backtests.run(uow, backtest=checked, now=at)
            typer.echo(json.dumps(found, indent=2))
            return
        with Progress(console=console(), transient=True) as bar:
            task = bar.add_task("Replaying leads", total=None)
            found = backtests.run(
                uow, backtest=checked, now=at,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )  # fmt: skip
    table = Table("", "current", "proposed", title=f"backtest {first} → {last}")
    for name in backtests.MEASURES:
        table.add_row(name, *(_measure(name, found[side][name]) for side in found))
    console().print(table)


def _measure(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in ("precision", "recall"):
        return f"{value * 100:.1f} %"
    return str(value)
