"""The ASGI application: ``create_app(settings)`` wires storage, API and web together."""

from __future__ import annotations

from fastapi import FastAPI

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
from bascule.web import site


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
    # After the API's error handlers: the web UI keeps their JSON answers for /api paths.
    site.install(app)
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (``bascule serve``: each worker process builds its
    own from the BASCULE_* environment)."""
    return create_app(Settings())
