"""The ASGI application: ``create_app(settings)`` wires storage, API and web together."""

from __future__ import annotations

from fastapi import FastAPI

from bascule import __version__
from bascule.api import accounts, errors, leads, meta, opportunities
from bascule.config import Settings
from bascule.storage.uow import Database


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
    for module in (leads, accounts, opportunities, meta):
        app.include_router(module.router)
    return app
