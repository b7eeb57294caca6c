"""The ASGI application: ``create_app(settings)`` wires storage, API and web together."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from bascule import __version__
from bascule.api import (
    accounts,
    alerts,
    errors,
    events,
    imports,
    intake,
    leads,
    meta,
    opportunities,
    reports,
    users,
)
from bascule.config import Settings
from bascule.storage.uow import Database
from bascule.web import pages


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Bascule",
        version=__version__,
        description="CRM: the lead to opportunity switch, explicit, measured and enforced.",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database or Database(settings.database_url)
    errors.install(app)
    for module in (
        leads, accounts, opportunities, events, intake, imports, meta, alerts, reports, users,
    ):  # fmt: skip
        app.include_router(module.router)
    app.include_router(pages.router)
    static = Path(pages.__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.exception_handler(pages.LoginRequired)
    async def _login(_: Request, __: pages.LoginRequired) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): settings from BASCULE_*."""
    return create_app(Settings())
