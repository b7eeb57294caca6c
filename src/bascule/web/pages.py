"""Server-rendered pages: they work without JavaScript and call the same services as the API.
Leads here; signing in in ``web.auth``, the reports in ``web.reports``, opportunities
and the conversion wizard in ``web.opportunities``.

Every route of ``router`` goes through ``check_form``: a state-changing request without this
browser's CSRF token, or from another site, is refused before the route runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from bascule.audit import reading
from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow
from bascule.leads import service as leads
from bascule.privacy import consents
from bascule.sla import service as sla
from bascule.storage import repositories as repo
from bascule.web import accounts, admin, analytics_pages, auth, imports, privacy, reports
from bascule.web import opportunities as opportunity_pages
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
router.include_router(accounts.router)
router.include_router(imports.router)
router.include_router(analytics_pages.router)
router.include_router(opportunity_pages.router)
router.include_router(privacy.router)
router.include_router(admin.router)


@router.get("/", response_class=HTMLResponse)
def work_queue(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now
) -> HTMLResponse:
    locale = locale_of(request)
    queue = workqueue.build(uow, actor=actor, now=now, playbook=playbook, locale=locale)
    return render(request, "queue.html", playbook, queue=queue, Section=Section)


@router.get("/leads", response_class=HTMLResponse)
def lead_list(
    request: Request,
    uow: ReadUow,
    actor: PageActor,
    playbook: PlaybookDep,
    now: Now,
    status: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    flt = repo.LeadFilter(status=[status] if status else [], q=q or None, page=page, page_size=25)
    rows = leads.listed(uow, flt, actor=actor, playbook=playbook)
    items, total = rows.items, rows.total
    # From the lead's own columns: no query per lead (SPEC §15, at most 3 per list).
    sla_status = {lead.id: sla.status_of(lead, now=now, playbook=playbook) for lead in items}
    return render(
        request, "leads/list.html", playbook, leads=items, total=total, page=page,
        page_size=25, status=status or "", q=q or "", sla_status=sla_status,
    )  # fmt: skip


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_detail(
    request: Request,
    lead_id: PathId,
    uow: ReadUow,
    actor: PageActor,
    playbook: PlaybookDep,
    now: Now,
) -> HTMLResponse:
    lead = leads.read(uow, lead_id, actor=actor, playbook=playbook)
    audit = reading.of_record(uow, "lead", lead_id, actor=actor, playbook=playbook)
    return render(
        request, "leads/detail.html", playbook, lead=lead, audit=audit,
        tags=repo.tags_by_lead(uow.session, [lead_id])[lead_id],
        history=repo.lead_history(uow.session, lead_id),
        activities=repo.activities(uow.session, lead_id=lead_id),
        sla_status=sla.status_of(lead, now=now, playbook=playbook),
        consents=consents.of_lead(uow, lead_id),
    )  # fmt: skip
