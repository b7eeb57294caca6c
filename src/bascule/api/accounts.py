"""Account and contact endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from bascule.accounts import service as accounts
from bascule.api.errors import ONE, SIGNED_IN, WRITE
from bascule.api.schemas.accounts import (
    AccountCreate,
    AccountPage,
    AccountRead,
    AccountUpdate,
    ContactCreate,
    ContactPage,
    ContactRead,
    ContactUpdate,
)
from bascule.http.deps import CurrentActor, Now, PathId, PlaybookDep, QueryId, ReadUow, WriteUow
from bascule.privacy import consents
from bascule.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=SIGNED_IN)


def _contacts(uow: UnitOfWork, items: list[Any]) -> list[dict[str, Any]]:
    """Contacts as read, with their consents (one query for the page)."""
    held = consents.of_contacts(uow, [c.id for c in items])
    return [accounts.contact_to_read(c) | {"consents": held[c.id]} for c in items]


PageNo = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]


@router.get("/accounts", response_model=AccountPage)
def list_accounts(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep,
    q: Annotated[str | None, Query(max_length=200)] = None, is_customer: bool | None = None,
    page: PageNo = 1, page_size: PageSize = 20,
) -> dict[str, Any]:  # fmt: skip
    items, total = accounts.list_accounts(
        uow,
        q=q,
        is_customer=is_customer,
        page=page,
        page_size=page_size,
        actor=actor,
        playbook=playbook,
    )
    return {
        "items": [accounts.account_to_read(a) for a in items],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


@router.post(
    "/accounts", response_model=AccountRead, status_code=status.HTTP_201_CREATED, responses=WRITE
)
def create_account(
    body: AccountCreate, uow: WriteUow, actor: CurrentActor, now: Now
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    account = accounts.create_account(uow, data=data, actor=actor, now=now)
    uow.commit()
    return accounts.account_to_read(account)


@router.get("/accounts/{account_id}", response_model=AccountRead, responses=ONE)
def get_account(
    account_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep
) -> dict[str, Any]:
    account = accounts.read_account(uow, account_id, actor=actor, playbook=playbook)
    return accounts.account_to_read(account)


@router.patch("/accounts/{account_id}", response_model=AccountRead, responses=ONE | WRITE)
def update_account(
    account_id: PathId, body: AccountUpdate, uow: WriteUow, actor: CurrentActor,
    playbook: PlaybookDep, now: Now,
) -> dict[str, Any]:  # fmt: skip
    changes = body.model_dump(exclude_unset=True)
    account = accounts.update_account(
        uow, account_id=account_id, changes=changes, actor=actor, playbook=playbook, now=now
    )
    uow.commit()
    return accounts.account_to_read(account)


@router.get("/contacts", response_model=ContactPage)
def list_contacts(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, account_id: QueryId | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None, page: PageNo = 1,
    page_size: PageSize = 20,
) -> dict[str, Any]:  # fmt: skip
    items, total = accounts.list_contacts(
        uow,
        account_id=account_id,
        q=q,
        page=page,
        page_size=page_size,
        actor=actor,
        playbook=playbook,
    )
    return {
        "items": _contacts(uow, items),
        "total": total,
        "page": page,
        "page_size": page_size,
    }


@router.post(
    "/contacts", response_model=ContactRead, status_code=status.HTTP_201_CREATED, responses=WRITE
)
def create_contact(
    body: ContactCreate, uow: WriteUow, actor: CurrentActor, playbook: PlaybookDep, now: Now
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    contact = accounts.create_contact(uow, data=data, actor=actor, playbook=playbook, now=now)
    result = _contacts(uow, [contact])[0]
    uow.commit()
    return result


@router.get("/contacts/{contact_id}", response_model=ContactRead, responses=ONE)
def get_contact(
    contact_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep
) -> dict[str, Any]:
    contact = accounts.read_contact(uow, contact_id, actor=actor, playbook=playbook)
    return _contacts(uow, [contact])[0]


@router.patch("/contacts/{contact_id}", response_model=ContactRead, responses=ONE | WRITE)
def update_contact(
    contact_id: PathId, body: ContactUpdate, uow: WriteUow, actor: CurrentActor,
    playbook: PlaybookDep, now: Now,
) -> dict[str, Any]:  # fmt: skip
    contact = accounts.update_contact(
        uow, contact_id=contact_id, changes=body.model_dump(exclude_unset=True), actor=actor,
        playbook=playbook, now=now,
    )  # fmt: skip
    result = _contacts(uow, [contact])[0]
    uow.commit()
    return result
