"""Opportunity pages (SPEC §17): the list with the open pipeline, the board by stage, and the
opportunity page; moving a stage and editing the amount and date are plain forms (POST, then
a redirect) on the services the API calls. The board's drag and drop (``static/bascule.js``)
only fills and sends a card's own "Stage" form, so keyboards and phones lose nothing.

Moving to the lost stage without a reason answers a page asking for the "Loss reason" (the
same form, with that select), rather than an error."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bascule.errors import BasculeError, Forbidden, ValidationFailed
from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow, WriteUow
from bascule.opportunities import board as rules
from bascule.opportunities import listing, pages
from bascule.opportunities import service as opportunities
from bascule.playbook.schema import Playbook
from bascule.storage.opportunity_pages import SORTS
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor
from bascule.web import conversion_wizard, list_chips
from bascule.web.auth import PageActor, safe_next
from bascule.web.i18n import _
from bascule.web.opportunity_forms import (
    amount_input,
    field_errors,
    message,
    parse_amount,
    parse_day,
)
from bascule.web.render import locale_of, render

router = APIRouter(include_in_schema=False)
router.include_router(conversion_wizard.router)

PAGE_SIZE = 25
Text = Annotated[str | None, Query(max_length=40)]
FormText = Annotated[str, Form(max_length=200)]
# Filters the list's form has inputs for; the others (a report's link) ride along hidden.
FORM_FILTERS = frozenset({"owner", "stage", "state", "close_month"})
STAGE_FIELDS = {"stage": "stage", "loss_reason": "loss_reason", "reason": "reason"}
EDIT_FIELDS = {"amount": "amount", "expected_close_date": "expected_close_date", "reason": "reason"}
# An edit's reason (``audit.service.REASON_MAX``, checked by the service); a longer body
# than this is refused before reading it as one.
ReasonText = Annotated[str, Form(max_length=2000)]


def _filters(
    actor: Actor, playbook: Playbook, owner: str | None, month: str | None,
    stage: str | None = None, state: str | None = None,
) -> tuple[rules.OpportunityFilter, dict[str, str]]:  # fmt: skip
    """The filters asked for, or none and the problems (shown beside the filter form)."""
    try:
        checked_state, checked_stage = rules.check_state(state, stage, playbook)
        flt = rules.OpportunityFilter(
            rules.owner_filter(owner, actor.user_id), rules.close_month(month),
            checked_stage, checked_state,
        )  # fmt: skip
    except ValidationFailed as exc:
        return rules.OpportunityFilter(), field_errors(exc, {k: k for k in exc.fields})
    return flt, {}


def _asked(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "")[:40]
            for k in ("owner", "close_month", "stage", "state", "sort")}  # fmt: skip


@router.get("/opportunities", response_class=HTMLResponse)
def opportunity_list(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    sort: Text = None, page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:  # fmt: skip
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    # The API's parser (``opportunities.listing``); the page shows the open pipeline unless
    # asked otherwise.
    parsed = listing.parse(params, playbook=playbook, actor_id=actor.user_id, default_state="open")
    text = _("{filter}: “{value}” is not understood and is ignored.")
    problems = {k: text.format(filter=list_chips.word(k), value=v[:40])
                for k, v in parsed.refused.items()}  # fmt: skip
    order = sort if sort and sort.lstrip("-") in SORTS else "expected_close_date"
    rows, total = pages.listing(
        uow, actor=actor, flt=parsed.filters, sort=order, page=page, page_size=PAGE_SIZE,
        playbook=playbook, now=now,
    )  # fmt: skip
    f = parsed.filters
    month = None
    if "close_month" in parsed.asked and f.expected_close_from and f.expected_close_to:
        month = (f.expected_close_from, f.expected_close_to)
    totals = rules.OpportunityFilter(f.owner_id, month)
    summary = pages.board(uow, actor=actor, flt=totals, playbook=playbook, cards=False)
    link = lambda changes: _link(request, changes)  # noqa: E731
    chips = list_chips.opportunity_chips(parsed.asked, playbook, dict(summary.owners), link)
    asked = _asked(request) | {"state": parsed.filters.state}
    kept = [(k, v) for k, v in parsed.asked.items() if k not in FORM_FILTERS or v == "none"]
    return render(
        request, "opportunities/list.html", playbook, rows=rows, total=total, page=page,
        page_size=PAGE_SIZE, sort=order, asked=asked, problems=problems,
        owners=summary.owners, columns=[c for c in summary.columns if not c.is_drop_zone],
        link=lambda **changes: _link(request, changes), status_code=422 if problems else 200,
        chips=chips, kept=kept,
    )  # fmt: skip


@router.get("/opportunities/board", response_class=HTMLResponse)
def opportunity_board(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep,
    owner: Text = None, close_month: Text = None,
) -> HTMLResponse:  # fmt: skip
    flt, problems = _filters(actor, playbook, owner, close_month)
    found = pages.board(uow, actor=actor, flt=flt, playbook=playbook)
    return render(
        request, "opportunities/board.html", playbook, board=found, asked=_asked(request),
        problems=problems, here=_here(request), status_code=422 if problems else 200,
    )  # fmt: skip


@router.get("/opportunities/{opportunity_id}", response_class=HTMLResponse)
def opportunity_page(
    request: Request, opportunity_id: PathId, uow: ReadUow, actor: PageActor,
    playbook: PlaybookDep,
) -> HTMLResponse:  # fmt: skip
    return _page(request, uow, actor, playbook, opportunity_id)


@router.post("/opportunities/{opportunity_id}/stage", response_model=None)
def move(
    request: Request, opportunity_id: PathId, uow: WriteUow, actor: PageActor,
    playbook: PlaybookDep, now: Now, stage: FormText = "",
    loss_reason: Annotated[str | None, Form(max_length=40)] = None, next: FormText = "",
    reason_asked: FormText = "", reason: ReasonText = "",
) -> Response:  # fmt: skip
    pages.readable(uow, opportunity_id, actor, playbook)
    try:
        opportunities.change_stage(
            uow, opportunity_id=opportunity_id, stage=stage, loss_reason=loss_reason or None,
            actor=actor, playbook=playbook, now=now, reason=reason,
        )  # fmt: skip
    except Forbidden:
        raise  # the error page: this person may not move opportunities
    except BasculeError as exc:
        uow.session.rollback()
        errors = field_errors(exc, STAGE_FIELDS)
        if "loss_reason" in exc.fields and _is_lost(stage, playbook):
            # The board's cards have no reason field: ask for it, with its error only when
            # the form sent had the question (``reason_asked``).
            return render(
                request, "opportunities/lose.html", playbook,
                row=pages.readable(uow, opportunity_id, actor, playbook),
                next=_back(next, opportunity_id),
                errors=errors if reason_asked else {}, stage=stage, note=reason,
                status_code=422 if reason_asked else 200,
            )  # fmt: skip
        return _page(request, uow, actor, playbook, opportunity_id, stage_errors=errors)
    uow.commit()
    return RedirectResponse(_back(next, opportunity_id), status_code=303)


@router.post("/opportunities/{opportunity_id}", response_model=None)
def edit(
    request: Request, opportunity_id: PathId, uow: WriteUow, actor: PageActor,
    playbook: PlaybookDep, now: Now, amount: FormText = "", expected_close_date: FormText = "",
    reason: ReasonText = "",
) -> Response:  # fmt: skip
    pages.readable(uow, opportunity_id, actor, playbook)
    changes = {
        "amount": parse_amount(amount, locale_of(request)),
        "expected_close_date": parse_day(expected_close_date),
        "reason": reason,
    }
    try:
        opportunities.update(
            uow, opportunity_id=opportunity_id, changes=changes, actor=actor, playbook=playbook,
            now=now,
        )  # fmt: skip
    except Forbidden:
        raise
    except BasculeError as exc:
        uow.session.rollback()
        errors = field_errors(exc, EDIT_FIELDS)  # others (closed meanwhile) above the form
        if expected_close_date.strip() and "expected_close_date" in errors:
            errors["expected_close_date"] = message("must be a date")  # typed, not a day
        typed = {"amount": amount, "expected_close_date": expected_close_date, "reason": reason}
        return _page(request, uow, actor, playbook, opportunity_id, edit_errors=errors,
                     typed=typed)  # fmt: skip
    uow.commit()
    return RedirectResponse(f"/opportunities/{opportunity_id}", status_code=303)


# --- helpers ---------------------------------------------------------------------------------


def _page(
    request: Request, uow: UnitOfWork, actor: Actor, playbook: Playbook, opportunity_id: int,
    *, stage_errors: dict[str, str] | None = None, edit_errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    found = pages.detail(uow, opportunity_id=opportunity_id, actor=actor, playbook=playbook)
    opp = found.row.opportunity
    typed = typed or {
        "amount": amount_input(opp.amount, locale_of(request)),
        "expected_close_date": opp.expected_close_date.isoformat(),
        "reason": "",
    }
    failed = bool(stage_errors or edit_errors)
    return render(
        request, "opportunities/detail.html", playbook, page=found, opp=opp,
        stage_errors=stage_errors or {}, edit_errors=edit_errors or {}, typed=typed,
        status_code=422 if failed else 200,
    )  # fmt: skip


def _is_lost(stage: str, playbook: Playbook) -> bool:
    return stage in playbook.stage_keys and playbook.stage(stage).outcome == "lost"


def _back(target: str, opportunity_id: int) -> str:
    return safe_next(target) if target else f"/opportunities/{opportunity_id}"


def _link(request: Request, changes: dict[str, object]) -> str:
    """This list's address with some parameters changed (an empty value drops one)."""
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    params |= {k: str(v) for k, v in changes.items()}
    return "?" + urlencode({k: v for k, v in params.items() if v})


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")
