"""The lead list and the lead page (issue 11). The list reads what ``GET /api/v1/leads`` reads
(the same storage filter), its whole state in the address; saved views keep that state under
a name. The page's actions are in ``web.lead_actions``, each form calling the API's service.

Every route here goes through ``pages.router``'s ``check_form`` (CSRF, same site)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bascule.analytics import conditions
from bascule.errors import ValidationFailed
from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow, database
from bascule.leads import lead_list, listing
from bascule.leads import saved_views as views
from bascule.leads.listing import COLUMNS, LeadQuery
from bascule.playbook.schema import Playbook
from bascule.users.model import Actor
from bascule.web import field_errors, lead_actions, list_chips
from bascule.web.auth import PageActor
from bascule.web.i18n import N_
from bascule.web.render import render

router = APIRouter(include_in_schema=False)
router.include_router(lead_actions.router)

# ?done= after a change to the list's views: what the page says happened.
DONE = {
    "view_saved": N_("View saved."),
    "view_renamed": N_("View renamed."),
    "view_deleted": N_("View deleted."),
}
ViewName = Annotated[str, Form(max_length=500)]
QueryText = Annotated[str, Form(max_length=4000)]


def list_url(query: LeadQuery, **changes: Any) -> str:
    params = query.params(**changes)
    return "/leads" + ("?" + urlencode(params) if params else "")


def view_url(view: Any, playbook: Playbook) -> str:
    params = listing.from_view(view.filters, view.sort, view.columns)
    return list_url(_query(params, playbook).query)


def _query(params: dict[str, list[str]], playbook: Playbook) -> listing.Parsed:
    segments = conditions.segment_keys(playbook)
    return listing.parse(params, sources=playbook.lead_source_keys, segments=segments)


def _show(
    request: Request, uow: ReadUow, actor: Actor, playbook: Playbook, now: Now,
    parsed: listing.Parsed, *, errors: dict[str, str] | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    data = lead_list.build(uow, actor=actor, query=parsed.query, now=now, playbook=playbook)
    chips = list_chips.lead_chips(parsed.query, playbook, data.names, list_url)
    return render(
        request, "leads/list.html", playbook, status_code=status_code, data=data,
        query=parsed.query, refused=parsed.refused, errors=errors or {}, COLUMNS=COLUMNS,
        list_url=list_url, query_text=urlencode(parsed.query.params()),
        view_urls={view.id: view_url(view, playbook) for view in data.views},
        done=DONE.get(request.query_params.get("done", "")), chips=chips,
        kept=[(k, v) for k, v in parsed.query.params() if k in listing.REPORT_FILTERS],
    )  # fmt: skip


@router.get("/leads", response_class=HTMLResponse)
def lead_list_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now
) -> HTMLResponse:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return _show(request, uow, actor, playbook, now, _query(params, playbook))


def _view_done(
    request: Request, actor: Actor, playbook: Playbook, now: Now, query_text: str, done: str,
    change: Any,
) -> Response:  # fmt: skip
    """Apply a change to a saved view; back to the list (with the query the form came from),
    or the list again with the refusal beside the name."""
    parsed = _query(parse_qs(query_text), playbook)
    try:
        with database(request).uow(write=True) as uow:
            change(uow, parsed.query)
            uow.commit()
    except ValidationFailed as exc:
        with database(request).uow() as uow:
            return _show(
                request, uow, actor, playbook, now, parsed, errors=field_errors.of(exc),
                status_code=exc.status,
            )  # fmt: skip
    params = [*parsed.query.params(), ("done", done)]
    return RedirectResponse("/leads?" + urlencode(params), status_code=303)


@router.post("/leads/views")
def save_view(
    request: Request, actor: PageActor, playbook: PlaybookDep, now: Now, name: ViewName = "",
    query: QueryText = "",
) -> Response:  # fmt: skip
    def change(uow: Any, state: LeadQuery) -> None:
        views.create(uow, actor=actor, name=name, query=state, now=now)

    return _view_done(request, actor, playbook, now, query, "view_saved", change)


@router.post("/leads/views/{view_id}/rename")
def rename_view(
    request: Request, view_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now,
    name: ViewName = "", query: QueryText = "",
) -> Response:  # fmt: skip
    def change(uow: Any, state: LeadQuery) -> None:
        views.rename(uow, actor=actor, view_id=view_id, name=name, now=now)

    return _view_done(request, actor, playbook, now, query, "view_renamed", change)


@router.post("/leads/views/{view_id}/delete")
def delete_view(
    request: Request, view_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now,
    query: QueryText = "",
) -> Response:  # fmt: skip
    def change(uow: Any, state: LeadQuery) -> None:
        views.delete(uow, actor=actor, view_id=view_id)

    return _view_done(request, actor, playbook, now, query, "view_deleted", change)


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead_page(
    request: Request, lead_id: PathId, uow: ReadUow, actor: PageActor, playbook: PlaybookDep,
    now: Now,
) -> HTMLResponse:  # fmt: skip
    return lead_actions.show(request, uow, lead_id=lead_id, actor=actor, playbook=playbook, now=now)
