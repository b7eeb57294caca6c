"""Errors for people: a browser asking for a page gets an HTML page in its language (404,
405, 422, 500...), never the API's JSON. Paths under ``/api`` keep the JSON errors of SPEC §13:
the API's handlers are wrapped, not replaced."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from bascule.errors import BasculeError
from bascule.http.methods import allowed_methods
from bascule.storage import DataError, IntegrityError, OperationalError
from bascule.web import i18n
from bascule.web.auth import LoginRequired
from bascule.web.i18n import N_, _
from bascule.web.render import render
from bascule.web.security import FormRefused

log = logging.getLogger("bascule.web")
Handler = Callable[[Request, Any], Response | Awaitable[Response]]

# (title, explanation) per status; anything else falls back to 400's or 500's words.
WORDS = {
    400: (N_("Request not understood"), N_("The request could not be read.")),
    401: (N_("Sign-in required"), N_("Please sign in to continue.")),
    403: (N_("Not allowed"), N_("You may not see this page or do this.")),
    404: (N_("Page not found"), N_("This page does not exist, or you may not see it.")),
    405: (N_("Not available"), N_("This address does not answer this kind of request.")),
    409: (N_("Changed meanwhile"),
          N_("Someone changed this record at the same time. Reload the page and try again.")),
    413: (N_("Too large"), N_("The file or form sent is too large.")),
    422: (N_("Invalid values"), N_("Some values in the address or the form are not valid.")),
    429: (N_("Too many requests"), N_("Too many requests in a short time; wait a moment.")),
    500: (N_("Something went wrong"),
          N_("Something went wrong on our side; it has been logged. Try again later.")),
    503: (N_("Busy"), N_("The service is busy; try again in a moment.")),
}  # fmt: skip
FORM_REFUSED = N_(
    "This form has expired or was sent from another site. Reload the page and try again."
)


def is_browser_page(request: Request) -> bool:
    """Every path outside the API is a page; ``/api`` and ``/openapi.json`` answer JSON."""
    return not request.url.path.startswith(("/api/", "/openapi.json")) and (
        request.url.path != "/api"
    )


def error_page(request: Request, status: int, message: str | None = None) -> HTMLResponse:
    default = 500 if status >= 500 else 400
    title, explanation = WORDS.get(status, WORDS[default])
    return render(
        request, "error.html", None, status_code=status, status=status, title=_(title),
        message=message or _(explanation),
    )  # fmt: skip


# The statuses the API's handlers give these errors (``api.errors``), for the same words.
STATUS_OF: tuple[tuple[type[Exception], int], ...] = (
    (RequestValidationError, 422),
    (IntegrityError, 409),
    (DataError, 422),
    (OperationalError, 503),
)


def _status_of(exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, BasculeError):
        return exc.status
    return next((status for kind, status in STATUS_OF if isinstance(exc, kind)), 500)


def _html_or(api_handler: Handler | None) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_browser_page(request) or api_handler is None:
            return _with_headers(request, exc, error_page(request, _status_of(exc)))
        answer = api_handler(request, exc)
        return await answer if isinstance(answer, Awaitable) else answer

    return handle


def _with_headers(request: Request, exc: Exception, page: HTMLResponse) -> HTMLResponse:
    """The page keeps the error's headers: ``Allow`` on a 405 (every method of the path),
    ``Retry-After`` on a 429."""
    if isinstance(exc, HTTPException):
        page.headers.update(exc.headers or {})
        if exc.status_code == 405:
            page.headers["Allow"] = allowed_methods(request)
    elif isinstance(exc, BasculeError):
        page.headers.update(exc.headers)
    return page


def install(app: FastAPI) -> None:
    """Call after the API's handlers are installed: each one is wrapped for pages."""
    for key, handler in list(app.exception_handlers.items()):
        if isinstance(key, type) and issubclass(key, Exception):
            app.add_exception_handler(key, _html_or(handler))
    for key in (HTTPException, BasculeError):
        if key not in app.exception_handlers:
            app.add_exception_handler(key, _html_or(None))

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = "" if target == "/" else "?" + urlencode({"next": target})
        return RedirectResponse("/login" + query, status_code=303)

    @app.exception_handler(FormRefused)
    async def _refused(request: Request, exc: FormRefused) -> HTMLResponse:
        log.info("form refused on %s: %s", request.url.path, exc)
        return error_page(request, 403, _(FORM_REFUSED))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        # Outside the other middlewares: the request's language is set again here.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if not is_browser_page(request):
            body = {"error": {"code": "internal_error", "message": "unexpected error",
                              "fields": {}}}  # fmt: skip
            return JSONResponse(body, status_code=500)
        language = getattr(request.state, "language", None) or i18n.language()
        i18n.set_language(language)
        return error_page(request, 500)
