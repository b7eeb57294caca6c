"""``bascule playbook check | show | apply | reference``: the company's rules as a versioned
TOML file, and the reference of its settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bascule.cli.common import CommandFailed, now, read_text, state
from bascule.errors import Forbidden, NotFound, PlaybookInvalid
from bascule.playbook import service as playbooks
from bascule.playbook.reference import render as render_reference
from bascule.storage import repositories as repo
from bascule.users.model import require
from bascule.users.service import actor_for

app = typer.Typer(help="Check, show and apply the playbook.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="A playbook TOML file.", show_default=False)]


@app.command()
def check(ctx: typer.Context, file: FileArg) -> None:
    """Validate a playbook file: print OK, or every error with its location. The teams and
    users its routing rules name are looked up in the database."""
    text = read_text(file)
    try:
        playbook = playbooks.check(text, uow=state(ctx).database.uow)
    except PlaybookInvalid as exc:
        for location, message in exc.fields.items():
            typer.echo(f"{file}: {location}: {message}")
        count = len(exc.fields) or 1
        raise CommandFailed(
            f"{file}: playbook is invalid ({count} error{'s' if count > 1 else ''})"
        ) from None
    typer.echo(f"OK: {file} (playbook {playbook.name!r})")


@app.command()
def show(ctx: typer.Context) -> None:
    """Print the active playbook (TOML) and its version."""
    with state(ctx).database.uow() as uow:
        version, text = playbooks.active_text(uow)
        row = repo.latest_playbook(uow.session)
        if row is None:
            header = "# Active playbook: version 0 (built-in default; none applied yet)"
        else:
            by = row.created_by or "command line"
            when = row.created_at.isoformat(timespec="seconds")
            header = f"# Active playbook: version {version} ({row.name}), applied {when} by {by}"
    typer.echo(header)
    typer.echo(text.rstrip("\n"))


@app.command()
def apply(
    ctx: typer.Context,
    file: FileArg,
    by: Annotated[
        str | None, typer.Option(help="E-mail of the admin or sales ops applying it.")
    ] = None,
) -> None:
    """Validate a playbook file and store it as the new active version."""
    text = read_text(file)
    with state(ctx).database.uow(write=True) as uow:
        if by is not None:
            user = repo.user_by_email(uow.session, by)
            if user is None:
                raise NotFound(f"user {by} not found", fields={"by": "no such user"})
            try:
                require(actor_for(user), "playbook.apply")
            except Forbidden as exc:
                raise Forbidden(f"{user.email} may not apply a playbook: {exc.message}") from None
            by = user.email
        row = playbooks.apply(uow, text=text, by=by, now=now())
        uow.commit()
        when = row.created_at.isoformat(timespec="seconds")
        who = row.created_by or "command line"
        done = f"Applied playbook {row.name!r} as version {row.version}, by {who}, at {when}"
    typer.echo(done)


@app.command()
def reference() -> None:
    """Print the reference of every playbook setting (Markdown: type, default, description),
    as docs/playbook-reference.md holds it. Reads no database."""
    typer.echo(render_reference(), nl=False)
