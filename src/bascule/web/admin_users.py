"""Admin pages for users (``/admin/users``): the list, a new user, a user's role, team and
manager, their absences, deactivation after a preview of where their open leads go, and
reactivation. The same services as ``bascule users`` and ``/api/v1/users`` (``users.service``,
``users.availability``, ``users.teams``); sales ops read the pages, the admin changes them.

A refused change shows the page again with each reason beside its field (422); a change done
redirects to the user's page with a word of what was done (303)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bascule.audit import reading
from bascule.errors import NotFound
from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow, WriteUow, database
from bascule.storage import staff
from bascule.users import availability, teams
from bascule.users import service as users
from bascule.users.model import Actor, Role
from bascule.web import labels
from bascule.web.admin_forms import Reason, Refused, Short, faults, may, open_to, reason_of
from bascule.web.auth import PageActor
from bascule.web.render import render

router = APIRouter(include_in_schema=False)
ROLES = tuple(role.value for role in Role)
DONE = frozenset({"created", "changed", "away", "back", "deactivated", "activated"})
Done = Annotated[str | None, Query(max_length=20)]


def listing(uow: Any, now: Any) -> list[dict[str, Any]]:
    """Every user as the list shows them: the API's reading, with team and manager names."""
    return [
        availability.to_read(row.user, now) | {"team": row.team, "manager": row.manager}
        for row in staff.users(uow.session)
    ]


def choices(playbook: Any, uow: Any, *, but: int | None = None) -> dict[str, Any]:
    """The options of the forms' selects: roles in the reader's words, teams and managers by
    name (the new-user form sends names and e-mails, as the command line takes them; the
    change form sends ids)."""
    team_rows = staff.teams(uow.session)
    people = [row.user for row in staff.users(uow.session) if row.user.id != but]
    return {
        "role_options": [(role, labels.value_label(playbook, "role", role)) for role in ROLES],
        "team_by_name": [(team.name, team.name) for team in team_rows],
        "team_by_id": [(team.id, team.name) for team in team_rows],
        "manager_by_email": [(u.email, f"{u.name} <{u.email}>") for u in people if u.is_active],
        "manager_by_id": [(u.id, f"{u.name} <{u.email}>") for u in people],
    }


def _users_page(
    request: Request, uow: Any, actor: Actor, playbook: Any, now: Any, *,
    asked: dict[str, str] | None = None, errors: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    return render(
        request, "admin/users.html", playbook, people=listing(uow, now),
        may_manage=may(actor, "user.manage"), asked=asked or {"role": "sales"},
        errors=errors or {}, status_code=422 if errors else 200, **choices(playbook, uow),
    )  # fmt: skip


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now
) -> HTMLResponse:
    open_to(actor)
    return _users_page(request, uow, actor, playbook, now)


@router.post("/admin/users", response_model=None)
def create_user(
    request: Request, uow: WriteUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    email: Short = "", name: Short = "", role: Short = "", team: Short = "",
    manager: Short = "", reason: Reason = "",
) -> Response:  # fmt: skip
    open_to(actor)
    asked = {"email": email, "name": name, "role": role, "team": team, "manager": manager,
             "reason": reason}  # fmt: skip
    try:
        user = users.create_user(
            uow, email=email, role=role, name=name.strip() or None, team=team or None,
            manager_email=manager or None, now=now, actor=actor, reason=reason_of(reason),
        )  # fmt: skip
    except Refused as exc:
        return _users_page(request, uow, actor, playbook, now, asked=asked, errors=faults(exc))
    uow.commit()
    return RedirectResponse(f"/admin/users/{user.id}?done=created", status_code=303)


def user_page(
    request: Request, uow: Any, actor: Actor, playbook: Any, now: Any, user_id: int, *,
    done: str | None = None, errors: dict[str, str] | None = None,
    asked: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    found = staff.users(uow.session, user_id)
    if not found:
        raise NotFound(f"user {user_id} not found", fields={"id": "no such user"})
    row = found[0]
    person = availability.to_read(row.user, now) | {"team": row.team, "manager": row.manager}
    query = reading.AuditQuery("user", user_id, None, None, None, 1, 20)
    audit, _total = reading.search(uow, query, actor=actor, playbook=playbook)
    return render(
        request, "admin/user.html", playbook, person=person, audit=audit,
        **choices(playbook, uow, but=user_id),
        may_manage=may(actor, "user.manage"), done=done if done in DONE else None,
        errors=errors or {}, asked=asked or {}, status_code=422 if errors else 200,
    )  # fmt: skip


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def show_user(
    request: Request, user_id: PathId, uow: ReadUow, actor: PageActor, playbook: PlaybookDep,
    now: Now, done: Done = None,
) -> HTMLResponse:  # fmt: skip
    open_to(actor)
    return user_page(request, uow, actor, playbook, now, user_id, done=done)


def _number(text: str) -> int | None:
    return int(text) if text.strip().isdigit() and len(text.strip()) < 10 else None


@router.post("/admin/users/{user_id}", response_model=None)
def change_user(
    request: Request, user_id: PathId, uow: WriteUow, actor: PageActor, playbook: PlaybookDep,
    now: Now, role: Short = "", team_id: Short = "", manager_id: Short = "",
    reason: Reason = "",
) -> Response:  # fmt: skip
    open_to(actor)
    try:
        teams.change_user(
            uow, user_id=user_id, role=role, team_id=_number(team_id),
            manager_id=_number(manager_id), actor=actor, now=now, reason=reason_of(reason),
        )  # fmt: skip
    except Refused as exc:
        uow.session.rollback()
        return user_page(request, uow, actor, playbook, now, user_id, errors=faults(exc))
    uow.commit()
    return RedirectResponse(f"/admin/users/{user_id}?done=changed", status_code=303)


@router.post("/admin/users/{user_id}/away", response_model=None)
def set_away(
    request: Request, user_id: PathId, uow: WriteUow, actor: PageActor, playbook: PlaybookDep,
    now: Now, from_: Annotated[str, Form(alias="from", max_length=40)] = "",
    until: Annotated[str, Form(max_length=40)] = "",
    reason: Reason = "",
) -> Response:  # fmt: skip
    open_to(actor)
    try:
        user = availability.find(uow, actor=actor, user_id=user_id)
        start = availability.parse_when(from_ or None, "from")
        end = availability.parse_when(until or None, "until")
        availability.set_away(
            uow, user=user, start=start, end=end, actor=actor, playbook=playbook, now=now,
            reason=reason_of(reason),
        )  # fmt: skip
    except Refused as exc:
        uow.session.rollback()
        asked = {"from": from_, "until": until}
        return user_page(
            request, uow, actor, playbook, now, user_id, errors=faults(exc), asked=asked
        )
    uow.commit()
    return RedirectResponse(f"/admin/users/{user_id}?done=away", status_code=303)


@router.post("/admin/users/{user_id}/back", response_model=None)
def set_back(
    user_id: PathId, uow: WriteUow, actor: PageActor, now: Now, reason: Reason = ""
) -> Response:
    open_to(actor)
    user = availability.find(uow, actor=actor, user_id=user_id)
    availability.set_back(uow, user=user, actor=actor, now=now, reason=reason_of(reason))
    uow.commit()
    return RedirectResponse(f"/admin/users/{user_id}?done=back", status_code=303)


@router.get("/admin/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivation_preview(
    request: Request, user_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now
) -> HTMLResponse:
    open_to(actor)
    preview = availability.preview_deactivation(
        database(request), user_id=user_id, actor=actor, playbook=playbook, now=now
    )
    return render(request, "admin/deactivate.html", playbook, preview=preview, done=None)


@router.post("/admin/users/{user_id}/deactivate", response_class=HTMLResponse)
def deactivate(
    request: Request, user_id: PathId, uow: WriteUow, actor: PageActor, playbook: PlaybookDep,
    now: Now, reason: Reason = "",
) -> HTMLResponse:  # fmt: skip
    open_to(actor)
    user = availability.find(uow, actor=actor, user_id=user_id)
    done = availability.deactivate(
        uow, user=user, actor=actor, playbook=playbook, now=now, reason=reason_of(reason)
    )
    uow.commit()
    moved = [(lead_id, email, why) for lead_id, _owner, email, why in done.reassigned]
    return render(
        request, "admin/deactivate.html", playbook, preview=None, done=done, reassigned=moved
    )


@router.post("/admin/users/{user_id}/activate", response_model=None)
def activate(
    user_id: PathId, uow: WriteUow, actor: PageActor, now: Now, reason: Reason = ""
) -> Response:
    open_to(actor)
    user = availability.find(uow, actor=actor, user_id=user_id)
    availability.activate(uow, user=user, actor=actor, now=now, reason=reason_of(reason))
    uow.commit()
    return RedirectResponse(f"/admin/users/{user_id}?done=activated", status_code=303)
