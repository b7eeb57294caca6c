"""The back-test page (SPEC §16): over a period, what the current playbook and a proposed one
make of the same leads, side by side (volumes, precision, recall, time to MQL). The proposed
playbook is the current one with what the form changes: the MQL threshold, the decay, the
points of each scoring rule, the ready-to-convert rule (``web.backtest_form``). The figures
are those of ``POST /api/v1/reports/backtest`` (``analytics.backtest``, with what the
signed-in user may read), and so are the refusals: each beside its input. A plain GET form:
it reads, it changes nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from bascule.analytics import backtest as backtests
from bascule.errors import PlaybookInvalid
from bascule.http.deps import Now, PlaybookDep, ReadUow
from bascule.web import backtest_form as form
from bascule.web import report_links as links
from bascule.web import report_parts as parts
from bascule.web.auth import PageActor
from bascule.web.i18n import _
from bascule.web.render import render
from bascule.web.reports import asked_of

router = APIRouter(include_in_schema=False)
Param = Annotated[str | None, Query()]
From = Annotated[str | None, Query(alias="from")]
PAGE = "reports/backtest.html"


@router.get("/reports/backtest", response_class=HTMLResponse, response_model=None)
def backtest_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    from_: From = None, to: Param = None,
) -> Response:  # fmt: skip
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    asked = asked_of(from_, to, None, "none")
    context: dict[str, Any] = {"asked": asked, "problems": [], "errors": {}, "result": None,
                               "lines": [], "groups": form.groups(playbook, params)}  # fmt: skip
    # The report pages' first step: the period checked, what the reader may count.
    q, context["problems"] = parts.checked_query("backtest", asked, playbook, now, actor, uow)
    if q is None:
        return render(request, PAGE, playbook, status_code=422, **context)
    if not form.sent(params):  # the form, not yet sent
        return render(request, PAGE, playbook, **context)
    try:
        proposed = backtests.propose(playbook, form.overrides(playbook, params), within="")
    except PlaybookInvalid as exc:
        errors, loose = form.errors_by_input(exc.fields, playbook)
        context |= {"errors": errors, "problems": [_("The proposed playbook is not accepted: "
                    "see the settings marked below."), *loose]}  # fmt: skip
        return render(request, PAGE, playbook, status_code=422, **context)
    test = backtests.Backtest(q.start, q.end, playbook, proposed, q.readable)
    result = backtests.run(uow, backtest=test, now=now)
    context |= {"result": result, "lines": _lines(result, q.start, q.end, playbook),
                "start": q.start, "end": q.end,
                "proposed_threshold": proposed.scoring.mql_threshold}  # fmt: skip
    return render(request, PAGE, playbook, **context)


def _lines(result: dict[str, Any], start: Any, end: Any, playbook: Any) -> list[parts.Line]:
    lines = []
    for m in backtests.MEASURES:
        show = parts.show(m, playbook)
        href = links.cohort(start, end) if m == "leads" else None
        cells = tuple(parts.Cell(show(result[side][m]), href if result[side][m] else None)
                      for side in ("current", "proposed"))  # fmt: skip
        lines.append(parts.Line(_(parts.HEADERS[m]), cells))
    return lines
