"""``bascule init`` (create or migrate the database) and ``bascule serve`` (API and web UI)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bascule.cli.common import CommandFailed, state
from bascule.config import UnsafeSecretKey
from bascule.storage.migrate import alembic_config, upgrade
from bascule.storage.uow import Database

# Settings travel to uvicorn's worker processes through the environment.
SETTINGS_ENV = {
    "database_url": "BASCULE_DATABASE_URL",
    "secret_key": "BASCULE_SECRET_KEY",
    "smtp_url": "BASCULE_SMTP_URL",
    "locale": "BASCULE_LOCALE",
    "timezone": "BASCULE_TIMEZONE",
    "env": "BASCULE_ENV",
    "trusted_proxies": "BASCULE_TRUSTED_PROXIES",
    "max_body_bytes": "BASCULE_MAX_BODY_BYTES",
}


def _current_revision(database: Database) -> str | None:
    with database.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(database: Database) -> str:
    """Create or migrate the database to the latest schema; say what was done."""
    before = _current_revision(database)
    head = ScriptDirectory.from_config(alembic_config(database.engine)).get_current_head()
    if before == head:
        return f"Database already up to date (revision {head}): {_safe_url(database)}"
    upgrade(database.engine)
    after = _current_revision(database)
    if before is None:
        return f"Database created (revision {after}): {_safe_url(database)}"
    return f"Database migrated from revision {before} to {after}: {_safe_url(database)}"


def _safe_url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=True)


def init(ctx: typer.Context) -> None:
    """Create the database, or migrate it to the latest schema (safe to run again)."""
    typer.echo(migrate(state(ctx).database))


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Number of worker processes.")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Development run: accept the shipped secret key (same as BASCULE_ENV="
            "development).",
        ),
    ] = False,
) -> None:
    """Serve the API and the web UI (the database is created or migrated first)."""
    import uvicorn

    st = state(ctx)
    if dev:
        st.settings = st.settings.model_copy(update={"env": "development"})
    try:
        st.settings.refuse_unsafe_secret()
    except UnsafeSecretKey as exc:
        raise CommandFailed(str(exc)) from None
    typer.echo(migrate(st.database))
    if workers > 1 and st.database.is_sqlite:
        # Works (WAL, file locks), but each process keeps its own intake rate limit and the
        # live alert stream polls the file: PostgreSQL is the database for several processes.
        typer.echo(
            f"warning: {workers} processes on SQLite: each allows the full intake rate limit; "
            "use PostgreSQL to run several API processes",
            err=True,
        )
    st.close()  # workers open their own engines; none is shared across a fork
    for name, env in SETTINGS_ENV.items():
        value = getattr(st.settings, name)
        if value is None:
            os.environ.pop(env, None)
        else:
            os.environ[env] = str(value)
    uvicorn.run(
        "bascule.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        # X-Forwarded-For is read by ``http.client`` only from BASCULE_TRUSTED_PROXIES: uvicorn
        # would otherwise believe it from any local peer (its default trusts 127.0.0.1).
        proxy_headers=False,
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(serve)
