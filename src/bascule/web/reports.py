"""Report pages (SPEC §10): first-response SLA compliance and requalifications. The figures are
those of ``GET /api/v1/reports/sla`` and ``/reports/requalifications``: the same query checks
(``http.reports.period`` and ``groups``) and the same service calls; the page only adds words,
a table and a bar chart drawn here as SVG (no script).

A bad query (a date that is not one, a period ending before it starts, an unknown grouping) is
a message on the page, with the form to correct it, never an error page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import TypeAdapter, ValidationError

from bascule.errors import ValidationFailed
from bascule.http import reports as report_query
from bascule.http.deps import Now, PlaybookDep, ReadUow
from bascule.leads import reports as lead_reports
from bascule.leads import requalifications
from bascule.playbook.schema import Playbook
from bascule.sla import report as sla_report
from bascule.sla import service as sla
from bascule.web import formats
from bascule.web.auth import PageActor
from bascule.web.i18n import _
from bascule.web.labels import value_label
from bascule.web.render import render

router = APIRouter(include_in_schema=False)

SLA_DEFAULT_GROUPS = "rule,owner"  # as the API's defaults
REQUALIFICATION_DEFAULT_GROUPS = "reason"
_DAY = TypeAdapter(dt.date)  # what the API accepts for ``from`` and ``to``
Param = Annotated[str | None, Query()]


@dataclass(frozen=True)
class Asked:
    """The query as typed, shown back in the form."""

    from_: str
    to: str
    group_by: str


@dataclass(frozen=True)
class Checked:
    start: dt.date
    end: dt.date
    groups: tuple[str, ...]


def asked_of(from_: str | None, to: str | None, group_by: str | None, default: str) -> Asked:
    return Asked((from_ or "").strip(), (to or "").strip(), (group_by or "").strip() or default)


def check(asked: Asked, allowed: tuple[str, ...], playbook: Playbook, now: dt.datetime) -> Checked:
    """The API's checks on the typed query; ``ValidationFailed`` names the fields at fault."""
    days: dict[str, dt.date | None] = {}
    faults: dict[str, str] = {}
    for name, text in (("from", asked.from_), ("to", asked.to)):
        try:
            days[name] = _DAY.validate_python(text) if text else None
        except ValidationError:
            faults[name] = "not a date"
    try:
        groups = report_query.groups(asked.group_by, allowed)
    except ValidationFailed as exc:
        faults |= exc.fields
    if faults:
        raise ValidationFailed("bad report query", fields=faults)
    period = report_query.period(playbook, now, days["from"], days["to"])
    return Checked(period.start, period.end, groups)


def problems_of(exc: ValidationFailed, asked: Asked) -> list[str]:
    typed = {"from": asked.from_, "to": asked.to, "group_by": asked.group_by}
    names = {"from": _("From"), "to": _("To")}
    problems = []
    for field, detail in exc.fields.items():
        value, name = typed.get(field, "")[:60], names.get(field, field)
        if field == "group_by":
            problems.append(
                _("Unknown grouping: “{value}”. Choose one from the list.").format(value=value)
            )
        elif detail == "not a date":
            problems.append(
                _("{field}: “{value}” is not a date (YYYY-MM-DD).").format(field=name, value=value)
            )
        elif detail == "after to":
            problems.append(_("The period ends before it starts: “From” must come before “To”."))
        else:
            first = formats.date(report_query.FIRST_DAY)
            last = formats.date(report_query.LAST_DAY)
            problems.append(
                _("{field} must be between {first} and {last}.").format(
                    field=name, first=first, last=last
                )
            )
    return problems


def _invalid(
    request: Request, name: str, playbook: Playbook, asked: Asked, exc: ValidationFailed
) -> HTMLResponse:
    problems = problems_of(exc, asked)
    return render(
        request, name, playbook, status_code=422, asked=asked, problems=problems, report=None,
        lines=[], bars=[],
    )  # fmt: skip


@router.get("/reports/sla", response_class=HTMLResponse)
def sla_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    from_: Annotated[str | None, Query(alias="from")] = None, to: Param = None,
    group_by: Param = None,
) -> HTMLResponse:  # fmt: skip
    asked = asked_of(from_, to, group_by, SLA_DEFAULT_GROUPS)
    try:
        q = check(asked, sla_report.GROUPS, playbook, now)
    except ValidationFailed as exc:
        return _invalid(request, "reports/sla.html", playbook, asked, exc)
    report = sla.report(
        uow, start=q.start, end=q.end, group_by=q.groups, now=now, playbook=playbook
    )
    lines = [(_sla_group(row, q.groups), row) for row in report["rows"]]
    return render(
        request, "reports/sla.html", playbook, asked=asked, problems=[], report=report,
        lines=lines, bars=_bars(lines, "compliance_percent", percent=True),
    )  # fmt: skip


@router.get("/reports/requalifications", response_class=HTMLResponse)
def requalifications_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    from_: Annotated[str | None, Query(alias="from")] = None, to: Param = None,
    group_by: Param = None,
) -> HTMLResponse:  # fmt: skip
    asked = asked_of(from_, to, group_by, REQUALIFICATION_DEFAULT_GROUPS)
    name = "reports/requalifications.html"
    try:
        q = check(asked, requalifications.GROUPS, playbook, now)
    except ValidationFailed as exc:
        return _invalid(request, name, playbook, asked, exc)
    report = lead_reports.requalifications(
        uow, start=q.start, end=q.end, group_by=q.groups, playbook=playbook
    )
    lines = [(_requalification_group(row, q.groups, playbook), row) for row in report["rows"]]
    return render(
        request, name, playbook, asked=asked, problems=[], report=report, lines=lines,
        bars=_bars(lines, "requalifications"),
    )  # fmt: skip


# --- words for the groups, and the chart's bars ---------------------------------------------


def _owner(row: dict[str, Any]) -> str:
    if row.get("owner_id") is None:
        return _("No owner")
    return str(row.get("owner_name") or f"#{row['owner_id']}")


def _sla_group(row: dict[str, Any], groups: tuple[str, ...]) -> str:
    parts = [value_label(None, "rule", row["rule"]) if g == "rule" else _owner(row) for g in groups]
    return " · ".join(parts)


def _requalification_group(row: dict[str, Any], groups: tuple[str, ...], playbook: Playbook) -> str:
    parts = []
    for group in groups:
        if group == "owner":
            parts.append(_owner(row))
        elif group == "source":
            parts.append(value_label(playbook, "source", row["source"]))
        else:
            parts.append(row["reason"] or _("(no reason)"))
    return " · ".join(parts)


def _bars(
    lines: list[tuple[str, dict[str, Any]]], figure: str, *, percent: bool = False
) -> list[dict[str, Any]]:
    """One bar per group, as long as its figure over the longest (100 % for percentages);
    a group without the figure (no clock decided yet) keeps its place with an empty bar."""
    values = [row[figure] for _label, row in lines]
    top = 100.0 if percent else float(max((v for v in values if v), default=0) or 1)
    bars = []
    for (label, _row), value in zip(lines, values, strict=True):
        text = formats.percent(value, digits=1) if percent else formats.number(value)
        share = 0.0 if value is None else min(float(value) / top, 1.0)
        bars.append({"label": label, "share": share, "text": text, "spoken": f"{label} {text}"})
    return bars
