"""The web UI: server-rendered pages on the same services as the API.

``install(app)`` is the one call ``create_app`` makes: the pages' routes, static files, the
middleware (language, security headers) and the HTML error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    from bascule.web import errors, pages
    from bascule.web.security import WebMiddleware

    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(WebMiddleware, default_language=app.state.settings.locale)
    errors.install(app)
