"""CSV exports of the lists (SPEC §11): ``GET /api/v1/exports/leads|contacts|accounts|
opportunities`` take the filters of the list they export (no paging: every matching row the
caller may read), and answer ``text/csv`` (UTF-8, CRLF lines, a header line). Cells that a
spreadsheet would run as a formula are neutralised; leads and contacts carry
``do_not_contact`` and their consents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from bascule.api.errors import SIGNED_IN
from bascule.api.list_filters import LeadFilters, OpportunityListFilters
from bascule.exports import service as exports
from bascule.http.deps import CurrentActor, Now, PlaybookDep, QueryId, ReadUow
from bascule.leads import lead_list

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], responses=SIGNED_IN)
Search = Annotated[str | None, Query(max_length=200)]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "the rows, as CSV"}
}


def _csv(text: str, name: str, now: Now) -> Response:
    filename = f"{name}-{now:%Y%m%d-%H%M%S}.csv"
    return Response(
        text, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


@router.get("/leads", response_class=Response, responses=_CSV)
def leads(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, now: Now, asked: LeadFilters
) -> Response:
    """The lead list (``GET /api/v1/leads``'s filters and sort, report filters included) as
    CSV."""
    flt = lead_list.storage_filter(
        asked.query, actor=actor, playbook=playbook, now=now, sort=asked.sort, page=1,
        page_size=exports.PAGE,
    )  # fmt: skip
    return _csv(exports.leads(uow, flt=flt, actor=actor, playbook=playbook), "leads", now)


@router.get("/contacts", response_class=Response, responses=_CSV)
def contacts(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, now: Now,
    account_id: QueryId | None = None, q: Search = None,
) -> Response:  # fmt: skip
    """The contact list (``GET /api/v1/contacts``'s filters) as CSV."""
    text = exports.contacts(uow, account_id=account_id, q=q, actor=actor, playbook=playbook)
    return _csv(text, "contacts", now)


@router.get("/accounts", response_class=Response, responses=_CSV)
def accounts(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, now: Now, q: Search = None,
    is_customer: bool | None = None,
) -> Response:  # fmt: skip
    """The account list (``GET /api/v1/accounts``'s filters) as CSV."""
    text = exports.accounts_csv(uow, q=q, is_customer=is_customer, actor=actor, playbook=playbook)
    return _csv(text, "accounts", now)


@router.get("/opportunities", response_class=Response, responses=_CSV)
def opportunities(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, now: Now,
    flt: OpportunityListFilters,
) -> Response:  # fmt: skip
    """The opportunity list (``GET /api/v1/opportunities``'s filters) as CSV; without the
    amounts for marketing."""
    text = exports.opportunities_csv(uow, flt=flt, actor=actor, playbook=playbook, now=now)
    return _csv(text, "opportunities", now)
