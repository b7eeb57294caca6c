"""Lead endpoints (SPEC §13)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from bascule.api.errors import ONE, SIGNED_IN, WRITE, Responses
from bascule.api.list_filters import LeadFilters
from bascule.api.schemas.conversion import ConvertBody, ConvertResult
from bascule.api.schemas.leads import (
    ActivityCreate,
    ActivityRead,
    HistoryRead,
    LeadCreate,
    LeadPage,
    LeadRead,
    LeadUpdate,
    QualificationBody,
    StatusBody,
)
from bascule.conversion import service as conversion
from bascule.http.deps import CurrentActor, Now, PathId, PlaybookDep, ReadUow, WriteUow
from bascule.http.threads import in_worker_thread
from bascule.leads import lead_list, reading
from bascule.leads import service as leads
from bascule.privacy import consents
from bascule.storage import repositories as repo

router = APIRouter(prefix="/api/v1/leads", tags=["leads"], responses=SIGNED_IN)
# POST /leads with the e-mail of an open lead updates that lead: 200, not 201.
_UPDATED: Responses = {
    200: {"model": LeadRead, "description": "an open lead with this e-mail, updated"}
}
# POST /leads/{id}/convert again with the same body: the first answer again, 200.
_REPLAYED: Responses = {200: {"model": ConvertResult, "description": "the conversion already done"}}

# SPEC §13 promises the number of matches, so a list counts them all by default. A client that
# pages through a huge unfiltered list may pass ``exact_total=false``: counting then stops past
# this many matches, and the page says so (``total_exact`` false, ``total`` a lower bound).
EXACT_TOTAL_UP_TO = 10_000


def _read(uow: ReadUow | WriteUow, lead: Any, now: Now, playbook: PlaybookDep) -> dict[str, Any]:
    tags, held = consents.tags_and_consents(uow, [lead.id])
    return _body(lead, tags[lead.id], now, playbook, held[lead.id])


def _body(
    lead: Any, tags: list[str], now: Now, playbook: PlaybookDep, held: list[dict[str, Any]]
) -> dict[str, Any]:
    computed = reading.computed(lead, tags, now=now, playbook=playbook)
    return LeadRead.body(lead, {**computed, "consents": held})


@router.get("", response_model=LeadPage)
@in_worker_thread
def list_leads(
    uow: ReadUow,
    actor: CurrentActor,
    playbook: PlaybookDep,
    now: Now,
    asked: LeadFilters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    exact_total: bool = True,
) -> dict[str, Any]:  # fmt: skip
    # The filters are read as the export reads them (``api.list_filters``).
    flt = lead_list.storage_filter(
        asked.query, actor=actor, playbook=playbook, now=now, sort=asked.sort, page=page,
        page_size=page_size,
    )  # fmt: skip
    rows = leads.listed(
        uow, flt, actor=actor, playbook=playbook, with_tags=True, with_consents=True,
        count_up_to=None if exact_total else EXACT_TOTAL_UP_TO,
    )  # fmt: skip
    # Tags and consents ride in the page's statement near the start of a list; deeper, where
    # the database would compute them for every row skipped too, one statement reads both.
    if rows.consents is not None:
        tags, held = rows.tags, rows.consents
    else:
        tags, held = consents.tags_and_consents(uow, [lead.id for lead in rows.items])
    return {
        "items": [_body(lead, tags[lead.id], now, playbook, held[lead.id]) for lead in rows.items],
        "total": rows.total,
        "total_exact": rows.total_exact,
        "page": page,
        "page_size": page_size,
    }


@router.post(
    "", response_model=LeadRead, status_code=status.HTTP_201_CREATED,
    responses=WRITE | _UPDATED,
)  # fmt: skip
@in_worker_thread
def create_lead(
    body: LeadCreate,
    response: Response,
    uow: WriteUow,
    actor: CurrentActor,
    playbook: PlaybookDep,
    now: Now,
) -> dict[str, Any]:
    data = body.model_dump(exclude_unset=True) | {"kind": body.kind}
    lead, created = leads.create(uow, data=data, actor=actor, playbook=playbook, now=now)
    # A new lead carries exactly the tags given, and consents only if some were given: no
    # need to read them back otherwise.
    tags = repo.normalise_tags(body.tags or [])
    if created and not body.consents:
        result = _body(lead, tags, now, playbook, [])
    else:
        result = _read(uow, lead, now, playbook)
    uow.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["X-Bascule-Outcome"] = "lead_created" if created else "lead_updated"
    return result


@router.get("/{lead_id}", response_model=LeadRead, responses=ONE)
def get_lead(
    lead_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep, now: Now
) -> dict[str, Any]:
    return _read(uow, leads.read(uow, lead_id, actor=actor, playbook=playbook), now, playbook)


@router.patch("/{lead_id}", response_model=LeadRead, responses=ONE | WRITE)
def update_lead(
    lead_id: PathId, body: LeadUpdate, uow: WriteUow, actor: CurrentActor, playbook: PlaybookDep,
    now: Now,
) -> dict[str, Any]:  # fmt: skip
    changes = body.model_dump(exclude_unset=True)
    lead = leads.update(
        uow, lead_id=lead_id, changes=changes, actor=actor, playbook=playbook, now=now
    )
    result = _read(uow, lead, now, playbook)
    uow.commit()
    return result


@router.post("/{lead_id}/status", response_model=LeadRead, responses=ONE | WRITE)
def change_status(
    lead_id: PathId, body: StatusBody, uow: WriteUow, actor: CurrentActor, playbook: PlaybookDep,
    now: Now,
) -> dict[str, Any]:  # fmt: skip
    lead = leads.change_status(
        uow, lead_id=lead_id, status=body.status, reason=body.reason, actor=actor,
        playbook=playbook, now=now,
    )  # fmt: skip
    result = _read(uow, lead, now, playbook)
    uow.commit()
    return result


@router.patch("/{lead_id}/qualification", response_model=LeadRead, responses=ONE | WRITE)
def qualify(
    lead_id: PathId, body: QualificationBody, uow: WriteUow, actor: CurrentActor,
    playbook: PlaybookDep, now: Now,
) -> dict[str, Any]:  # fmt: skip
    answers = body.model_dump(exclude_unset=True, mode="json")
    lead = leads.qualify(
        uow, lead_id=lead_id, answers=answers, actor=actor, playbook=playbook, now=now
    )
    result = _read(uow, lead, now, playbook)
    uow.commit()
    return result


@router.post(
    "/{lead_id}/activities", response_model=ActivityRead, status_code=status.HTTP_201_CREATED,
    responses=ONE | WRITE,
)  # fmt: skip
def log_activity(
    lead_id: PathId, body: ActivityCreate, uow: WriteUow, actor: CurrentActor,
    playbook: PlaybookDep, now: Now,
) -> ActivityRead:  # fmt: skip
    activity = leads.log_activity(
        uow, lead_id=lead_id, data=body.model_dump(), actor=actor, playbook=playbook, now=now
    )
    result = ActivityRead.model_validate(activity)
    uow.commit()
    return result


@router.get("/{lead_id}/activities", response_model=list[ActivityRead], responses=ONE)
def list_activities(
    lead_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep
) -> list[Any]:
    leads.read(uow, lead_id, actor=actor, playbook=playbook)
    return repo.activities(uow.session, lead_id=lead_id)


@router.get("/{lead_id}/history", response_model=list[HistoryRead], responses=ONE)
def status_history(
    lead_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep
) -> list[Any]:
    return leads.history(uow, lead_id, actor=actor, playbook=playbook)


@router.post(
    "/{lead_id}/convert", response_model=ConvertResult, status_code=201,
    responses=ONE | WRITE | _REPLAYED,
)  # fmt: skip
@in_worker_thread
def convert(
    lead_id: PathId, body: ConvertBody, response: Response, uow: WriteUow, actor: CurrentActor,
    playbook: PlaybookDep, now: Now,
) -> dict[str, Any]:  # fmt: skip
    request = body.model_dump(exclude_none=True, mode="json")
    result = conversion.convert(
        uow, lead_id=lead_id, request=request, actor=actor, playbook=playbook, now=now
    )
    uow.commit()
    if result["replayed"]:
        response.status_code = status.HTTP_200_OK
    return result
