"""``bascule forms create | revoke | list``: the keys of the public intake forms (SPEC §14)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from bascule.cli.common import console, now, state
from bascule.intake import forms
from bascule.playbook import service as playbooks
from bascule.playbook.schema import FORM_TYPES

app = typer.Typer(help="Manage the keys of the public intake forms.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    form_type: Annotated[str, typer.Argument(help=f"One of: {', '.join(FORM_TYPES)}.")],
    label: Annotated[str | None, typer.Option(help="Where the form is (site, page).")] = None,
) -> None:
    """Print a new key for a form of this type (on the last line; it is shown only once)."""
    database = state(ctx).database
    playbook = playbooks.active(database)
    with database.uow(write=True) as uow:
        form, key = forms.create(
            uow, form_type=form_type, label=label, playbook=playbook, now=now()
        )
        uow.commit()
    where = f" ({form.label})" if form.label else ""
    typer.echo(f"Form #{form.id} {form.form_type}{where}: send this key as X-Form-Key.")
    typer.echo(f"POST /api/v1/intake/{form.form_type}; the key is shown only once:")
    typer.echo(key)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_or_id: Annotated[str, typer.Argument(help="The form's id (see `forms list`) or key.")],
) -> None:
    """Close a form: its key is refused from now on."""
    with state(ctx).database.uow(write=True) as uow:
        form = forms.revoke(uow, key_or_id=key_or_id, now=now())
        uow.commit()
    assert form.revoked_at is not None
    typer.echo(f"Form #{form.id} {form.form_type} revoked at {form.revoked_at.isoformat()}")


@app.command("list")
def list_forms(ctx: typer.Context) -> None:
    """The forms and whether their key is still accepted (keys themselves are not stored)."""
    table = Table("id", "form type", "label", "created", "revoked")
    with state(ctx).database.uow() as uow:
        rows = forms.list_forms(uow)
        for form in rows:
            table.add_row(
                str(form.id),
                form.form_type,
                form.label or "",
                form.created_at.strftime("%Y-%m-%d %H:%M"),
                form.revoked_at.strftime("%Y-%m-%d %H:%M") if form.revoked_at else "",
            )
    console().print(table)
    typer.echo(f"{len(rows)} form(s)")
