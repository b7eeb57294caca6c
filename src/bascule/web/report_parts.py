"""What the SPEC §16 report pages share: the words of each measure, how a measure is written
(percent, money, hours, count: the locale's formats), the report's rows as a table whose counts
link to the records behind them, the charts' data (``web.charts``), and the CSV download (the
API's CSV of the same rows, ``analytics.export``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from babel.dates import format_date
from fastapi import Request
from fastapi.responses import Response

from bascule.analytics import export
from bascule.analytics import reports as analytics
from bascule.analytics.access import readable_by
from bascule.errors import ValidationFailed
from bascule.playbook.schema import Playbook
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor
from bascule.web import charts, formats
from bascule.web import report_links as links
from bascule.web.i18n import N_, _, language
from bascule.web.reports import Asked, check, problems_of

HEADERS = {
    "leads": N_("Leads"),
    "mql": N_("MQL"),
    "sql": N_("SQL"),
    "opportunities": N_("Opportunities"),
    "won": N_("Won"),
    "lost": N_("Lost"),
    "mql_rate": N_("MQL rate"),
    "mql_to_sql": N_("MQL → SQL"),
    "sql_to_opportunity": N_("SQL → opportunity"),
    "opportunity_to_won": N_("Opportunity → won"),
    "lead_to_won": N_("Lead → won"),
    "open_count": N_("Open"),
    "open_amount": N_("Open amount"),
    "weighted_amount": N_("Weighted amount"),
    "won_count": N_("Won"),
    "won_amount": N_("Won amount"),
    "lost_count": N_("Lost"),
    "lost_amount": N_("Lost amount"),
    "win_rate": N_("Win rate"),
    "reason_label": N_("Reason"),
    "count": N_("Lost"),
    "amount": N_("Amount"),
    "share": N_("Share of lost"),
    "no_real_need_share": N_("No real need (of closed)"),
    "entered": N_("Entered"),
    "left": N_("Left"),
    "median_hours": N_("Median (hours)"),
    "p90_hours": N_("P90 (hours)"),
    "current": N_("In it now"),
    "stalled": N_("Stalled"),
    "mql_converted": N_("MQL converted"),
    "precision": N_("Precision"),
    "recall": N_("Recall"),
    "median_days_to_mql": N_("Median days to MQL"),
}
RATES = frozenset(
    {
        "mql_rate",
        "mql_to_sql",
        "sql_to_opportunity",
        "opportunity_to_won",
        "lead_to_won",
        "win_rate",
        "share",
        "no_real_need_share",
        "precision",
        "recall",
    }
)
AMOUNTS = frozenset({"open_amount", "weighted_amount", "won_amount", "lost_amount", "amount"})
HOURS = frozenset({"median_hours", "p90_hours", "median_days_to_mql"})
TOTAL = links.TOTAL


@dataclasses.dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None


@dataclasses.dataclass(frozen=True)
class Line:
    label: str
    cells: tuple[Cell, ...]


@dataclasses.dataclass(frozen=True)
class Table:
    id: str
    caption: str
    headers: tuple[str, ...]
    lines: tuple[Line, ...]
    total: Line | None


# --- shared steps -----------------------------------------------------------------------------


def checked_query(
    report: str, asked: Asked, playbook: Playbook, now: dt.datetime, actor: Actor,
    uow: UnitOfWork,
) -> tuple[analytics.Query | None, list[str]]:  # fmt: skip
    """The first step of every report page: the typed query through the API's checks, as a
    query with what the reader may count, or None and the problems in the reader's words."""
    allowed = analytics.GROUPS.get(report, ("none",))
    try:
        checked = check(asked, allowed, playbook, now)
        group = analytics.check_group(report, ",".join(checked.groups))
    except ValidationFailed as exc:
        return None, problems_of(exc, asked)
    readable = readable_by(uow, actor, playbook)
    return analytics.Query(checked.start, checked.end, group, language(), readable), []


def show(measure: str, playbook: Playbook) -> Callable[[Any], str]:
    """How the page writes a measure: percent, money, hours or a count."""
    if measure in RATES:
        return lambda v: formats.percent(None if v is None else v * 100, digits=1)
    if measure in AMOUNTS:
        return lambda v: formats.money(v, playbook.general.currency)
    if measure in HOURS:
        return lambda v: formats.number(v, digits=1)
    return lambda v: formats.number(v)


def csv_response(report: dict[str, Any]) -> Response:
    name = f"{report['report']}-{report['from']}-{report['to']}.csv"
    return Response(
        export.to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def csv_url(request: Request) -> str:
    url = request.url.include_query_params(format="csv")
    return f"{url.path}?{url.query}"


def table(
    id: str,
    caption: str,
    report: dict[str, Any],
    measures: tuple[str, ...],
    playbook: Playbook,
    group: str,
    link: Callable[[str, dict[str, Any], str], str | None],
) -> Table:
    """The report's rows as a table, each count linked by ``link(group, row, measure)``."""
    shows = {m: show(m, playbook) for m in measures}

    def line(row: dict[str, Any], total: bool) -> Line:
        cells = []
        for m in measures:
            value = row.get(m)
            if m == "reason_label":
                cells.append(Cell(str(value or "")))
                continue
            # The total links to every record of the period: the group filter is left out.
            href = None if value in (None, 0) else link(TOTAL if total else group, row, m)
            cells.append(Cell(shows[m](value), href))
        return Line(str(row["label"]), tuple(cells))

    lines = tuple(line(row, False) for row in report["rows"])
    total = line(report["total"], True) if report.get("total") else None
    return Table(id, caption, tuple(_(HEADERS[m]) for m in measures), lines, total)


def bars_chart(
    id: str, title: str, desc: str, lines: list[tuple[str, Any]], show: Callable[[Any], str]
) -> dict[str, Any]:
    found = charts.bars(lines, show)
    return {
        "kind": "bars",
        "id": id,
        "title": title,
        "desc": f"{desc} {charts.spoken(found)}.",
        "bars": found,
    }


def columns_chart(
    id: str,
    title: str,
    desc: str,
    months: list[str],
    series: list[tuple[str, list[Any]]],
    show: Callable[[Any], str],
) -> dict[str, Any]:
    found = charts.columns([short_month(m) for m in months], series, show)
    return {
        "kind": "columns",
        "id": id,
        "title": title,
        "desc": f"{desc} {charts.spoken(found.groups)}.",
        "columns": found,
    }


def short_month(key: str) -> str:
    year, month = (int(part) for part in key.split("-"))
    return format_date(dt.date(year, month, 1), "MMM y", locale=language())


def period_of(report: dict[str, Any]) -> tuple[dt.date, dt.date]:
    return report["from"], report["to"]
