"""Server-rendered pages: they work without JavaScript and call the same services as the API.
The work queue here; signing in in ``web.auth``, the leads in ``web.leads``, the reports in
``web.reports`` and ``web.analytics_pages``, opportunities and the conversion wizard in
``web.opportunities``, accounts, imports, privacy, the audit and the other admin pages
(``web.admin_*``) in their own modules.

Every route of ``router`` goes through ``check_form``: a state-changing request without this
browser's CSRF token, or from another site, is refused before the route runs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from bascule.http.deps import Now, PlaybookDep, ReadUow
from bascule.web import (
    accounts,
    admin,
    admin_keys,
    admin_playbook,
    admin_teams,
    admin_users,
    analytics_pages,
    auth,
    imports,
    leads,
    privacy,
    reports,
)
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
router.include_router(leads.router)
router.include_router(accounts.router)
router.include_router(imports.router)
router.include_router(analytics_pages.router)
router.include_router(opportunity_pages.router)
router.include_router(privacy.router)
router.include_router(admin.router)
router.include_router(admin_users.router)
router.include_router(admin_teams.router)
router.include_router(admin_keys.router)
router.include_router(admin_playbook.router)


@router.get("/", response_class=HTMLResponse)
def work_queue(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now
) -> HTMLResponse:
    locale = locale_of(request)
    queue = workqueue.build(uow, actor=actor, now=now, playbook=playbook, locale=locale)
    return render(request, "queue.html", playbook, queue=queue, Section=Section)
