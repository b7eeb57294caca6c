"""The ``bascule`` command (SPEC §14): global options, then one sub-command module per domain."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bascule.cli import (
    demo,
    forms,
    imports,
    model,
    playbook,
    privacy,
    report,
    score,
    server,
    users,
    worker,
)
from bascule.cli.common import BasculeGroup, State
from bascule.config import Settings

app = typer.Typer(
    name="bascule",
    cls=BasculeGroup,
    help="Bascule CRM: the lead to opportunity switch, explicit, measured and enforced.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="BASCULE_DATABASE_URL",
            help="SQLAlchemy URL (default sqlite:///./bascule.db).",
        ),
    ] = None,
    secret_key: Annotated[
        str | None,
        typer.Option(envvar="BASCULE_SECRET_KEY", help="Signs the web forms' CSRF tokens."),
    ] = None,
    smtp_url: Annotated[
        str | None,
        typer.Option(envvar="BASCULE_SMTP_URL", help="SMTP server for e-mail alerts."),
    ] = None,
    locale: Annotated[
        str | None, typer.Option(envvar="BASCULE_LOCALE", help="Default language (fr or en).")
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            envvar="BASCULE_TIMEZONE",
            help="Unused: time zones are the playbook's ([general] and [calendar] timezone).",
        ),
    ] = None,
) -> None:
    """Options override the BASCULE_* environment variables they are named after."""
    given: dict[str, Any] = {
        "database_url": database_url,
        "secret_key": secret_key,
        "smtp_url": smtp_url,
        "locale": locale,
        "timezone": timezone,
    }
    settings = Settings(**{k: v for k, v in given.items() if v is not None})
    state = State(settings)
    ctx.obj = state
    ctx.call_on_close(state.close)


server.register(app)
demo.register(app)
app.add_typer(users.users_app, name="users")
app.add_typer(users.tokens_app, name="tokens")
app.add_typer(playbook.app, name="playbook")
app.add_typer(forms.app, name="forms")
app.add_typer(score.app, name="score")
app.add_typer(model.app, name="model")
app.add_typer(report.app, name="report")
app.add_typer(privacy.app, name="privacy")
imports.register(app)
worker.register(app)
