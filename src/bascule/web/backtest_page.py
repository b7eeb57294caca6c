"""The back-test page (SPEC §16): try an MQL threshold over a period and see what the current
playbook and the playbook with that threshold make of the same leads, side by side. The
figures are those of ``POST /api/v1/reports/backtest`` (``analytics.backtest``, with what the
signed-in user may read). A plain GET form: it reads, it changes nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from bascule.analytics import backtest as backtests
from bascule.analytics.access import readable_by
from bascule.errors import PlaybookInvalid, ValidationFailed
from bascule.http.deps import Now, PlaybookDep, ReadUow
from bascule.web import report_links as links
from bascule.web import report_parts as parts
from bascule.web.auth import PageActor
from bascule.web.i18n import _
from bascule.web.render import render
from bascule.web.reports import asked_of, check, problems_of

router = APIRouter(include_in_schema=False)
Param = Annotated[str | None, Query()]
From = Annotated[str | None, Query(alias="from")]

BACKTEST_MEASURES = backtests.MEASURES


@router.get("/reports/backtest", response_class=HTMLResponse, response_model=None)
def backtest_page(
    request: Request,
    uow: ReadUow,
    actor: PageActor,
    playbook: PlaybookDep,
    now: Now,
    from_: From = None,
    to: Param = None,
    threshold: Param = None,
) -> Response:
    asked = asked_of(from_, to, None, "none")
    name = "reports/backtest.html"
    typed = (threshold or "").strip()
    context: dict[str, Any] = {
        "asked": asked,
        "threshold": typed or str(playbook.scoring.mql_threshold),
        "problems": [],
        "result": None,
        "lines": [],
    }
    try:
        checked = check(asked, ("none",), playbook, now)
    except ValidationFailed as exc:
        context["problems"] = problems_of(exc, asked)
        return render(request, name, playbook, status_code=422, **context)
    if not typed:  # the form, not yet sent
        return render(request, name, playbook, **context)
    try:
        value: Any = int(typed) if typed.lstrip("-").isdigit() else typed
        proposed = backtests.propose(playbook, {"scoring": {"mql_threshold": value}})
    except PlaybookInvalid:
        context["problems"] = [_("MQL threshold: a whole number from 1 to 100.")]
        return render(request, name, playbook, status_code=422, **context)
    test = backtests.Backtest(
        checked.start, checked.end, playbook, proposed, readable_by(uow, actor, playbook)
    )
    result = backtests.run(uow, backtest=test, now=now)
    lines = []
    for m in BACKTEST_MEASURES:
        show = parts.show(m, playbook)
        href = links.cohort(checked.start, checked.end) if m == "leads" else None
        lines.append(
            parts.Line(
                _(parts.HEADERS[m]),
                tuple(
                    parts.Cell(show(result[side][m]), href if result[side][m] else None)
                    for side in ("current", "proposed")
                ),
            )
        )
    context |= {"result": result, "lines": lines, "start": checked.start, "end": checked.end}
    return render(request, name, playbook, **context)
