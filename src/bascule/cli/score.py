"""``bascule score recompute | refresh | show``: the rule scores of leads (SPEC §8)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bascule.cli.common import CommandFailed, console, now, state
from bascule.leads import service as leads
from bascule.playbook import service as playbooks
from bascule.scoring import batch as scoring
from bascule.scoring.changes import Outcome
from bascule.storage.uow import Database, UnitOfWork

app = typer.Typer(help="Rule scores: recompute, refresh decayed scores, explain.")

Batch = Annotated[int, typer.Option(min=1, max=10_000, help="Leads per transaction.")]


@app.command("recompute")
def recompute(ctx: typer.Context, batch: Batch = 500) -> None:
    """Re-score every lead from its signals under the active playbook (run it after
    `bascule playbook apply`). Leads in new, contacted or nurturing at or above the MQL
    threshold become MQLs, except those a person took out of mql."""
    database = state(ctx).database
    playbook = playbooks.active(database, max_age=0)
    if not playbook.scoring.enabled:
        raise CommandFailed("scoring is off in the active playbook (scoring.enabled = false)")
    at = now()

    def step(uow: UnitOfWork, after_id: int) -> Outcome:
        return scoring.recompute(uow, now=at, playbook=playbook, after_id=after_id, limit=batch)

    total = _pages(database, "Scoring leads", step)
    _summary("Scores recomputed", total)


@app.command("refresh")
def refresh(ctx: typer.Context, batch: Batch = 1000) -> None:
    """Bring the scores of open leads up to date with time (behaviour points decay); what the
    worker does every hour."""
    database = state(ctx).database
    playbook = playbooks.active(database, max_age=0)
    at = now()

    def step(uow: UnitOfWork, after_id: int) -> Outcome:
        return scoring.refresh_decayed(
            uow, now=at, limit=batch, after_id=after_id, playbook=playbook
        )

    total = _pages(database, "Refreshing scores", step, scored_only=True)
    _summary("Decayed scores refreshed", total)


@app.command("show")
def show(ctx: typer.Context, lead_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """A lead's score and the reasons that add up to it."""
    with state(ctx).database.uow() as uow:
        lead = leads.get(uow, lead_id)
        score, explanation = lead.score, list(lead.score_explanation or [])
        title = f"Lead {lead.id}: score {score} (status {lead.status})"
    table = Table(title=title)
    table.add_column("points", justify="right")
    table.add_column("reason")
    for entry in explanation:
        table.add_row(f"{entry.get('points', 0):+d}", str(entry.get("reason", "")))
    console().print(table)


def _pages(
    database: Database,
    label: str,
    step: Callable[[UnitOfWork, int], Outcome],
    *,
    scored_only: bool = False,
) -> Outcome:
    """Run ``step`` page after page, one transaction each, with a progress bar."""
    with database.uow() as uow:
        count = scoring.count_leads(uow, scored_only=scored_only)
    total = Outcome()
    after_id = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console()) as bar:
        task = bar.add_task(label, total=count)
        while True:
            with database.uow(write=True) as uow:
                page = step(uow, after_id)
                uow.commit()
            for name in ("scored", "written", "promoted", "alerts"):
                setattr(total, name, getattr(total, name) + getattr(page, name))
            if page.last_id is None:
                bar.update(task, completed=count)
                return total
            bar.advance(task, page.looked_at)
            after_id = page.last_id


def _summary(title: str, total: Outcome) -> None:
    table = Table(title=title)
    table.add_column("leads scored", justify="right")
    table.add_column("scores written", justify="right")
    table.add_column("promoted to MQL", justify="right")
    table.add_column("alerts", justify="right")
    table.add_row(*(f"{v:,}" for v in (total.scored, total.written, total.promoted, total.alerts)))
    console().print(table)
