"""Opportunity endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from bascule.access import service as access
from bascule.api.errors import ONE, SIGNED_IN, WRITE
from bascule.api.list_filters import OpportunityListFilters
from bascule.api.schemas.opportunities import (
    OpportunityCreate,
    OpportunityPage,
    OpportunityRead,
    OpportunityUpdate,
    StageBody,
)
from bascule.http.deps import CurrentActor, Now, PathId, PlaybookDep, ReadUow, WriteUow
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
    flt: OpportunityListFilters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:  # fmt: skip
    # The filters are read as the export reads them (``api.list_filters``).
    items, total = opportunities.listed(
        uow, flt, page=page, page_size=page_size, actor=actor, playbook=playbook,
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
