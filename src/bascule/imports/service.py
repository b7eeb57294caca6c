"""Import use cases: run an import (or a dry run), read the history, the row errors, undo.

An import is the one business action that is not one transaction: a file may hold a million
rows, so it is written chunk by chunk (CHUNK_ROWS rows per transaction, see `writer`), each
chunk committed with the import's counters, so memory stays flat, other writers get their
turn between chunks, and an import that fails half-way is marked `failed` with what it did
(which an undo removes). The `import_batch` row is written first and finished last.

    batch, preview = run(database, stream, options=ImportOptions("salon.csv", tag="Salon"),
                         actor=actor, playbook=playbook, now=now)
"""

from __future__ import annotations

import io
import itertools
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO, cast

from bascule.access import service as access
from bascule.errors import NotFound, ValidationFailed
from bascule.imports import opportunity_writer
from bascule.imports.enumerated import TEMPERATURES, ValueMap, ValueMapError, parse_value_map
from bascule.imports.history import LEAD_HISTORY_FIELDS, STATUSES
from bascule.imports.lead_history import HistoryRules
from bascule.imports.opportunity_rows import OPPORTUNITIES
from bascule.imports.opportunity_writer import OpportunityContext, OpportunityRules
from bascule.imports.owners import Owners
from bascule.imports.parse import ImportReader, open_import
from bascule.imports.plan import (
    MAX_LISTED_VALUES,
    FileRules,
    candidate,
    plan_chunk,
)
from bascule.imports.report import first_reasons, unknown_notes, unknown_values
from bascule.imports.rows import FileReport, ParsedRow
from bascule.imports.schema import OBJECTS, leads_schema
from bascule.imports.undo import undo as undo  # re-exported: a use case of imports
from bascule.imports.writer import ChunkResult, Context, write_chunk
from bascule.leads.model import Temperature
from bascule.playbook.schema import Playbook
from bascule.storage import IntegrityError, bulk
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.model import Actor, require

log = logging.getLogger("bascule.imports")

CHUNK_ROWS = 1000
PREVIEW_ROWS = 20
FILENAME_LENGTH = 255
TAG_LENGTH = 100
Progress = Callable[[int, int], None]  # (bytes read, rows read)


@dataclass(frozen=True)
class ImportOptions:
    """What the person importing chose. `mapping`: {"Column": "field"} or ["Column=field"];
    `value_map`: {"field": {"file value": "value"}} or ["field=file value=value"]."""

    filename: str
    tag: str | None = None
    temperature: str | None = None
    source: str | None = None
    mapping: Mapping[str, str] | Sequence[str] | None = None
    dry_run: bool = False
    value_map: Mapping[str, Mapping[str, str]] | Sequence[str] | ValueMap | None = None
    # SPEC §16: what the rows are, and whether unknown owners become inactive users.
    object: str = "leads"
    create_owners: bool = False


def value_choices(playbook: Playbook) -> dict[str, tuple[str, ...]]:
    """The enumerated fields a value map may name, and the values each may take."""
    return {
        "source": playbook.lead_source_keys,
        "temperature": TEMPERATURES,
        "status": STATUSES,
        "disqualification_reason": playbook.disqualification_reason_keys,
        "stage": playbook.stage_keys,
        "loss_reason": playbook.loss_reason_keys,
        "type": playbook.type_keys,
        "lead_source": playbook.lead_source_keys,
    }


class CountingStream(io.RawIOBase):
    """A binary stream that counts the bytes read through it (for a progress bar)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self.stream.read(-1 if size is None else size)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def check_options(options: ImportOptions, playbook: Playbook) -> ImportOptions:
    """Options as the import uses them, or ValidationFailed naming each bad one."""
    errors: dict[str, str] = {}
    tag = " ".join((options.tag or "").split()) or None
    if tag and len(tag) > TAG_LENGTH:
        errors["tag"] = f"at most {TAG_LENGTH} characters"
    temperature = (options.temperature or "").strip().lower() or None
    if temperature and temperature not in {str(v) for v in Temperature}:
        errors["temperature"] = "one of hot, warm, cold"
    source = (options.source or "").strip() or None
    if source and source not in playbook.lead_source_keys:
        errors["source"] = f"one of {', '.join(playbook.lead_source_keys)}"
    value_map: ValueMap = {}
    try:
        value_map = parse_value_map(options.value_map, value_choices(playbook))
    except ValueMapError as exc:
        errors.update(exc.fields)
    if options.object not in OBJECTS:
        errors["object"] = f"one of {', '.join(OBJECTS)}"
    if errors:
        raise ValidationFailed("some import options are invalid", fields=errors)
    name = (options.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload"
    return ImportOptions(
        filename=name[:FILENAME_LENGTH],
        tag=tag,
        temperature=temperature,
        source=source,
        mapping=options.mapping,
        dry_run=options.dry_run,
        value_map=value_map,
        object=options.object,
        create_owners=options.create_owners,
    )


def run(
    database: Database,
    stream: BinaryIO,
    *,
    options: ImportOptions,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    started: Callable[[int], None] | None = None,
) -> tuple[t.ImportBatch, list[dict[str, Any]]]:
    """Import a CSV or vCard file (or preview it with `options.dry_run`).

    Every row it writes is stamped `now` (the import's start); `clock` gives the time it
    finished. Returns the finished import batch and, for a dry run, the first PREVIEW_ROWS
    rows as they would be imported. A file that cannot be read at all (ImportFileError) or a
    wrong mapping (ImportMappingError) is refused before anything is written. `started` is
    called with the import's id once its row is committed, before the first row is read.
    """
    require(actor, "lead.write")
    options = check_options(options, playbook)
    counting = CountingStream(stream)
    value_map = cast(ValueMap, options.value_map or {})
    reader = open_import(
        cast(BinaryIO, counting),
        filename=options.filename,
        mapping=options.mapping,
        default_region=playbook.general.country,
        value_map=value_map,
        schema=OPPORTUNITIES
        if options.object == "opportunities"
        else leads_schema(playbook.privacy.consent_purposes),
    )
    report = reader.report
    if options.object == "opportunities":
        return _run_opportunities(
            database, reader, counting, options, actor, playbook, now, progress, chunk_rows,
            clock,
        )  # fmt: skip
    source_column = next((c for c, f in report.mapping.items() if f == "source"), None)
    rules = FileRules.build(
        ((s.key, (s.label.fr, s.label.en)) for s in playbook.lead_sources),
        file_format=report.format,
        tag=options.tag,
        temperature=options.temperature,
        source=options.source,
        source_column=source_column,
        source_values=value_map.get("source"),
        consent_purposes=playbook.privacy.consent_purposes,
    )
    import_id = _start(database, options, rules, report, actor, now)
    if started is not None:
        started(import_id)  # the web page's progress view follows the import by this id
    ctx = Context(
        import_id,
        actor,
        now,
        options.filename,
        options.dry_run,
        file_tag=rules.tag,
        playbook=playbook,
    )
    if set(report.mapping.values()) & set(LEAD_HISTORY_FIELDS):
        owners = Owners(
            create=options.create_owners, import_id=import_id, now=now, dry_run=options.dry_run
        )
        ctx.history = HistoryRules.build(playbook, value_map, owners)
    totals = ChunkResult()
    preview: list[dict[str, Any]] = []
    try:
        for number, rows in enumerate(_chunks(reader, chunk_rows)):
            result = _write(database, rows, rules, ctx)
            _add(totals, result)
            if number == 0 and options.dry_run:
                preview = _preview(rows[:PREVIEW_ROWS], rules, result)
            if progress is not None:
                progress(counting.count, report.rows)
    except Exception as exc:
        _finish(database, import_id, report, totals, clock(), failure=exc)
        raise
    batch = _finish(database, import_id, report, totals, max(now, clock()))
    return batch, preview


def _run_opportunities(
    database: Database,
    reader: ImportReader,
    counting: CountingStream,
    options: ImportOptions,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
    progress: Progress | None,
    chunk_rows: int,
    clock: Callable[[], datetime],
) -> tuple[t.ImportBatch, list[dict[str, Any]]]:
    """An opportunity file, chunk by chunk (see `opportunity_writer`)."""
    report = reader.report
    rules = FileRules.build(((k, ()) for k in playbook.lead_source_keys), file_format="csv")
    import_id = _start(database, options, rules, report, actor, now)
    owners = Owners(
        create=options.create_owners, import_id=import_id, now=now, dry_run=options.dry_run
    )
    value_map = cast(ValueMap, options.value_map or {})
    ctx = OpportunityContext(
        import_id, actor, now, options.dry_run, OpportunityRules.build(playbook, value_map, owners)
    )
    totals = ChunkResult()
    try:
        for rows in _chunks(reader, chunk_rows):
            with database.uow(write=True) as uow:
                result = opportunity_writer.write_chunk(uow, rows, ctx)
                uow.commit()
            _add(totals, result)
            if progress is not None:
                progress(counting.count, report.rows)
    except Exception as exc:
        _finish(database, import_id, report, totals, clock(), failure=exc)
        raise
    return _finish(database, import_id, report, totals, max(now, clock())), []


def _chunks(reader: ImportReader, size: int) -> Iterator[list[ParsedRow]]:
    rows = iter(reader)
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def _write(
    database: Database, rows: list[ParsedRow], rules: FileRules, ctx: Context
) -> ChunkResult:
    plan = plan_chunk(rows, rules)
    for attempt in (1, 2):
        try:
            with database.uow(write=True) as uow:
                result = write_chunk(uow, plan, ctx)
                uow.commit()
                return result
        except IntegrityError:
            # A lead written at the same time by another path (a form) took an address of
            # this chunk: the chunk is read again, that lead is now found and enriched.
            if attempt == 2:
                raise
            log.info("import %s: chunk retried after a conflicting write", ctx.import_id)
            plan = plan_chunk(rows, rules)
    raise AssertionError("unreachable")


def _add(totals: ChunkResult, result: ChunkResult) -> None:
    for name in (
        "rows",
        "created",
        "updated",
        "rejected",
        "duplicates_in_file",
        "existing_customers",
        "unchanged",
        "errors",
    ):
        setattr(totals, name, getattr(totals, name) + getattr(result, name))
    listed = Counter(name for name, value in totals.unknown_values if value)
    for (name, value), count in result.unknown_values.items():
        if (name, value) in totals.unknown_values or listed[name] < MAX_LISTED_VALUES:
            listed[name] += (name, value) not in totals.unknown_values
            totals.unknown_values[name, value] += count
        else:
            totals.unknown_values[name, ""] += count  # the others, counted together


def _start(
    database: Database,
    options: ImportOptions,
    rules: FileRules,
    report: FileReport,
    actor: Actor,
    now: datetime,
) -> int:
    with database.uow(write=True) as uow:
        batch = t.ImportBatch(
            user_id=actor.user_id,
            filename=options.filename,
            format=report.format,
            dry_run=options.dry_run,
            tag=options.tag,
            temperature=options.temperature,
            source=options.source,
            mapping=dict(report.mapping),
            report={"object": options.object},
            status="running",
            rows_total=0,
            rows_created=0,
            rows_updated=0,
            rows_rejected=0,
            started_at=now,
        )
        uow.session.add(batch)
        uow.flush()
        batch_id = batch.id
        uow.commit()
    return batch_id


def _finish(
    database: Database,
    import_id: int,
    report: FileReport,
    totals: ChunkResult,
    now: datetime,
    *,
    failure: Exception | None = None,
) -> t.ImportBatch:
    unknown = unknown_values(totals.unknown_values)
    notes = [*report.notes, *unknown_notes(unknown, totals.unknown_values)]
    body = {
        "encoding": report.encoding,
        "delimiter": report.delimiter,
        "columns": report.columns,
        "mapping_used": report.mapping_used,
        "notes": notes,
        "blank_rows": report.blank_rows,
        "duplicates_in_file": totals.duplicates_in_file,
        "existing_customers": totals.existing_customers,
        "unchanged": totals.unchanged,
        "errors": totals.errors,
        "unknown_sources": unknown.get("source", {}),
        "unknown_values": unknown,
    }
    with database.uow(write=True) as uow:
        batch = repo.get(uow.session, t.ImportBatch, import_id, for_update=True)
        batch.report = {"object": (batch.report or {}).get("object", "leads"), **body}
        batch.finished_at = now if failure is None else None
        batch.status = "done" if failure is None else "failed"
        if failure is not None:
            batch.message = f"stopped after {totals.rows} rows: {type(failure).__name__}"
        elif totals.rows and totals.rejected == totals.rows:
            # Nothing was imported: the import did not do its job, whatever it read.
            batch.status = "failed"
            batch.message = f"every row was rejected ({totals.rows}): nothing imported"
        uow.commit()
    return cast(t.ImportBatch, batch)


def _preview(rows: list[ParsedRow], rules: FileRules, result: ChunkResult) -> list[dict[str, Any]]:
    shown = []
    for row in rows:
        outcome, lead_id, first = result.outcomes.get(row.number, ("rejected", None, None))
        values: dict[str, Any] = {}
        if not row.rejected:
            c = candidate(row, rules)
            values = {**c.fields, "tags": c.tags}
        shown.append(
            {
                "row": row.number,
                "outcome": outcome,
                "lead_id": lead_id,
                "duplicate_of_row": first,
                "values": values,
                "errors": [{"field": f, "reason": r} for f, r in row.errors],
            }
        )
    return shown


# --- reading ----------------------------------------------------------------------------------


def get(uow: UnitOfWork, import_id: int) -> t.ImportBatch:
    batch: t.ImportBatch | None = uow.session.get(t.ImportBatch, import_id)
    if batch is None:
        raise NotFound(f"import {import_id} not found", fields={"id": "no such import"})
    return batch


def read(uow: UnitOfWork, import_id: int, *, actor: Actor, playbook: Playbook) -> t.ImportBatch:
    """The import if ``actor`` reads the leads of the person who ran it (SPEC §18), else
    ``NotFound`` as if it did not exist."""
    batch = get(uow, import_id)
    if not access.reads_owner(uow, actor, playbook, "lead", batch.user_id):
        raise NotFound(f"import {import_id} not found", fields={"id": "no such import"})
    return batch


def list_imports(
    uow: UnitOfWork, *, page: int, page_size: int, actor: Actor, playbook: Playbook
) -> tuple[list[t.ImportBatch], int]:
    """The imports run by people whose leads ``actor`` reads, newest first."""
    readable = access.where_owner(uow, actor, playbook, "lead", t.ImportBatch.user_id)
    return cast(
        tuple[list[t.ImportBatch], int],
        repo.list_page(
            uow.session,
            t.ImportBatch,
            where=[] if readable is None else [readable],
            page=page,
            page_size=page_size,
        ),
    )


def first_errors(uow: UnitOfWork, import_id: int, limit: int = 100) -> list[t.ImportRowError]:
    return bulk.row_errors(uow.session, import_id, limit=limit)


def rejection_reasons(database: Database, import_id: int, limit: int = 3) -> list[tuple[int, str]]:
    """(row, reason) of the first rows refused, for a one-line account of a failed import."""
    with database.uow() as uow:
        errors = [
            (e.row_number, e.field, e.reason)
            for e in bulk.row_errors(uow.session, import_id, limit=100)
            if e.rejected
        ]
    return first_reasons(errors, limit)


ERROR_COLUMNS = ("row", "field", "reason", "row_rejected")


def error_rows(database: Database, import_id: int, page: int = 1000) -> Iterator[list[str]]:
    """Every row error of an import, as CSV cells, read page by page (a file may have a
    million); the header first. Raises NotFound at once for an unknown import."""
    with database.uow() as uow:
        get(uow, import_id)
    return _error_rows(database, import_id, page)


def _error_rows(database: Database, import_id: int, page: int) -> Iterator[list[str]]:
    yield list(ERROR_COLUMNS)
    after = 0
    while True:
        with database.uow() as uow:
            errors = bulk.row_errors(uow.session, import_id, after_id=after, limit=page)
            rows = [
                [str(e.row_number), e.field or "", e.reason, "yes" if e.rejected else "no"]
                for e in errors
            ]
            after = errors[-1].id if errors else after
        yield from rows
        if len(rows) < page:
            return
