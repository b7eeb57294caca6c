"""Account and contact pages: lists with search, and each record's page. Read only, through
the services the API uses (``accounts.service``) and ``accounts.overview`` for what a page
gathers, within what the signed-in user may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bascule.accounts import overview
from bascule.accounts import service as accounts
from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow
from bascule.web.auth import PageActor
from bascule.web.render import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 25
PageNo = Annotated[int, Query(ge=1, le=100_000)]
Search = Annotated[str | None, Query(max_length=200)]
CUSTOMER_CHOICES = {"": None, "yes": True, "no": False}


@router.get("/accounts", response_class=HTMLResponse)
def account_list(
    request: Request,
    uow: ReadUow,
    actor: PageActor,
    playbook: PlaybookDep,
    q: Search = None,
    customer: Annotated[str, Query(pattern="^(|yes|no)$")] = "",
    page: PageNo = 1,
) -> HTMLResponse:
    search = (q or "").strip()
    items, total = accounts.list_accounts(
        uow, q=search or None, is_customer=CUSTOMER_CHOICES[customer], page=page,
        page_size=PAGE_SIZE, actor=actor, playbook=playbook,
    )  # fmt: skip
    rows = overview.account_rows(uow, items, actor=actor, playbook=playbook)
    return render(
        request, "accounts/list.html", playbook, rows=rows, total=total, page=page,
        page_size=PAGE_SIZE, q=search, customer=customer,
    )  # fmt: skip


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request,
    account_id: PathId,
    uow: ReadUow,
    actor: PageActor,
    playbook: PlaybookDep,
    now: Now,
) -> HTMLResponse:
    found = overview.account_overview(uow, account_id, actor=actor, playbook=playbook)
    return render(request, "accounts/detail.html", playbook, view=found, now=now)


@router.get("/contacts", response_class=HTMLResponse)
def contact_list(
    request: Request,
    uow: ReadUow,
    actor: PageActor,
    playbook: PlaybookDep,
    q: Search = None,
    page: PageNo = 1,
) -> HTMLResponse:
    search = (q or "").strip()
    items, total = accounts.list_contacts(
        uow,
        account_id=None,
        q=search or None,
        page=page,
        page_size=PAGE_SIZE,
        actor=actor,
        playbook=playbook,
    )
    return render(
        request, "contacts/list.html", playbook, contacts=items, total=total, page=page,
        page_size=PAGE_SIZE, q=search, account_names=overview.account_names(uow, items),
    )  # fmt: skip


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(
    request: Request,
    contact_id: PathId,
    uow: ReadUow,
    actor: PageActor,
    playbook: PlaybookDep,
) -> HTMLResponse:
    found = overview.contact_overview(uow, contact_id, actor=actor, playbook=playbook)
    return render(request, "contacts/detail.html", playbook, view=found)
