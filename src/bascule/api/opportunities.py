"""Opportunity endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from bascule.access import service as access
from bascule.api.errors import ONE, SIGNED_IN, WRITE
from bascule.api.schemas.opportunities import (
    OpportunityCreate,
    OpportunityPage,
    OpportunityRead,
    OpportunityUpdate,
    StageBody,
)
from bascule.errors import ValidationFailed
from bascule.http.deps import CurrentActor, Now, PathId, PlaybookDep, ReadUow, WriteUow
from bascule.opportunities import listing
from bascule.opportunities import service as opportunities
from bascule.storage import repositories as repo

router = APIRouter(prefix="/api/v1/opportunities", tags=["opportunities"], responses=SIGNED_IN)


def _read(
    uow: ReadUow | WriteUow, opp: Any, actor: CurrentActor, playbook: PlaybookDep
) -> dict[str, Any]:
    contacts = repo.opportunity_contacts(uow.session, [opp.id])[opp.id]
    return opportunities.to_read(opp, contacts, amounts=access.sees_amounts(uow, actor, playbook))


Day = Annotated[str | None, Query(description="a day (YYYY-MM-DD), included")]
Words = Annotated[list[str] | None, Query()]


@router.get("", response_model=OpportunityPage)
def list_opportunities(
    uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, now: Now,
    account_id: Annotated[str | None, Query()] = None,
    stage: Words = None, type: str | None = None,
    owner: Annotated[str | None, Query(description="a user id, me, or none: without")] = None,
    source: Annotated[list[str] | None, Query(description="lead source; none: without")] = None,
    state: Annotated[str | None, Query(description="open, won, lost or all")] = None,
    is_closed: str | None = None, close_month: str | None = None,
    expected_close_from: Day = None, expected_close_to: Day = None,
    closed_from: Day = None, closed_to: Day = None,
    loss_reason: Annotated[str | None, Query(description="a loss reason; none: without")] = None,
    stalled: Annotated[str | None, Query(description="in its stage past the threshold")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:  # fmt: skip
    # The page's own parser (``opportunities.listing``): the same filters, words and checks.
    asked = {
        "account_id": account_id, "stage": stage, "type": type, "owner": owner,
        "source": source, "state": state, "is_closed": is_closed, "close_month": close_month,
        "expected_close_from": expected_close_from, "expected_close_to": expected_close_to,
        "closed_from": closed_from, "closed_to": closed_to, "loss_reason": loss_reason,
        "stalled": stalled,
    }  # fmt: skip
    params = {k: v if isinstance(v, list) else [v] for k, v in asked.items() if v is not None}
    parsed = listing.parse(params, playbook=playbook, actor_id=actor.user_id)
    if parsed.refused:
        fields = listing.problems(parsed.refused, playbook)
        raise ValidationFailed("bad list filter", fields=fields)
    items, total = opportunities.listed(
        uow, parsed.filters, page=page, page_size=page_size, actor=actor, playbook=playbook,
        now=now,
    )  # fmt: skip
    contacts = repo.opportunity_contacts(uow.session, [o.id for o in items])
    amounts = access.sees_amounts(uow, actor, playbook)
    return {
        "items": [opportunities.to_read(o, contacts[o.id], amounts=amounts) for o in items],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


@router.post(
    "", response_model=OpportunityRead, status_code=status.HTTP_201_CREATED, responses=WRITE
)
def create_opportunity(
    body: OpportunityCreate, uow: WriteUow, actor: CurrentActor, playbook: PlaybookDep, now: Now
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True)
    opp = opportunities.create(uow, data=data, actor=actor, playbook=playbook, now=now)
    result = _read(uow, opp, actor, playbook)
    uow.commit()
    return result


@router.get("/{opportunity_id}", response_model=OpportunityRead, responses=ONE)
def get_opportunity(
    opportunity_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep
) -> dict[str, Any]:
    opp = opportunities.read(uow, opportunity_id, actor=actor, playbook=playbook)
    return _read(uow, opp, actor, playbook)


@router.patch("/{opportunity_id}", response_model=OpportunityRead, responses=ONE | WRITE)
def update_opportunity(
    opportunity_id: PathId, body: OpportunityUpdate, uow: WriteUow, actor: CurrentActor,
    playbook: PlaybookDep, now: Now,
) -> dict[str, Any]:  # fmt: skip
    opp = opportunities.update(
        uow, opportunity_id=opportunity_id, changes=body.model_dump(exclude_unset=True),
        actor=actor, playbook=playbook, now=now,
    )  # fmt: skip
    result = _read(uow, opp, actor, playbook)
    uow.commit()
    return result


@router.post("/{opportunity_id}/stage", response_model=OpportunityRead, responses=ONE | WRITE)
def change_stage(
    opportunity_id: PathId, body: StageBody, uow: WriteUow, actor: CurrentActor,
    playbook: PlaybookDep, now: Now,
) -> dict[str, Any]:  # fmt: skip
    opp = opportunities.change_stage(
        uow, opportunity_id=opportunity_id, stage=body.stage, loss_reason=body.loss_reason,
        actor=actor, playbook=playbook, now=now, reason=body.reason,
    )  # fmt: skip
    result = _read(uow, opp, actor, playbook)
    uow.commit()
    return result
