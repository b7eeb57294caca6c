"""Admin page for the playbook (``/admin/playbook``), for admin and sales ops: the active
version's TOML, an editor, then a preview before anything is stored (``bascule playbook
check``'s errors, each at its line and field, or the difference with the active version),
then apply; the versions with who applied them and when, each one a roll-back through the
same preview. ``playbook.service`` does the checking and storing, as for the command line."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bascule.errors import NotFound, PlaybookInvalid
from bascule.http.deps import Now, PlaybookDep, ReadUow, WriteUow
from bascule.playbook import service as playbooks
from bascule.playbook.lines import locate
from bascule.storage import staff
from bascule.users.model import Actor, require
from bascule.web.admin_forms import Reason, open_to, reason_of
from bascule.web.auth import PageActor
from bascule.web.render import render
from bascule.web.text_diff import compare

router = APIRouter(include_in_schema=False)
# A playbook is tens of kilobytes; this leaves room and refuses a runaway paste.
TEXT_LIMIT = 500_000
Text = Annotated[str, Form(max_length=TEXT_LIMIT)]


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    line: int | None


def problems(text: str, exc: PlaybookInvalid) -> list[Problem]:
    """The check's errors, each with the line of the text it points at, in line order."""
    found = [
        Problem(where, message, locate(text, where, message))
        for where, message in (exc.fields or {"(document)": exc.message}).items()
    ]
    return sorted(found, key=lambda p: (p.line is None, p.line or 0))


def _editor(
    request: Request, uow: Any, playbook: Any, *, text: str | None = None,
    errors: list[Problem] | None = None, applied: int | None = None,
) -> HTMLResponse:  # fmt: skip
    version, active = playbooks.active_text(uow)
    return render(
        request, "admin/playbook.html", playbook, version=version, active=active,
        text=active if text is None else text, problems=errors or [],
        history=playbooks.history(uow), applied=applied,
        status_code=422 if errors else 200,
    )  # fmt: skip


@router.get("/admin/playbook", response_class=HTMLResponse)
def playbook_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep,
    applied: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> HTMLResponse:  # fmt: skip
    open_to(actor)
    return _editor(request, uow, playbook, applied=applied)


def as_typed(text: str) -> str:
    """A textarea's text as the editor showed it: browsers send its lines ended by CR LF."""
    return text.replace("\r\n", "\n")


def _text_of(uow: Any, text: str, version: str) -> str:
    """The text sent, or (a roll-back) the text of the version named."""
    if not version:
        return as_typed(text)
    wanted = int(version) if version.isdigit() and len(version) < 10 else None
    row = next((r for r in playbooks.history(uow) if r.version == wanted), None)
    if row is None:
        raise NotFound(f"no playbook version {version}", fields={"version": "no such version"})
    return row.body


@router.post("/admin/playbook/preview", response_class=HTMLResponse)
def preview(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, text: Text = "",
    version: Annotated[str, Form(max_length=12)] = "",
) -> HTMLResponse:  # fmt: skip
    open_to(actor)
    require(actor, "playbook.apply")
    text = _text_of(uow, text, version)
    try:
        playbooks.check(text, uow=lambda: nullcontext(uow))
    except PlaybookInvalid as exc:
        return _editor(request, uow, playbook, text=text, errors=problems(text, exc))
    number, active = playbooks.active_text(uow)
    return render(
        request, "admin/playbook_preview.html", playbook, text=text, version=number,
        diff=compare(active, text), rollback=version,
    )  # fmt: skip


def _email_of(uow: Any, actor: Actor) -> str | None:
    found = staff.users(uow.session, actor.user_id) if actor.user_id is not None else []
    return found[0].user.email if found else None


@router.post("/admin/playbook/apply", response_model=None)
def apply(
    request: Request, uow: WriteUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    text: Text = "", reason: Reason = "",
) -> Response:  # fmt: skip
    open_to(actor)
    require(actor, "playbook.apply")
    text = as_typed(text)
    try:
        row = playbooks.apply(
            uow, text=text, by=_email_of(uow, actor), now=now, reason=reason_of(reason)
        )
    except PlaybookInvalid as exc:
        uow.session.rollback()
        return _editor(request, uow, playbook, text=text, errors=problems(text, exc))
    uow.commit()
    return RedirectResponse(f"/admin/playbook?applied={row.version}", status_code=303)
