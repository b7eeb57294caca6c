"""Public forms: ``POST /api/v1/intake/{form_type}`` (SPEC §7, §13).

No bearer token: the header ``X-Form-Key`` must hold a valid key made for that form type
(``bascule forms create FORM_TYPE``). In order: unknown form type 404, too many requests 429
(per form key and client address; one bucket for all API processes on PostgreSQL), bad key
401/403, body over the limit 413, not JSON 400, invalid fields 422. A filled honeypot
(``website``) gets a 201 that stores nothing. ``Idempotency-Key`` replays the first answer of
the same request.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from bascule.api.errors import answers
from bascule.api.schemas.common import ErrorBody
from bascule.api.schemas.intake import IntakeBody, IntakeResult
from bascule.errors import (
    BasculeError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from bascule.http.client import client_address
from bascule.http.deps import Now, PlaybookDep, WriteUow, database
from bascule.intake import forms
from bascule.intake import service as intake
from bascule.intake.forms import FormRef
from bascule.intake.model import check_text, is_bot
from bascule.intake.ratelimit import Limiter, for_database, retry_after_seconds
from bascule.playbook.schema import FORM_TYPES

router = APIRouter(prefix="/api/v1/intake", tags=["intake"])
_limiter_lock = threading.Lock()


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its nested models written in place: pydantic's ``$defs``
    references do not resolve inside an OpenAPI document."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.rsplit("/", 1)[1]])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


_BODY = {
    "required": True,
    "content": {"application/json": {"schema": _inlined(IntakeBody.model_json_schema())}},
}
FormType = Annotated[
    str,
    Path(description=f"one of {', '.join(FORM_TYPES)}", max_length=40, examples=list(FORM_TYPES)),
]


def _limiter(request: Request) -> Limiter:
    state = request.app.state
    with _limiter_lock:
        if getattr(state, "intake_limiter", None) is None:
            per_minute = state.settings.intake_rate_limit_per_minute
            state.intake_limiter = for_database(database(request), per_minute)
    limiter: Limiter = state.intake_limiter
    return limiter


def intake_form(
    request: Request,
    form_type: FormType,
    playbook: PlaybookDep,
    x_form_key: Annotated[str | None, Header(alias="X-Form-Key")] = None,
) -> FormRef:
    """The form the key opens, after the form type and the rate limit are checked. A valid
    key's submissions share a bucket per key and client address; every refused key (unknown,
    revoked, for another form) shares one bucket per client address, so guessing keys is
    slowed exactly as much as submitting is."""
    if form_type not in playbook.intake.forms:
        raise NotFound(f"no form type {form_type!r}", fields={"form_type": "unknown form type"})
    refused: BasculeError | None = None
    form: FormRef | None = None
    with database(request).uow() as uow:
        try:
            form = forms.authenticate(uow, form_type=form_type, key=x_form_key)
        except (Unauthorized, Forbidden) as exc:
            refused = exc
    bucket = forms.hash_key(x_form_key or "") if form is not None else "refused-key"
    wait = _limiter(request).take(f"{bucket}|{client_address(request)}", time.monotonic())
    if wait:
        raise RateLimited(retry_after_seconds(wait))
    if refused is not None or form is None:
        raise refused or Unauthorized("unknown form key")
    return form


async def intake_body(
    request: Request, form: Annotated[FormRef, Depends(intake_form)]
) -> dict[str, Any] | None:
    """The body, read only once the key is known, and never past the size limit, checked
    here once: None for a bot (a filled honeypot, answered as a success whatever else the
    body holds), else text without control characters and fields of the form's schema."""
    limit = request.app.state.settings.intake_max_body_bytes
    declared = request.headers.get("content-length", "")
    too_large = PayloadTooLarge(
        f"the body is over {limit} bytes", fields={"body": f"at most {limit} bytes"}
    )
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks))
    except (ValueError, RecursionError) as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": "invalid JSON",
              "ctx": {"error": str(exc)[:200]}}]
        ) from None  # fmt: skip
    if not isinstance(data, dict):
        raise ValidationFailed("the body must be a JSON object", fields={"body": "an object"})
    if is_bot(data):
        return None
    check_text(data)
    try:
        checked = IntakeBody.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    body: dict[str, Any] = checked.model_dump(mode="json", exclude_unset=True)
    return body


IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[!-~]+$")
]


@router.post(
    "/{form_type}",
    status_code=201,
    response_model=IntakeResult,
    response_model_exclude_none=True,
    openapi_extra={"requestBody": _BODY},
    responses=answers(400, 422, 503)
    | {
        code: {"model": ErrorBody, "description": text}
        for code, text in (
            (401, "X-Form-Key missing or unknown"),
            (403, "the key is revoked, or made for another form type"),
            (404, "unknown form type"),
            (409, "Idempotency-Key already used with another body"),
            (413, "body over the size limit (64 KB by default)"),
            (429, "too many submissions from this client for this form: see Retry-After"),
        )
    },
)
def submit(
    form_type: FormType,
    form: Annotated[FormRef, Depends(intake_form)],
    body: Annotated[dict[str, Any] | None, Depends(intake_body)],
    uow: WriteUow,
    playbook: PlaybookDep,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if body is None:
        answer = intake.decoy(form=form, playbook=playbook)
    else:
        answer = intake.submit(
            uow, form=form, body=body, idempotency_key=idempotency_key, playbook=playbook, now=now
        )
        uow.commit()
    return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)
