"""The admin's privacy page (SPEC §18): look a person up by e-mail, see what is held about
them (the API's export, audited the same way), download it as JSON, erase them. The same
service calls as ``GET /api/v1/privacy/export`` and ``POST /api/v1/privacy/erase``; admin only
(anyone else gets the 403 page)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bascule.errors import ValidationFailed
from bascule.http.deps import Now, PlaybookDep, WriteUow
from bascule.privacy import erasure
from bascule.privacy import export as privacy_export
from bascule.users.model import require
from bascule.web.auth import PageActor
from bascule.web.render import render

router = APIRouter(include_in_schema=False)
Email = Annotated[str | None, Query(max_length=254)]


@router.get("/admin/privacy", response_class=HTMLResponse)
def privacy_page(
    request: Request, uow: WriteUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    email: Email = None, erased: Annotated[str | None, Query(max_length=200)] = None,
) -> HTMLResponse:  # fmt: skip
    require(actor, "privacy.export")
    document, problem = None, None
    if email and email.strip():
        try:
            document = privacy_export.export(uow, email=email, actor=actor, now=now)
            uow.commit()
        except ValidationFailed as exc:
            problem = exc.message
    return render(
        request, "privacy/person.html", playbook, email=(email or "").strip(),
        document=document, problem=problem, erased=_counts(erased),
    )  # fmt: skip


@router.get("/admin/privacy/export.json")
def privacy_download(
    uow: WriteUow, actor: PageActor, now: Now, email: Annotated[str, Query(max_length=254)]
) -> Response:
    document = privacy_export.export(uow, email=email, actor=actor, now=now)
    uow.commit()
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="person-export.json"'},
    )


@router.post("/admin/privacy/erase", response_model=None)
def privacy_erase(
    request: Request, uow: WriteUow, actor: PageActor, playbook: PlaybookDep, now: Now,
    email: Annotated[str, Form(max_length=254)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    require(actor, "privacy.erase")
    try:
        if confirm != "yes":
            raise ValidationFailed("tick the box to confirm", fields={"confirm": "required"})
        done = erasure.erase(uow, email=email, reason=reason, actor=actor, now=now)
    except ValidationFailed as exc:
        page = render(
            request, "privacy/person.html", playbook, email=email, document=None,
            problem=exc.message, erased=None,
        )  # fmt: skip
        page.status_code = 422
        return page
    uow.commit()
    # The address is not repeated in the URL: only the counts travel.
    counts = ",".join(f"{k}:{v}" for k, v in done.as_dict().items())
    return RedirectResponse(f"/admin/privacy?erased={counts}", status_code=303)


def _counts(text: str | None) -> dict[str, int] | None:
    """``leads:1,contacts:0`` back into counts (anything else is ignored)."""
    if not text:
        return None
    counts = {}
    for part in text.split(","):
        name, _, value = part.partition(":")
        if name in erasure.Erased.__dataclass_fields__ and value.isdigit():
            counts[name] = int(value)
    return counts
