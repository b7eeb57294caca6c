"""Admin pages for what opens the doors: API tokens (``/admin/tokens``: every token for the
admin, one's own for sales ops, as ``GET /api/v1/tokens``) and the public forms' keys
(``/admin/form-keys``, as ``bascule forms``). A new token or key is shown once, in the answer
to the form that made it (never in an address, never stored: only its hash is)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow, WriteUow
from bascule.intake import forms
from bascule.storage import staff
from bascule.users import service as users
from bascule.users import tokens
from bascule.users.model import Actor, Role
from bascule.web import labels
from bascule.web.admin_forms import Reason, Refused, Short, faults, may, open_to, reason_of
from bascule.web.auth import PageActor
from bascule.web.render import render

router = APIRouter(include_in_schema=False)
DEFAULT_EXPIRY = "90d"


def _sees_all(actor: Actor) -> bool:
    return actor.role is None or actor.role == Role.ADMIN


def _tokens_page(
    request: Request, uow: Any, actor: Actor, playbook: Any, now: Any, *,
    shown: str | None = None, errors: dict[str, str] | None = None,
    asked: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    everyone = _sees_all(actor)
    rows = tokens.listed(uow, user_id=None if everyone else actor.user_id)
    people = [r.user for r in staff.users(uow.session) if r.user.is_active]
    holders = [
        (u.email, f"{u.name} <{u.email}>") for u in people if everyone or u.id == actor.user_id
    ]
    return render(
        request, "admin/tokens.html", playbook, rows=[tokens.to_read(t, e, now) for t, e in rows],
        holders=holders, shown=shown, errors=errors or {},
        asked=asked or {"expires_in": DEFAULT_EXPIRY}, status_code=422 if errors else 200,
    )  # fmt: skip


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now
) -> HTMLResponse:
    open_to(actor)
    return _tokens_page(request, uow, actor, playbook, now)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, uow: WriteUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    email: Short = "", label: Annotated[str, Form(max_length=120)] = "",
    expires_in: Annotated[str, Form(max_length=20)] = "", reason: Reason = "",
) -> HTMLResponse:  # fmt: skip
    open_to(actor)
    try:
        ends = now + tokens.parse_duration(expires_in) if expires_in.strip() else None
        token = users.create_token(
            uow, email=email, label=label.strip() or None, now=now, expires_at=ends,
            actor=actor, reason=reason_of(reason),
        )  # fmt: skip
    except Refused as exc:
        uow.session.rollback()
        asked = {"email": email, "label": label, "expires_in": expires_in}
        return _tokens_page(request, uow, actor, playbook, now, errors=faults(exc), asked=asked)
    uow.commit()
    return _tokens_page(request, uow, actor, playbook, now, shown=token)


@router.post("/admin/tokens/{token_id}/revoke", response_model=None)
def revoke_token(
    token_id: PathId, uow: WriteUow, actor: PageActor, now: Now, reason: Reason = ""
) -> Response:
    open_to(actor)
    tokens.revoke(uow, actor=actor, now=now, token_id=token_id, reason=reason_of(reason))
    uow.commit()
    return RedirectResponse("/admin/tokens", status_code=303)


def _keys_page(
    request: Request, uow: Any, actor: Actor, playbook: Any, *, shown: str | None = None,
    errors: dict[str, str] | None = None, asked: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    return render(
        request, "admin/form_keys.html", playbook, rows=forms.list_forms(uow),
        type_options=[(k, labels.value_label(playbook, "rule", k)) for k in playbook.intake.forms],
        may_manage=may(actor, "form.manage"),
        shown=shown, errors=errors or {}, asked=asked or {},
        status_code=422 if errors else 200,
    )  # fmt: skip


@router.get("/admin/form-keys", response_class=HTMLResponse)
def keys_page(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep
) -> HTMLResponse:
    open_to(actor)
    return _keys_page(request, uow, actor, playbook)


@router.post("/admin/form-keys", response_class=HTMLResponse)
def create_key(
    request: Request, uow: WriteUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    form_type: Short = "", label: Annotated[str, Form(max_length=200)] = "",
    reason: Reason = "",
) -> HTMLResponse:  # fmt: skip
    open_to(actor)
    try:
        _form, key = forms.create(
            uow, form_type=form_type, label=label, playbook=playbook, now=now, actor=actor,
            reason=reason_of(reason),
        )  # fmt: skip
    except Refused as exc:
        uow.session.rollback()
        asked = {"form_type": form_type, "label": label}
        return _keys_page(request, uow, actor, playbook, errors=faults(exc), asked=asked)
    uow.commit()
    return _keys_page(request, uow, actor, playbook, shown=key)


@router.post("/admin/form-keys/{form_id}/revoke", response_model=None)
def revoke_key(
    form_id: PathId, uow: WriteUow, actor: PageActor, now: Now, reason: Reason = ""
) -> Response:
    open_to(actor)
    forms.revoke(uow, key_or_id=str(form_id), now=now, actor=actor, reason=reason_of(reason))
    uow.commit()
    return RedirectResponse("/admin/form-keys", status_code=303)
