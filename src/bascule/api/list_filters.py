"""The lead and opportunity lists' query parameters, read once for the list endpoints and for
their CSV exports (``api/exports.py``): a file exported from a list, or from a report's link,
holds exactly the records the list shows, whatever filter is added later. Parsing is the pages'
own (``leads.listing``, ``opportunities.listing``); a value they refuse is a 422 naming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query

from bascule.analytics import conditions
from bascule.analytics.conditions import OpportunityFilters
from bascule.errors import ValidationFailed
from bascule.http.deps import CurrentActor, PlaybookDep
from bascule.leads import listing as lead_listing
from bascule.leads.listing import LeadQuery
from bascule.opportunities import listing as opportunity_listing
from bascule.storage import repositories as repo

# The report filters (SPEC §16): the lists behind a report's numbers.
Reached = Annotated[str | None, Query(description="the history holds this step or a later one")]
Outcome = Annotated[str | None, Query(description="won or lost: the converted lead's deal")]
Stalled = Annotated[bool | None, Query(description="in its status past the stall threshold")]
Segment = Annotated[str | None, Query(description="a funnel size segment (10-49, 250+), none")]
Day = Annotated[str | None, Query(description="a day (YYYY-MM-DD), included")]
Words = Annotated[list[str] | None, Query()]


@dataclass(frozen=True)
class LeadAsked:
    query: LeadQuery
    sort: str


def _as_params(asked: dict[str, Any]) -> dict[str, list[str]]:
    return {
        k: [str(x) for x in v] if isinstance(v, list) else [str(v)]
        for k, v in asked.items()
        if v is not None
    }


async def lead_filters(
    playbook: PlaybookDep,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    owner: Annotated[str | None, Query(description="a user id, or none: without owner")] = None,
    source: Annotated[list[str] | None, Query(description="none: without source")] = None,
    tag: str | None = None,
    temperature: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    min_score: Annotated[int | None, Query(ge=0, le=100)] = None,
    ready_to_convert: bool | None = None,
    conversion_overdue: bool | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    campaign: Annotated[str | None, Query(max_length=200, description="none: without")] = None,
    segment: Segment = None,
    employees_min: Annotated[int | None, Query(ge=0)] = None,
    employees_max: Annotated[int | None, Query(ge=0)] = None,
    reached: Reached = None,
    outcome: Outcome = None,
    stalled: Stalled = None,
    sort: str = "-created_at",
) -> LeadAsked:  # fmt: skip
    if sort.lstrip("-") not in repo.LEAD_SORTS:
        raise ValidationFailed(
            "unknown sort", fields={"sort": f"one of {', '.join(sorted(repo.LEAD_SORTS))}"}
        )
    asked = {
        "status": status_, "owner": owner, "source": source, "tag": tag,
        "temperature": temperature, "q": q, "min_score": min_score, "ready": ready_to_convert,
        "overdue": conversion_overdue, "created_from": created_from, "created_to": created_to,
        "campaign": campaign, "segment": segment, "employees_min": employees_min,
        "employees_max": employees_max, "reached": reached, "outcome": outcome,
        "stalled": stalled,
    }  # fmt: skip
    sources, segments = playbook.lead_source_keys, conditions.segment_keys(playbook)
    values, refused = lead_listing.parse_filters(
        _as_params(asked), sources=sources, segments=segments
    )
    if refused:
        fields = lead_listing.problems(refused, sources=sources, segments=segments)
        raise ValidationFailed("bad list filter", fields=fields)
    return LeadAsked(LeadQuery(**values), sort)


async def opportunity_filters(
    actor: CurrentActor, playbook: PlaybookDep,
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
) -> OpportunityFilters:  # fmt: skip
    asked = {
        "account_id": account_id, "stage": stage, "type": type, "owner": owner,
        "source": source, "state": state, "is_closed": is_closed, "close_month": close_month,
        "expected_close_from": expected_close_from, "expected_close_to": expected_close_to,
        "closed_from": closed_from, "closed_to": closed_to, "loss_reason": loss_reason,
        "stalled": stalled,
    }  # fmt: skip
    parsed = opportunity_listing.parse(_as_params(asked), playbook=playbook, actor_id=actor.user_id)
    if parsed.refused:
        raise ValidationFailed(
            "bad list filter", fields=opportunity_listing.problems(parsed.refused, playbook)
        )
    return parsed.filters


LeadFilters = Annotated[LeadAsked, Depends(lead_filters)]
OpportunityListFilters = Annotated[OpportunityFilters, Depends(opportunity_filters)]
