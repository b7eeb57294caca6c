"""Server-rendered pages: they work without JavaScript and call the same services as the API.
The pipeline here; signing in in ``web.auth``, the leads in ``web.leads``, the reports in
``web.reports``.

Every route of ``router`` goes through ``check_form``: a state-changing request without this
browser's CSRF token, or from another site, is refused before the route runs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bascule.http.deps import Now, PlaybookDep, ReadUow
from bascule.opportunities import service as opportunities
from bascule.opportunities.model import weighted_amount
from bascule.storage import repositories as repo
from bascule.web import auth, leads, reports
from bascule.web.auth import LoginRequired, PageActor
from bascule.web.errors import error_page
from bascule.web.render import locale_of, render
from bascule.web.security import check_form
from bascule.workqueue import service as workqueue
from bascule.workqueue.rules import Section

__all__ = ["LoginRequired", "error_page", "router"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_form)])
router.include_router(auth.router)
router.include_router(reports.router)
router.include_router(leads.router)


@router.get("/", response_class=HTMLResponse)
def work_queue(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now
) -> HTMLResponse:
    locale = locale_of(request)
    queue = workqueue.build(uow, actor=actor, now=now, playbook=playbook, locale=locale)
    return render(request, "queue.html", playbook, queue=queue, Section=Section)


@router.get("/opportunities", response_class=HTMLResponse)
def pipeline(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep
) -> HTMLResponse:
    by_stage = {stage: (count, amount) for stage, count, amount in
                repo.open_pipeline_by_stage(uow.session)}  # fmt: skip
    rows: list[dict[str, Any]] = []
    for stage in playbook.stages:
        if stage.outcome != "open":
            continue
        count, amount = by_stage.get(stage.key, (0, Decimal(0)))
        amount = Decimal(amount)
        rows.append(
            {"stage": stage, "count": count, "amount": amount,
             "weighted": weighted_amount(amount, stage.probability)}
        )  # fmt: skip
    items, total = opportunities.list_opportunities(
        uow, account_id=None, stage=None, type=None, owner_id=None, is_closed=False, page=1,
        page_size=50,
    )  # fmt: skip
    top = max((r["amount"] for r in rows), default=Decimal(0)) or Decimal(1)
    return render(
        request, "opportunities/pipeline.html", playbook, rows=rows, top=top,
        opportunities=items, total=total,
    )  # fmt: skip
