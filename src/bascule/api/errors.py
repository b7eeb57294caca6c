"""Every error leaves the API in the SPEC §13 shape: {"error": {code, message, fields}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from bascule.api.schemas.common import ErrorBody
from bascule.errors import BasculeError
from bascule.http.methods import allowed_methods
from bascule.storage import DataError, IntegrityError, OperationalError

log = logging.getLogger("bascule.api")

Responses = dict[int | str, dict[str, Any]]

# What each error status means in this API, for /openapi.json: every answer but a 500 (a bug)
# is documented on the routes that can give it, all in the ``ErrorBody`` shape.
MEANINGS = {
    400: "malformed_json: the body is not JSON (or not UTF-8)",
    401: "unauthorized: no bearer token, or one unknown, expired or revoked",
    403: "forbidden: the caller's role, or the record's owner, does not allow it (why in message)",
    404: "not_found: no such record, or one the caller may not read (SPEC §18)",
    409: "conflict: the record's state refuses the change, or a concurrent change won",
    413: "payload_too_large: the body is over the size limit",
    415: "unsupported_media_type: the file is not of a type this endpoint reads",
    422: "validation_failed (or a more precise code): the fields at fault in error.fields",
    429: "rate_limited: too many requests; wait Retry-After seconds",
    503: "database_busy: the database is busy; retry shortly",
}


def answers(*statuses: int) -> Responses:
    """The error answers ``statuses`` for a route's or a router's ``responses=``."""
    return {status: {"model": ErrorBody, "description": MEANINGS[status]} for status in statuses}


# Every route called with a bearer token: no or a bad token, a role or an owner that does not
# allow it, a bad parameter (a NUL character in any query string too), the database busy.
SIGNED_IN = answers(401, 403, 422, 503)
# A route naming one record in its path.
ONE = answers(404)
# A route that writes from a JSON body: not JSON, over the body cap, a conflict with the
# record's state or with a concurrent write (the database's unique constraints).
WRITE = answers(400, 409, 413)
# A route that writes without a body (a record's action): a conflict only.
ACTION = answers(409)


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}
    return JSONResponse(body, status_code=status)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(BasculeError)
    async def _domain(_: Request, exc: BasculeError) -> Response:
        # Outside /api the web UI (web.errors) wraps this handler and answers an HTML page.
        extra = {k: v for k, v in exc.extra.items() if v is not None}
        response = error_response(exc.status, exc.code, exc.message, exc.fields, **extra)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields: dict[str, str] = {}
        malformed = False
        for err in exc.errors():
            if err.get("type") == "json_invalid":
                malformed = True
                fields["body"] = str(err.get("ctx", {}).get("error", "invalid JSON"))
                continue
            fields.setdefault(_location(tuple(err.get("loc", ()))), str(err.get("msg")))
        if malformed:
            return error_response(400, "malformed_json", "the body is not valid JSON", fields)
        return error_response(422, "validation_failed", "some fields are invalid", fields)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        # FastAPI answers 400 only when it cannot read the body (not JSON, not UTF-8).
        code = {
            400: "malformed_json",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
        }.get(exc.status_code, "http_error")
        response = error_response(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's
            response.headers["Allow"] = allowed_methods(request)
        return response

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        # A concurrent request won a race the service checked for: the database said no.
        log.info("integrity conflict: %s", exc.orig)
        return error_response(
            409, "conflict", "the change conflicts with a record written at the same time"
        )

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot store (a number out of range; a NUL character that
        # went round the bodies' and query strings' checks: the same answer as theirs).
        log.info("data refused by the database: %s", exc.orig)
        if "NUL" in str(exc.orig):
            return error_response(
                422, "validation_failed", "text cannot hold NUL characters", {"body": "NUL"}
            )
        return error_response(422, "invalid_value", "a value cannot be stored as given")

    @app.exception_handler(OperationalError)
    async def _busy(_: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database busy: %s", exc.orig)
        return error_response(503, "database_busy", "the database is busy; retry shortly")
