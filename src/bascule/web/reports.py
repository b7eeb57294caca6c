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
from bascule.web.i18n import labels
from bascule.web.render import PageActor, locale_of, number, render

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


def _asked(from_: str | None, to: str | None, group_by: str | None, default: str) -> Asked:
    return Asked((from_ or "").strip(), (to or "").strip(), (group_by or "").strip() or default)


def _check(asked: Asked, allowed: tuple[str, ...], playbook: Playbook, now: dt.datetime) -> Checked:
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


def _problems(exc: ValidationFailed, asked: Asked, locale: str) -> list[str]:
    t = labels(locale)
    typed = {"from": asked.from_, "to": asked.to, "group_by": asked.group_by}
    problems = []
    for field, detail in exc.fields.items():
        value, name = typed.get(field, "")[:60], t.get(f"period_{field}", field)
        if field == "group_by":
            problems.append(t["bad_group_by"].format(value=value))
        elif detail == "not a date":
            problems.append(t["bad_date"].format(field=name, value=value))
        elif detail == "after to":
            problems.append(t["period_reversed"])
        else:
            first, last = report_query.FIRST_DAY, report_query.LAST_DAY
            problems.append(t["date_out_of_range"].format(field=name, first=first, last=last))
    return problems


def _invalid(
    request: Request, name: str, playbook: Playbook, asked: Asked, exc: ValidationFailed
) -> HTMLResponse:
    problems = _problems(exc, asked, locale_of(request))
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
    asked = _asked(from_, to, group_by, SLA_DEFAULT_GROUPS)
    try:
        q = _check(asked, sla_report.GROUPS, playbook, now)
    except ValidationFailed as exc:
        return _invalid(request, "reports/sla.html", playbook, asked, exc)
    report = sla.report(
        uow, start=q.start, end=q.end, group_by=q.groups, now=now, playbook=playbook
    )
    locale = locale_of(request)
    lines = [(_sla_group(row, q.groups, locale), row) for row in report["rows"]]
    return render(
        request, "reports/sla.html", playbook, asked=asked, problems=[], report=report,
        lines=lines, bars=_bars(lines, "compliance_percent", locale, suffix=" %"),
    )  # fmt: skip


@router.get("/reports/requalifications", response_class=HTMLResponse)
def requalifications_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    from_: Annotated[str | None, Query(alias="from")] = None, to: Param = None,
    group_by: Param = None,
) -> HTMLResponse:  # fmt: skip
    asked = _asked(from_, to, group_by, REQUALIFICATION_DEFAULT_GROUPS)
    name = "reports/requalifications.html"
    try:
        q = _check(asked, requalifications.GROUPS, playbook, now)
    except ValidationFailed as exc:
        return _invalid(request, name, playbook, asked, exc)
    report = lead_reports.requalifications(
        uow, start=q.start, end=q.end, group_by=q.groups, playbook=playbook
    )
    locale = locale_of(request)
    lines = [
        (_requalification_group(row, q.groups, playbook, locale), row) for row in report["rows"]
    ]
    return render(
        request, name, playbook, asked=asked, problems=[], report=report, lines=lines,
        bars=_bars(lines, "requalifications", locale),
    )  # fmt: skip


# --- words for the groups, and the chart's bars ---------------------------------------------


def _owner(row: dict[str, Any], t: dict[str, str]) -> str:
    if row.get("owner_id") is None:
        return t["no_owner"]
    return str(row.get("owner_name") or f"#{row['owner_id']}")


def _sla_group(row: dict[str, Any], groups: tuple[str, ...], locale: str) -> str:
    t = labels(locale)
    parts = [str(row["rule"]) if g == "rule" else _owner(row, t) for g in groups]
    return " · ".join(parts)


def _requalification_group(
    row: dict[str, Any], groups: tuple[str, ...], playbook: Playbook, locale: str
) -> str:
    t = labels(locale)
    sources = {s.key: s.label.get(locale) for s in playbook.lead_sources}
    parts = []
    for group in groups:
        if group == "owner":
            parts.append(_owner(row, t))
        elif group == "source":
            parts.append(sources.get(row["source"], row["source"]))
        else:
            parts.append(row["reason"] or t["no_reason"])
    return " · ".join(parts)


def _bars(
    lines: list[tuple[str, dict[str, Any]]], figure: str, locale: str, *, suffix: str = ""
) -> list[dict[str, Any]]:
    """One bar per group, as long as its figure over the longest (100 % for percentages);
    a group without the figure (no clock decided yet) keeps its place with an empty bar."""
    values = [row[figure] for _, row in lines]
    top = 100.0 if suffix == " %" else float(max((v for v in values if v), default=0) or 1)
    digits = 1 if suffix == " %" else 0
    return [
        {
            "label": label,
            "share": 0.0 if value is None else min(float(value) / top, 1.0),
            "text": number(value, locale, digits) + (suffix if value is not None else ""),
        }
        for (label, _), value in zip(lines, values, strict=True)
    ]
