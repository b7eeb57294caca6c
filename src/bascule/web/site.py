"""The web UI plugged into the application: its pages, their static files, the redirect to the
sign-in page, and how a page shows a domain error (an HTML page, where the API answers JSON)."""

from __future__ import annotations

import inspect
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from bascule.errors import BasculeError
from bascule.web import pages
from bascule.web.render import LoginRequired, error_page

API_PREFIX = "/api"


def install(app: FastAPI) -> None:
    """Call after the API installed its error handlers: a domain error on an API path keeps
    the API's JSON answer (one handler per exception class, so this one hands over)."""
    app.include_router(pages.router)
    static = Path(pages.__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    api_error = app.exception_handlers.get(BasculeError)

    @app.exception_handler(BasculeError)
    async def _domain(request: Request, exc: BasculeError) -> Response:
        if api_error is not None and request.url.path.startswith(API_PREFIX):
            answer = api_error(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        return error_page(request, exc.status, exc.message)

    @app.exception_handler(LoginRequired)
    async def _login(_: Request, __: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)
