"""The ASGI application: ``create_app(settings)`` wires storage, API and web together."""

from __future__ import annotations

from fastapi import FastAPI

from bascule import __version__, web
from bascule.api import (
    accounts,
    alerts,
    audit,
    errors,
    events,
    exports,
    imports,
    intake,
    leads,
    messages,
    meta,
    opportunities,
    privacy,
    reports,
    tokens,
    users,
)
from bascule.config import Settings
from bascule.http import logs
from bascule.http.client import trusted_networks
from bascule.http.limits import BodyLimit
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
    for module in (
        leads, accounts, opportunities, events, intake, imports, meta, alerts, reports, users,
        privacy, exports, messages, tokens, audit,
    ):  # fmt: skip
        app.include_router(module.router)
    web.install(app)  # after the API's error handlers: it wraps them for browser pages
    # Outermost: a body over its cap is refused before anything else reads it. The events
    # batch (10 MiB) and the imports' uploads stream their bodies under caps of their own.
    exempt = ("/api/v1/events", "/api/v1/imports")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, exempt=exempt)
    trusted_networks(settings.trusted_proxies)  # a malformed setting fails at startup
    logs.install()
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): settings from BASCULE_*. Like
    ``bascule serve``, it refuses the shipped secret key outside a development run."""
    settings = Settings()
    settings.refuse_unsafe_secret()
    return create_app(settings)
