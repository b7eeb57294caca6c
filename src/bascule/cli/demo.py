"""``bascule demo``: fill the database with realistic French B2B demo data."""

from __future__ import annotations

import random
import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bascule.cli.common import console, now, state
from bascule.cli.server import migrate
from bascule.demo.generate import DemoGenerator
from bascule.demo.write import DemoWriter
from bascule.errors import Conflict
from bascule.leads.model import LeadStatus
from bascule.playbook import service as playbooks
from bascule.storage import repositories as repo
from bascule.users import service as users


def demo(
    ctx: typer.Context,
    leads: Annotated[int, typer.Option(min=1, help="How many leads to create.")] = 500,
    seed: Annotated[
        int | None, typer.Option(help="Random seed: the same seed gives the same data.")
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=100, help="Leads written per transaction.", hidden=True)
    ] = 2000,
) -> None:
    """Fill an empty database with demo data: team, accounts, leads, opportunities, history."""
    out = console()
    st = state(ctx)
    database = st.database
    typer.echo(migrate(database))
    with database.uow() as uow:
        _, existing = repo.list_leads(uow.session, repo.LeadFilter(page_size=1))
    if existing:
        raise Conflict(
            f"the database already holds {existing} leads: demo data goes into an empty "
            "database (create a new one with --database-url)"
        )
    seed = seed if seed is not None else random.SystemRandom().randrange(1_000_000)
    started, moment = time.monotonic(), now()
    playbook = playbooks.active(database, max_age=0)
    generator = DemoGenerator(
        leads=leads, seed=seed, now=moment, playbook=playbook, batch_size=batch_size
    )
    writer = DemoWriter(database, playbook)
    writer.users(generator.users, now=moment)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=out) as progress:
        task = progress.add_task("Leads", total=leads)
        for batch in generator.batches():
            writer.write(batch)
            progress.advance(task, len(batch.leads))
        writer.finish(generator.new_customers)
    elapsed = time.monotonic() - started
    with database.uow(write=True) as uow:
        token = users.create_token(uow, email=generator.admin, label="demo", now=now())
        uow.commit()
    out.print(_summary(writer, playbook.stage_keys, seed, elapsed))
    typer.echo("Demo team:")
    for user in generator.users:
        typer.echo(f"  {user.role:<16} {user.name:<18} {user.email}")
    typer.echo(f"API token for {generator.admin} (admin), shown only once:")
    typer.echo(token)


def _summary(writer: DemoWriter, stages: tuple[str, ...], seed: int, elapsed: float) -> Table:
    counts = writer.counts
    table = Table(title=f"Demo data (seed {seed}, {elapsed:.1f} s)")
    table.add_column("What")
    table.add_column("Count", justify="right")

    def row(label: str, value: int) -> None:
        table.add_row(label, f"{value:,}".replace(",", " "))

    row("Users created", counts["users created"])
    row("Teams", counts["teams"])
    row("Accounts", counts["accounts"])
    row("  of which customers", counts["customers"])
    row("Contacts", counts["contacts"])
    row("Leads", sum(v for k, v in counts.items() if k.startswith("lead:")))
    for status in LeadStatus:
        row(f"  {status}", counts[f"lead:{status}"])
    row("Opportunities", sum(v for k, v in counts.items() if k.startswith("stage:")))
    for stage in stages:
        row(f"  {stage}", counts[f"stage:{stage}"])
    for key in sorted(k for k in counts if k.startswith("type:")):
        row(f"  type {key[5:]}", counts[key])
    row("Conversions", counts["conversions"])
    row("Lead status history rows", counts["lead history rows"])
    row("Opportunity stage history rows", counts["stage history rows"])
    row("Activities", counts["activities"])
    row("Tags", counts["tags"])
    row("Audit rows", counts["audit rows"])
    return table


def register(app: typer.Typer) -> None:
    app.command()(demo)
