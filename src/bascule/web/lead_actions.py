"""The lead page (issue 11) and its actions, each a plain POST form calling the service the API
calls (``leads.service``, ``leads.actions``) as the signed-in user. A refused change shows
the page again with the reader's words beside the fields (status 422, 409 or 403) and what
was typed; a change made redirects (303) to the page with a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from bascule.audit import reading
from bascule.errors import Conflict, Forbidden, ValidationFailed
from bascule.http.deps import Now, PathId, PlaybookDep, database
from bascule.leads import actions, lead_page
from bascule.leads import service as leads
from bascule.playbook.schema import Playbook
from bascule.privacy import consents
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor
from bascule.web import field_errors, lead_forms, lead_words
from bascule.web.auth import PageActor
from bascule.web.i18n import N_
from bascule.web.lead_forms import FormInvalid
from bascule.web.render import locale_of, render

router = APIRouter(include_in_schema=False)

# ?done= after a change: what the page says happened.
DONE = {
    "details": N_("Details saved."),
    "activity": N_("Activity logged."),
    "qualification": N_("Qualification saved."),
    "status": N_("Status changed."),
    "owner": N_("Lead reassigned."),
    "tags": N_("Tags saved."),
}


def show(
    request: Request,
    uow: UnitOfWork,
    *,
    lead_id: int,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
    form: str = "",
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page; after a refusal, ``form`` names the form at fault, with its ``errors`` and
    the values ``typed``."""
    page = lead_page.build(uow, lead_id=lead_id, actor=actor, now=now, playbook=playbook)
    return render(
        request, "leads/detail.html", playbook, status_code=status_code, page=page,
        lead=page.lead, form=form, errors=errors or {}, typed=typed or {},
        done=DONE.get(request.query_params.get("done", "")),
        consents=consents.of_lead(uow, lead_id),
        audit=reading.of_record(uow, "lead", lead_id, actor=actor, playbook=playbook),
        **lead_words.context(page, playbook, locale_of(request)),
    )  # fmt: skip


async def _act(
    request: Request, lead_id: int, form: str, actor: Actor, playbook: Playbook, now: datetime,
    read: Callable[[Any], Any], change: Callable[[UnitOfWork, Any], Any],
) -> Response:  # fmt: skip
    """Read the form (``read``), make the change (``change``) in one transaction, then
    redirect; or show the page again with what was refused. The form is read here (already
    parsed by ``check_form``); the database work runs in the thread pool, as a plain route's."""
    submitted = await request.form()
    return await run_in_threadpool(
        _apply, request, lead_id, form, actor, playbook, now, read, change, submitted
    )


def _apply(
    request: Request, lead_id: int, form: str, actor: Actor, playbook: Playbook, now: datetime,
    read: Callable[[Any], Any], change: Callable[[UnitOfWork, Any], Any], submitted: Any,
) -> Response:  # fmt: skip
    try:
        asked = read(submitted)  # before the transaction: a form that cannot be read locks nothing
        with database(request).uow(write=True) as uow:
            change(uow, asked)
            uow.commit()
    except FormInvalid as exc:
        errors, status = exc.fields, 422
    except Forbidden as exc:
        # Not a field to correct: the page says it above the forms.
        errors, status = {"": " ".join(field_errors.of(exc).values())}, exc.status
    except (ValidationFailed, Conflict) as exc:
        errors, status = field_errors.of(exc), exc.status
    else:
        return RedirectResponse(f"/leads/{lead_id}?done={form}#{form}", status_code=303)
    with database(request).uow() as uow:
        return show(
            request, uow, lead_id=lead_id, actor=actor, playbook=playbook, now=now, form=form,
            errors=errors, typed=lead_forms.values(submitted), status_code=status,
        )  # fmt: skip


@router.post("/leads/{lead_id}/details")
async def edit_details(
    request: Request, lead_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now
) -> Response:
    def change(uow: UnitOfWork, form: Any) -> None:
        changes = lead_forms.identity(form, leads.get(uow, lead_id, for_update=True))
        if changes:
            changes["reason"] = lead_forms.edit_reason(form)
            leads.update(
                uow, lead_id=lead_id, changes=changes, actor=actor, playbook=playbook, now=now
            )

    return await _act(request, lead_id, "details", actor, playbook, now, lambda f: f, change)


@router.post("/leads/{lead_id}/activities")
async def log_activity(
    request: Request, lead_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now
) -> Response:
    def change(uow: UnitOfWork, data: dict[str, Any]) -> None:
        leads.log_activity(uow, lead_id=lead_id, data=data, actor=actor, playbook=playbook, now=now)

    return await _act(
        request, lead_id, "activity", actor, playbook, now, lead_forms.activity, change
    )


@router.post("/leads/{lead_id}/qualification")
async def qualify(
    request: Request, lead_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now
) -> Response:
    locale = locale_of(request)

    def change(uow: UnitOfWork, answers: dict[str, Any]) -> None:
        leads.qualify(
            uow, lead_id=lead_id, answers=answers, actor=actor, playbook=playbook, now=now
        )

    def read(form: Any) -> dict[str, Any]:
        answers = lead_forms.qualification(form, playbook, locale)
        return answers | {"reason": lead_forms.edit_reason(form)}

    return await _act(request, lead_id, "qualification", actor, playbook, now, read, change)


@router.post("/leads/{lead_id}/status")
async def change_status(
    request: Request, lead_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now
) -> Response:
    def change(uow: UnitOfWork, asked: tuple[str, str | None]) -> None:
        status, reason = asked
        try:
            leads.change_status(
                uow, lead_id=lead_id, status=status, reason=reason, actor=actor,
                playbook=playbook, now=now,
            )  # fmt: skip
        except ValidationFailed as exc:
            # A disqualification's reason is the list's choice: its refusal goes beside it.
            if status == "disqualified" and "reason" in exc.fields:
                exc.fields["disqualification_reason"] = exc.fields.pop("reason")
            raise

    def read(form: Any) -> tuple[str, str | None]:
        return lead_forms.status_change(form, playbook)

    return await _act(request, lead_id, "status", actor, playbook, now, read, change)


@router.post("/leads/{lead_id}/owner")
async def reassign(
    request: Request, lead_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now
) -> Response:
    def change(uow: UnitOfWork, owner_id: int | None) -> None:
        actions.reassign(
            uow, lead_id=lead_id, owner_id=owner_id, actor=actor, playbook=playbook, now=now
        )

    return await _act(request, lead_id, "owner", actor, playbook, now, lead_forms.owner, change)


@router.post("/leads/{lead_id}/tags")
async def add_tag(
    request: Request, lead_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now
) -> Response:
    def change(uow: UnitOfWork, tag: str) -> None:
        actions.add_tag(uow, lead_id=lead_id, tag=tag, actor=actor, playbook=playbook, now=now)

    return await _act(request, lead_id, "tags", actor, playbook, now, _tag, change)


@router.post("/leads/{lead_id}/tags/remove")
async def remove_tag(
    request: Request, lead_id: PathId, actor: PageActor, playbook: PlaybookDep, now: Now
) -> Response:
    def change(uow: UnitOfWork, tag: str) -> None:
        actions.remove_tag(uow, lead_id=lead_id, tag=tag, actor=actor, playbook=playbook, now=now)

    return await _act(request, lead_id, "tags", actor, playbook, now, _tag, change)


def _tag(form: Any) -> str:
    value = form.get("tag")
    return value if isinstance(value, str) else ""
