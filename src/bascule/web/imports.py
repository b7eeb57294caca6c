"""The import page for marketing (SPEC §7): upload a CSV or vCard file, check and change the
mapping, set tag, temperature and source, dry run, run with progress, the report with its row
errors as a CSV file, undo. Every step calls the import service the API calls
(``imports.service``), with the API's size limit on uploads.

Steps: ``POST /imports`` stages the file (``web.staged``) and opens its mapping page
``/imports/new/{staged}``; that page's form dry-runs (in the request, as the API does) or runs.
A run goes on in a thread of this server while the browser follows its progress on
``/imports/{id}`` (a refresh link; ``bascule.js`` polls ``/imports/{id}/progress``)."""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.concurrency import run_in_threadpool

from bascule.errors import BasculeError, Conflict, Forbidden, NotFound, ValidationFailed
from bascule.http.deps import Now, PathId, PlaybookDep, ReadUow, WriteUow, database
from bascule.http.uploads import read_upload
from bascule.imports import MAPPABLE_FIELDS, consent_columns
from bascule.imports import service as imports
from bascule.leads.model import Temperature
from bascule.playbook.schema import Playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor, require
from bascule.web import staged as staging
from bascule.web.auth import PageActor
from bascule.web.i18n import N_, _
from bascule.web.render import render
from bascule.web.security import CSRF_FIELD, check_token, checks_own_token

router = APIRouter(include_in_schema=False)
log = logging.getLogger("bascule.web")

RECENT = 20
ERRORS_SHOWN = 50
START_WAIT_SECONDS = 30  # a run's first step (reading the header, one INSERT) takes milliseconds
FIELD_WORDS = {
    "first_name": N_("First name"), "last_name": N_("Last name"), "full_name": N_("Full name"),
    "email": N_("Email"), "phone": N_("Phone"), "company": N_("Company"),
    "job_title": N_("Job title"), "employees": N_("Employees"), "sector": N_("Sector"),
    "country": N_("Country"), "technology": N_("Technology"), "source": N_("Source"),
    "campaign": N_("Campaign"), "temperature": N_("Temperature"), "tags": N_("Tags"),
    "external_id": N_("External id"), "kind": N_("Kind"),
}  # fmt: skip


# --- progress of the runs of this process -------------------------------------------------------


@dataclass
class Running:
    bytes_read: int = 0
    size: int = 0


_running: dict[int, Running] = {}
_lock = threading.Lock()


def _percent(import_id: int) -> int | None:
    with _lock:
        run = _running.get(import_id)
        if run is None or not run.size:
            return None
        return min(99, run.bytes_read * 100 // run.size)


# --- pages --------------------------------------------------------------------------------------


def _upload_form(
    request: Request, uow: Any, actor: Actor, playbook: Playbook, *, status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:  # fmt: skip
    items, total = imports.list_imports(
        uow, page=1, page_size=RECENT, actor=actor, playbook=playbook
    )
    return render(
        request, "imports/upload.html", playbook, status_code=status_code, imports=items,
        total=total, error=error, max_megabytes=request.app.state.settings.import_max_bytes
        // (1024 * 1024),
    )  # fmt: skip


@router.get("/imports", response_class=HTMLResponse)
def import_home(
    request: Request, uow: ReadUow, actor: PageActor, playbook: PlaybookDep
) -> HTMLResponse:
    return _upload_form(request, uow, actor, playbook)


@router.post("/imports", response_model=None)
@checks_own_token
async def upload(request: Request, actor: PageActor, playbook: PlaybookDep) -> Response:
    """Stage the file and open its mapping; the API's cap on the size of the upload."""
    require(actor, "lead.write")
    settings = request.app.state.settings
    try:
        received = await read_upload(request, max_bytes=settings.import_max_bytes)
    except BasculeError as exc:
        with database(request).uow() as uow:
            return _upload_form(request, uow, actor, playbook, status_code=exc.status,
                                error=_first_reason(exc))  # fmt: skip
    try:
        check_token(request, received.fields.get(CSRF_FIELD))
        staged = await run_in_threadpool(
            staging.stage, received.file, filename=received.filename, user_id=actor.user_id
        )
    finally:
        received.close()
    return RedirectResponse(f"/imports/new/{staged.id}", status_code=303)


def _first_reason(exc: BasculeError) -> str:
    fields = getattr(exc, "fields", None) or {}
    return "; ".join(str(v) for v in fields.values()) or exc.message


def _staged(staged_id: str, actor: Actor) -> staging.Staged:
    found = staging.find(staged_id, user_id=actor.user_id)
    if found is None:
        raise NotFound("no such upload", fields={"id": "unknown or expired upload"})
    return found


def _mapping_page(
    request: Request, actor: Actor, playbook: Playbook, found: staging.Staged, *,
    options: dict[str, str], chosen: dict[int, str] | None = None, status_code: int = 200,
    errors: dict[str, str] | None = None, dry_run: t.ImportBatch | None = None,
    dry_preview: list[dict[str, Any]] | None = None,
    dry_errors: list[dict[str, Any]] | None = None,
) -> HTMLResponse:  # fmt: skip
    try:
        seen = staging.preview(
            found, default_region=playbook.general.country,
            consent_purposes=playbook.privacy.consent_purposes,
        )  # fmt: skip
    except ValidationFailed as exc:
        staging.discard(found)
        with database(request).uow() as uow:
            return _upload_form(request, uow, actor, playbook, status_code=422,
                                error=_first_reason(exc))  # fmt: skip
    chosen = chosen or {}
    return render(
        request, "imports/mapping.html", playbook, status_code=status_code, staged=found,
        preview=seen, chosen={c.index: chosen.get(c.index, c.guessed) for c in seen.columns},
        fields=_fields(playbook), field_words=FIELD_WORDS | _consent_words(playbook),
        options=options,
        temperatures=[str(v) for v in Temperature], errors=errors or {}, dry_run=dry_run,
        dry_preview=dry_preview or [], dry_errors=dry_errors or [],
    )  # fmt: skip


@router.get("/imports/new/{staged_id}", response_class=HTMLResponse)
def mapping(
    request: Request, staged_id: str, actor: PageActor, playbook: PlaybookDep
) -> HTMLResponse:
    found = _staged(staged_id, actor)
    options = {"tag": "", "temperature": "", "source": ""}
    return _mapping_page(request, actor, playbook, found, options=options)


@router.post("/imports/new/{staged_id}", response_model=None)
async def dry_run_or_run(
    request: Request,
    staged_id: str,
    actor: PageActor,
    playbook: PlaybookDep,
    now: Now,
    action: Annotated[str, Form(pattern="^(dry_run|run)$")] = "dry_run",
    tag: Annotated[str, Form(max_length=200)] = "",
    temperature: Annotated[str, Form(max_length=20)] = "",
    source: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    found = _staged(staged_id, actor)
    form = await request.form()
    options = {"tag": tag, "temperature": temperature, "source": source}
    chosen: dict[int, str] = {}
    db = database(request)
    try:
        chosen = _chosen_fields(form, _fields(playbook))
        seen = await run_in_threadpool(
            staging.preview, found, default_region=playbook.general.country,
            consent_purposes=playbook.privacy.consent_purposes,
        )  # fmt: skip
        settings = imports.ImportOptions(
            filename=found.filename, tag=tag, temperature=temperature, source=source,
            mapping=(seen.mapping(chosen) if seen.editable else None) or None,
            dry_run=action == "dry_run",
        )  # fmt: skip
        if action == "dry_run":
            batch, shown = await run_in_threadpool(_dry_run, db, found, settings, actor,
                                                   playbook, now)  # fmt: skip
            with db.uow() as uow:  # read as plain values: the session closes here
                first = [
                    {"row_number": e.row_number, "field": e.field, "reason": e.reason,
                     "rejected": e.rejected}
                    for e in imports.first_errors(uow, batch.id, ERRORS_SHOWN)
                ]  # fmt: skip
            return _mapping_page(
                request, actor, playbook, found, options=options, chosen=chosen, dry_run=batch,
                dry_preview=shown, dry_errors=first,
            )  # fmt: skip
        import_id = await run_in_threadpool(_start_run, db, found, settings, actor, playbook, now)
    except ValidationFailed as exc:
        return _mapping_page(
            request, actor, playbook, found, options=options, chosen=chosen, status_code=422,
            errors={k: str(v) for k, v in (exc.fields or {"file": exc.message}).items()},
        )  # fmt: skip
    return RedirectResponse(f"/imports/{import_id}", status_code=303)


def _fields(playbook: Playbook) -> tuple[str, ...]:
    """What a column may fill: the lead fields and the consent fields of the purposes."""
    return (*MAPPABLE_FIELDS, *consent_columns.fields_for(playbook.privacy.consent_purposes))


def _consent_words(playbook: Playbook) -> dict[str, str]:
    words: dict[str, str] = {}
    for purpose in playbook.privacy.consent_purposes:
        name = purpose.replace("_", " ")
        words[f"consent_{purpose}"] = _("Consent: {purpose}").format(purpose=name)
        words[f"consent_{purpose}_at"] = _("Consent date: {purpose}").format(purpose=name)
        words[f"opt_out_{purpose}"] = _("Opt-out: {purpose}").format(purpose=name)
    return words


def _chosen_fields(form: Any, fields: tuple[str, ...]) -> dict[int, str]:
    """``map_<column index>`` = field ("" for none), each checked against the known fields."""
    chosen: dict[int, str] = {}
    for key, value in form.multi_items():
        if not key.startswith("map_") or not key[4:].isdigit() or not isinstance(value, str):
            continue
        if value and value not in fields:
            raise ValidationFailed(
                "unknown field", fields={"mapping": f"{value!r} is not an import field"}
            )
        chosen[int(key[4:])] = value
    return chosen


def _dry_run(
    db: Database, found: staging.Staged, options: imports.ImportOptions, actor: Actor,
    playbook: Playbook, now: datetime,
) -> tuple[t.ImportBatch, list[dict[str, Any]]]:  # fmt: skip
    with open(found.path, "rb") as stream:
        return imports.run(db, stream, options=options, actor=actor, playbook=playbook, now=now)


def _start_run(
    db: Database, found: staging.Staged, options: imports.ImportOptions, actor: Actor,
    playbook: Playbook, now: datetime,
) -> int:  # fmt: skip
    """Start the import in a thread and answer its id once its row exists; a file or an
    option the import refuses before starting raises here, as in the request."""
    started = threading.Event()
    outcome: dict[str, Any] = {}

    def on_start(import_id: int) -> None:
        outcome["id"] = import_id
        with _lock:
            _running[import_id] = Running(0, found.size)
        started.set()

    def on_progress(bytes_read: int, _rows: int) -> None:
        with _lock:
            if "id" in outcome and outcome["id"] in _running:
                _running[outcome["id"]].bytes_read = bytes_read

    def work() -> None:
        try:
            with open(found.path, "rb") as stream:
                imports.run(
                    db, stream, options=options, actor=actor, playbook=playbook, now=now,
                    progress=on_progress, started=on_start,
                )  # fmt: skip
        except Exception as exc:  # reported to the waiting request, or logged
            outcome["error"] = exc
            if "id" in outcome:
                log.exception("import %s failed", outcome["id"])
        finally:
            started.set()
            if "id" in outcome:  # it ran (the import says how it ended): the file is done
                staging.discard(found)
                with _lock:
                    _running.pop(outcome["id"], None)

    threading.Thread(target=work, name="bascule-import", daemon=True).start()
    started.wait(START_WAIT_SECONDS)
    if "id" not in outcome:
        error = outcome.get("error")
        if isinstance(error, BaseException):
            raise error
        raise ValidationFailed(
            "the import is slow to start",
            fields={"file": "not started yet: see the recent imports"},
        )
    return int(outcome["id"])


def _report_page(
    request: Request, uow: Any, playbook: Playbook, import_id: int, *, status_code: int = 200,
    refused: str | None = None,
) -> HTMLResponse:  # fmt: skip
    batch = imports.get(uow, import_id)
    errors = imports.first_errors(uow, import_id, ERRORS_SHOWN)
    return render(
        request, "imports/report.html", playbook, status_code=status_code, batch=batch,
        errors=errors, percent=_percent(import_id), undo=(batch.report or {}).get("undo"),
        refused=refused,
    )  # fmt: skip


@router.get("/imports/{import_id}", response_class=HTMLResponse)
def import_page(
    request: Request, import_id: PathId, uow: ReadUow, actor: PageActor, playbook: PlaybookDep
) -> HTMLResponse:
    return _report_page(request, uow, playbook, import_id)


@router.get("/imports/{import_id}/progress")
def import_progress(import_id: PathId, uow: ReadUow, actor: PageActor) -> JSONResponse:
    """For ``bascule.js``: the state of a running import (the page itself works without)."""
    batch = imports.get(uow, import_id)
    return JSONResponse(
        {"status": batch.status, "rows": batch.rows_total, "percent": _percent(import_id)}
    )


@router.get("/imports/{import_id}/errors.csv")
def import_errors(import_id: PathId, request: Request, actor: PageActor) -> StreamingResponse:
    """Every row error as CSV, safe to open in a spreadsheet (no cell read as a formula)."""
    rows = imports.error_rows(database(request), import_id)
    headers = {"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'}
    return StreamingResponse(
        spreadsheet_csv(rows), media_type="text/csv; charset=utf-8", headers=headers
    )


@router.post("/imports/{import_id}/undo", response_model=None)
def undo(
    request: Request, import_id: PathId, uow: WriteUow, actor: PageActor, playbook: PlaybookDep,
    now: Now,
) -> Response:  # fmt: skip
    try:
        imports.undo(uow, import_id=import_id, actor=actor, playbook=playbook, now=now)
    except (Conflict, Forbidden) as exc:  # already undone, a dry run, someone else's import
        uow.session.rollback()
        return _report_page(request, uow, playbook, import_id, status_code=exc.status,
                            refused=exc.message)  # fmt: skip
    uow.commit()
    return RedirectResponse(f"/imports/{import_id}", status_code=303)


# --- the errors file ----------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading quote
    (a row's reason may quote the file's own values, which anyone could have written)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def spreadsheet_csv(rows: Iterator[list[str]], batch: int = 500) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")  # a byte-order mark: Excel then reads UTF-8
    for number, row in enumerate(rows, start=1):
        writer.writerow([spreadsheet_cell(cell) for cell in row])
        if number % batch == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
