"""Admin page for teams (``/admin/teams``): the list with managers and head counts, a new
team, a team's new name or manager (``users.teams``). Renaming a team the playbook's routing
names is done, with the fields to update in the playbook shown."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow, WriteUow
from bascule.storage import staff
from bascule.users import teams
from bascule.users.model import Actor
from bascule.web.admin_forms import Reason, Refused, Short, faults, may, open_to, reason_of
from bascule.web.auth import PageActor
from bascule.web.render import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, uow: Any, actor: Actor, playbook: Any, *,
    errors: dict[str, str] | None = None, asked: dict[str, Any] | None = None,
    named_in: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    people = [row.user for row in staff.users(uow.session) if row.user.is_active]
    return render(
        request, "admin/teams.html", playbook, teams=staff.teams(uow.session),
        managers=[(u.id, f"{u.name} <{u.email}>") for u in people],
        may_manage=may(actor, "user.manage"), errors=errors or {}, asked=asked or {},
        named_in=named_in or {}, status_code=422 if errors else 200,
    )  # fmt: skip


@router.get("/admin/teams", response_class=HTMLResponse)
def teams_page(request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep) -> Any:
    open_to(actor)
    return _page(request, uow, actor, playbook)


@router.post("/admin/teams", response_model=None)
def create_team(
    request: Request, uow: WriteUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    name: Short = "", reason: Reason = "",
) -> Response:  # fmt: skip
    open_to(actor)
    try:
        teams.create(uow, name=name, actor=actor, now=now, reason=reason_of(reason))
    except Refused as exc:
        uow.session.rollback()
        return _page(request, uow, actor, playbook, errors=faults(exc), asked={"name": name})
    uow.commit()
    return RedirectResponse("/admin/teams", status_code=303)


@router.post("/admin/teams/{team_id}", response_model=None)
def change_team(
    request: Request, team_id: PathId, uow: WriteUow, actor: PageActor, playbook: PlaybookDep,
    now: Now, name: Short = "", manager_id: Short = "", reason: Reason = "",
) -> Response:  # fmt: skip
    open_to(actor)
    why = reason_of(reason)
    manager = int(manager_id) if manager_id.isdigit() and len(manager_id) < 10 else None
    try:
        renamed = teams.rename(
            uow, team_id=team_id, name=name, actor=actor, playbook=playbook, now=now, reason=why
        )
        teams.set_manager(
            uow, team_id=team_id, manager_id=manager, actor=actor, now=now, reason=why
        )
    except Refused as exc:
        uow.session.rollback()
        asked = {"team": team_id, "name": name}
        return _page(request, uow, actor, playbook, errors=faults(exc), asked=asked)
    uow.commit()
    if renamed.named_in:
        return _page(request, uow, actor, playbook, named_in=renamed.named_in)
    return RedirectResponse("/admin/teams", status_code=303)
