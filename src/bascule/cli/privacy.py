"""``bascule privacy retention | export | erase`` (SPEC §11, §18): the retention of unconverted
leads, with a dry run that lists them first; a person's file as JSON; their erasure."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from bascule.cli.common import CommandFailed, console, now, state
from bascule.playbook import service as playbooks
from bascule.privacy import erasure, retention
from bascule.privacy import export as privacy_export
from bascule.users.model import Actor

app = typer.Typer(help="Privacy (RGPD): retention, a person's export, erasure.")
# Work done from the command line is audited under this name (no user is signed in).
ACTOR = Actor.for_rule("command_line")
SHOWN = 50  # leads listed by a dry run; the count covers them all


@app.command("retention")
def retention_command(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="List the leads that would be anonymised; change nothing."),
    ] = False,
) -> None:
    """Anonymise the unconverted leads without activity for [privacy] retention_days (what the
    worker does daily). Run with --dry-run first to see which."""
    database = state(ctx).database
    playbook = playbooks.active(database, max_age=0)
    at = now()
    days = playbook.privacy.retention_days
    if dry_run:
        with database.uow() as uow:
            found = retention.stale(uow, playbook=playbook, now=at)
        out = console()
        table = Table(title=f"Unconverted leads without activity for {days} days")
        for name in ("Lead", "Status", "Company", "Created", "Last activity"):
            table.add_column(name)
        for lead in found[:SHOWN]:
            table.add_row(
                str(lead.lead_id), lead.status, lead.company or "",
                f"{lead.created_at:%Y-%m-%d}", f"{lead.last_activity_at:%Y-%m-%d}",
            )  # fmt: skip
        if found:
            out.print(table)
        if len(found) > SHOWN:
            out.print(f"… and {len(found) - SHOWN} more")
        out.print(f"{len(found)} leads would be anonymised (dry run: nothing changed)")
        return
    done = retention.run(database, playbook=playbook, now=at)
    console().print(f"{done} leads anonymised (no activity for {days} days)")


@app.command("export")
def export_command(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The person's e-mail.")]
) -> None:
    """Print everything held about the person with this e-mail, as JSON (audited)."""
    with state(ctx).database.uow(write=True) as uow:
        document = privacy_export.export(uow, email=email, actor=ACTOR, now=now())
        uow.commit()
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


@app.command("erase")
def erase_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The person's e-mail.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")] = "",
) -> None:
    """Anonymise the person with this e-mail everywhere; reports keep their counts."""
    if not reason.strip():
        raise CommandFailed("--reason: say why the person is erased (kept in the audit log)")
    with state(ctx).database.uow(write=True) as uow:
        done = erasure.erase(uow, email=email, reason=reason, actor=ACTOR, now=now())
        uow.commit()
    counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in done.as_dict().items())
    console().print(f"Erased: {counts}")
