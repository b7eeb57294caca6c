"""Privacy endpoints (SPEC §18): a person's whole file, and their erasure. Admin only; both
are audited. Personal data never reaches the access log (``http.logs`` drops query values)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from bascule.api.errors import SIGNED_IN, WRITE
from bascule.api.schemas.common import Input
from bascule.http.deps import CurrentActor, Now, WriteUow
from bascule.privacy import erasure
from bascule.privacy import export as privacy_export

# 403: not an admin; 422: not an e-mail address, or no reason.
router = APIRouter(prefix="/api/v1/privacy", tags=["privacy"], responses=SIGNED_IN)


class EraseBody(Input):
    email: Annotated[str, Field(min_length=3, max_length=254)]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


@router.get("/export")
def export(
    email: Annotated[str, Query(min_length=3, max_length=254)], uow: WriteUow,
    actor: CurrentActor, now: Now,
) -> dict[str, Any]:  # fmt: skip
    """Everything held about the person with this e-mail: leads, contacts, consents,
    activities, signals, status history and audit rows (``found`` false when none)."""
    document = privacy_export.export(uow, email=email, actor=actor, now=now)
    uow.commit()
    return document


@router.post("/erase", responses=WRITE)
def erase(body: EraseBody, uow: WriteUow, actor: CurrentActor, now: Now) -> dict[str, int]:
    """Anonymise the person everywhere; the reports keep their counts and amounts. Answers
    how many rows of each kind were anonymised (all zero when nobody had this e-mail)."""
    done = erasure.erase(uow, email=body.email, reason=body.reason, actor=actor, now=now)
    uow.commit()
    return done.as_dict()
