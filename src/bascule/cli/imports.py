"""``bascule import FILE`` (SPEC §14) and ``bascule imports list | undo``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from bascule.cli.common import CommandFailed, console, now, state
from bascule.errors import NotFound
from bascule.imports import ImportFileError, ImportMappingError
from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor
from bascule.users.service import actor_for

app = typer.Typer(help="Import history: list past imports, undo one.", no_args_is_help=True)
# Who an import run without --as is recorded as.
COMMAND_LINE = Actor(user_id=None, role=None, rule="command line", name="command line")


def _actor(database: Database, email: str | None) -> Actor:
    if email is None:
        return COMMAND_LINE
    with database.uow() as uow:
        user = repo.user_by_email(uow.session, email)
        if user is None or not user.is_active:
            raise NotFound(f"user {email} not found", fields={"as": "no such active user"})
        return actor_for(user)


def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A CSV file or a vCard (.vcf) file.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and check everything, write no lead.")
    ] = False,
    tag: Annotated[str | None, typer.Option(help="A tag for every lead (a trade show).")] = None,
    temperature: Annotated[
        str | None, typer.Option(help="hot, warm or cold, for rows that do not say.")
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            metavar="COL=field",
            help="Which column fills which field (repeat it); field '-' skips the column.",
        ),
    ] = None,
    value_map: Annotated[
        list[str] | None,
        typer.Option(
            "--map-values",
            metavar="FIELD='file value=value'",
            help="What a file value of an enumerated field means (repeat it): source, "
            "temperature, status, disqualification_reason, stage, loss_reason, type, "
            "lead_source; e.g. source='Web Registration=web_form', stage='Won=won'.",
        ),
    ] = None,
    object_: Annotated[
        str,
        typer.Option("--object", help="What the rows are: leads or opportunities."),
    ] = "leads",
    create_owners: Annotated[
        bool,
        typer.Option(
            "--create-owners",
            help="An owner named in the file and unknown becomes an inactive sales user.",
        ),
    ] = False,
    source: Annotated[
        str | None,
        typer.Option(help="Lead source for rows without a known one (trade_show for vCards)."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with status 1 when any row is rejected.")
    ] = False,
    as_: Annotated[
        str | None, typer.Option("--as", metavar="EMAIL", help="The user the import is made as.")
    ] = None,
    errors: Annotated[
        Path | None,
        typer.Option(help="Where to write the row errors (default ./import-<id>-errors.csv)."),
    ] = None,
    chunk_rows: Annotated[int, typer.Option(min=1, hidden=True)] = imports.CHUNK_ROWS,
) -> None:
    """Import leads (or with --object opportunities, opportunities) from a CSV or vCard file,
    with their history: columns mapped, duplicates merged, row errors reported. Exits with
    status 1 when the file cannot be read, when every row is rejected, and with --strict when
    any row is."""
    database = state(ctx).database
    actor = _actor(database, as_)
    playbook = playbooks.active(database, max_age=0)
    options = imports.ImportOptions(
        filename=file.name,
        tag=tag,
        temperature=temperature,
        source=source,
        mapping=mapping or None,
        dry_run=dry_run,
        value_map=value_map or None,
        object=object_,
        create_owners=create_owners,
    )
    out = console()
    try:
        stream = file.open("rb")
        size = file.stat().st_size
    except FileNotFoundError:
        raise CommandFailed(f"file not found: {file}") from None
    except IsADirectoryError:
        raise CommandFailed(f"not a file: {file}") from None
    except OSError as exc:
        raise CommandFailed(f"cannot read {file}: {exc.strerror or exc}") from None
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[rows]} rows"),
        TimeElapsedColumn(),
    )
    with stream, Progress(*columns, console=out, transient=False) as progress:
        task = progress.add_task(file.name, total=size or None, rows=0)
        try:
            batch, _ = imports.run(
                database,
                stream,
                options=options,
                actor=actor,
                playbook=playbook,
                now=now(),
                progress=lambda read, rows: progress.update(task, completed=read, rows=rows),
                chunk_rows=chunk_rows,
            )
        except (ImportFileError, ImportMappingError) as exc:
            raise CommandFailed(f"{file}: {exc.message}") from None
        progress.update(task, completed=size)
    if decisions := (batch.report or {}).get("mapping_used"):
        out.print(mapping_table(decisions))
    out.print(summary(batch))
    for note in (batch.report or {}).get("notes", []):
        typer.echo(f"note: {note}")
    count = (batch.report or {}).get("errors", 0)
    if count:
        path = errors or Path(f"import-{batch.id}-errors.csv")
        typer.echo(f"{count} row errors written to {write_errors(database, batch.id, path)}")
    verb = "Imported"
    if batch.dry_run:
        verb = "Checked (dry run, nothing written)"
    elif batch.status == "failed":
        verb = "Nothing imported"
    typer.echo(
        f"{verb}: import #{batch.id}, {batch.rows_created} created, {batch.rows_updated} "
        f"updated, {batch.rows_rejected} rejected"
    )
    if batch.status == "failed" or (strict and batch.rows_rejected):
        raise CommandFailed(failure(database, batch))


# How many distinct reasons the one line of a failed import quotes.
REASONS_SHOWN = 3


def failure(database: Database, batch: t.ImportBatch) -> str:
    """The one line a rejecting import exits with: what happened and the first reasons."""
    if batch.status == "failed":
        what = batch.message or "failed"
    else:
        what = f"{batch.rows_rejected} of {batch.rows_total} rows rejected (--strict)"
    reasons = imports.rejection_reasons(database, batch.id, limit=REASONS_SHOWN)
    shown = "; ".join(f"row {row}: {reason}" for row, reason in reasons)
    return f"import #{batch.id}: {what}" + (f"; first reasons: {shown}" if shown else "")


def mapping_table(decisions: list[dict[str, str | None]]) -> Table:
    """Each column of the file, the field it fills (or attributes) and how that was decided."""
    table = Table(title="Columns")
    for column in ("Column", "Field", "How", "Note"):
        table.add_column(column)
    for d in decisions:
        # Text, not markup: a column named "[red]" is shown as written.
        cells = (d["column"], d["field"], d["how"], d.get("note"))
        table.add_row(*(Text(cell or "") for cell in cells))
    return table


def summary(batch: t.ImportBatch) -> Table:
    report = batch.report or {}
    what = "Dry run of" if batch.dry_run else "Import"
    table = Table(title=f"{what} #{batch.id}: {escape(batch.filename)} ({batch.format})")
    table.add_column("Rows")
    table.add_column("Count", justify="right")
    details = [
        ("Read", batch.rows_total),
        ("Created" + (" (would be)" if batch.dry_run else ""), batch.rows_created),
        ("Updated (matched a lead)", batch.rows_updated),
        ("  of which repeated in the file", report.get("duplicates_in_file", 0)),
        ("  of which nothing new", report.get("unchanged", 0)),
        ("Rejected", batch.rows_rejected),
        ("  of which customers' contacts", report.get("existing_customers", 0)),
        ("Row errors (rejected rows and refused values)", report.get("errors", 0)),
    ]
    for label, value in details:
        table.add_row(label, f"{value:,}".replace(",", " "))
    return table


def write_errors(database: Database, import_id: int, path: Path) -> Path:
    try:
        with path.open("w", newline="", encoding="utf-8-sig") as out:
            writer = csv.writer(out)
            for row in imports.error_rows(database, import_id):
                writer.writerow(row)
    except OSError as exc:
        raise CommandFailed(
            f"import #{import_id} done, but its row errors cannot be written to {path}: "
            f"{exc.strerror or exc} (use --errors PATH, or GET "
            f"/api/v1/imports/{import_id}/errors.csv)"
        ) from None
    return path


@app.command("list")
def list_imports(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 20,
) -> None:
    """The latest imports: who, when, which file, created / updated / rejected."""
    database = state(ctx).database
    with database.uow() as uow:
        # The command line is the operator's: every import, whoever ran it.
        batches, total = imports.list_imports(
            uow, page=1, page_size=limit, actor=Actor(user_id=None, name="cli"),
            playbook=playbooks.active(database, max_age=0),
        )  # fmt: skip
        table = Table(title=f"Imports ({total})")
        for column in ("#", "when", "by", "file", "status", "created", "updated", "rejected"):
            table.add_column(column, justify="right" if column in ("#",) else "left")
        for b in batches:
            user = uow.session.get(t.User, b.user_id) if b.user_id else None
            status = f"dry run, {b.status}" if b.dry_run else b.status
            table.add_row(
                str(b.id),
                b.started_at.strftime("%Y-%m-%d %H:%M"),
                user.email if user else "command line",
                b.filename,
                status,
                str(b.rows_created),
                str(b.rows_updated),
                str(b.rows_rejected),
            )
    console().print(table)


@app.command("undo")
def undo(
    ctx: typer.Context,
    import_id: Annotated[int, typer.Argument(help="The import's number.")],
    as_: Annotated[
        str | None, typer.Option("--as", metavar="EMAIL", help="The user undoing it.")
    ] = None,
) -> None:
    """Delete the leads an import created (unless worked on since) and restore the leads it
    enriched."""
    database = state(ctx).database
    actor = _actor(database, as_)
    with database.uow(write=True) as uow:
        playbook = playbooks.active(database, max_age=0)
        result = imports.undo(uow, import_id=import_id, actor=actor, playbook=playbook, now=now())
        uow.commit()
    for kept in result["kept_leads"]:
        typer.echo(f"kept lead {kept['lead_id']}: {kept['reason']}")
    typer.echo(
        f"Undone import #{import_id}: {result['deleted']} leads deleted, {result['restored']} "
        f"restored, {result['kept']} kept"
    )


def register(root: typer.Typer) -> None:
    root.command("import")(import_file)
    root.add_typer(app, name="imports")
