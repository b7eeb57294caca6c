"""Request limits applied before any route runs (issue 12): the body-size cap, read while the
body streams in, and text no database stores (a NUL character) in the query string.

``BodyLimit`` is plain ASGI middleware. A declared ``Content-Length`` over the cap is refused
at once, unread; a body without one (chunked) is counted as it arrives and refused the moment
it passes the cap, so a 60 MB body costs the server one chunk of memory, never 60 MB. The
answer is a 413 in the API's error shape. Paths that stream their body under a cap of their own
(the events batch, 10 MiB; the imports' uploads, spooled to disk) are left to it; every other
request, JSON or form, gets the default."""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bascule.errors import PayloadTooLarge


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` inside the route: FastAPI lets an HTTPException through as it
    is, and the API's handler answers 413 ``payload_too_large``."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body is over {limit} bytes")
        self.limit = limit


def _error(status: int, code: str, message: str, fields: dict[str, str]) -> bytes:
    body = {"error": {"code": code, "message": message, "fields": fields}}
    return json.dumps(body).encode()


async def _answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def nul_parameter(query_string: bytes) -> str | None:
    """The first query parameter whose name or value holds a NUL character."""
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return None


class BodyLimit:
    """``max_bytes`` for every request body but those of the ``exempt`` path prefixes."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, exempt: Sequence[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        bad = nul_parameter(scope.get("query_string", b""))
        if bad is not None:
            # The same answer as a NUL in a body (``intake.model.check_text``).
            message = _error(422, "validation_failed", "text cannot hold NUL characters",
                             {bad: "NUL"})  # fmt: skip
            await _answer(send, 422, message)
            return
        if scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, _too_large(limit))
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Read outside a route (a form parsed by a page): answered here, if still possible.
            if not started:
                await _answer(send, 413, _too_large(limit))


def _too_large(limit: int) -> bytes:
    error = PayloadTooLarge(f"the body is over {limit} bytes")
    return _error(413, error.code, error.message, {"body": f"at most {limit} bytes"})
