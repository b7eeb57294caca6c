"""Import endpoints (SPEC §13): upload a CSV or vCard file, the history, row errors, undo.

The upload is processed synchronously: the answer (201) is the finished import's report. A
100,000-row file takes seconds; the request holds one worker meanwhile, and the rows are
committed chunk by chunk, so other requests are served between chunks.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from bascule.api.errors import ACTION, ONE, SIGNED_IN, answers
from bascule.api.schemas.imports import ImportPage, ImportRead, ImportResult, ImportUndoResult
from bascule.errors import ValidationFailed
from bascule.http.deps import CurrentActor, Now, PathId, PlaybookDep, ReadUow, WriteUow, database
from bascule.http.uploads import read_upload
from bascule.imports import service as imports
from bascule.storage import tables as t

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], responses=SIGNED_IN)

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "dry_run": {"type": "boolean", "default": False},
                        "tag": {"type": "string", "maxLength": 100},
                        "temperature": {"type": "string", "enum": ["hot", "warm", "cold"]},
                        "source": {"type": "string", "description": "a playbook lead source"},
                        "mapping": {
                            "type": "string",
                            "description": 'JSON: {"Column": "field"} ("" or "-": not imported)',
                        },
                        "value_map": {
                            "type": "string",
                            "description": 'JSON: {"field": {"file value": "value"}} for the '
                            "enumerated fields source, temperature, status, "
                            "disqualification_reason, stage, loss_reason, type, lead_source",
                        },
                        "object": {
                            "type": "string",
                            "enum": ["leads", "opportunities"],
                            "default": "leads",
                        },
                        "create_owners": {
                            "type": "boolean",
                            "default": False,
                            "description": "an unknown owner becomes an inactive sales user",
                        },
                    },
                }
            }
        },
    }
}
FORM_FIELDS = frozenset(
    {"dry_run", "tag", "temperature", "source", "mapping", "value_map", "object", "create_owners"}
)
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off", ""})


def options_from_form(filename: str, fields: dict[str, str]) -> imports.ImportOptions:
    """The import options sent as form fields; ValidationFailed naming the bad ones."""
    unknown = sorted(set(fields) - FORM_FIELDS)
    if unknown:
        raise ValidationFailed(
            "unknown form fields", fields={name: "not an import option" for name in unknown}
        )
    dry_run = _flag(fields, "dry_run")
    create_owners = _flag(fields, "create_owners")
    mapping: Any = None
    if fields.get("mapping", "").strip():
        try:
            mapping = json.loads(fields["mapping"])
        except ValueError as exc:
            raise ValidationFailed(
                "mapping is not JSON", fields={"mapping": f"not JSON: {exc}"}
            ) from None
        valid = isinstance(mapping, dict) and all(isinstance(v, str) for v in mapping.values())
        valid = valid or (isinstance(mapping, list) and all(isinstance(v, str) for v in mapping))
        if not valid:
            raise ValidationFailed(
                "mapping must be a JSON object of column to field",
                fields={"mapping": 'a JSON object such as {"Mobile": "phone"}'},
            )
    return imports.ImportOptions(
        filename=filename,
        tag=fields.get("tag"),
        temperature=fields.get("temperature"),
        source=fields.get("source"),
        mapping=mapping,
        dry_run=dry_run,
        value_map=_value_map(fields.get("value_map", "")),
        object=fields.get("object", "").strip() or "leads",
        create_owners=create_owners,
    )


def _flag(fields: dict[str, str], name: str) -> bool:
    value = fields.get(name, "").strip().lower()
    if value not in TRUE | FALSE:
        raise ValidationFailed(f"{name} must be true or false", fields={name: "true or false"})
    return value in TRUE


def _value_map(text: str) -> dict[str, dict[str, str]] | None:
    """The `value_map` form field: JSON {"field": {"file value": "value"}}; its fields and
    values are checked by the import, against the playbook."""
    if not text.strip():
        return None
    try:
        value_map = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed(
            "value_map is not JSON", fields={"value_map": f"not JSON: {exc}"}
        ) from None
    valid = isinstance(value_map, dict) and all(
        isinstance(values, dict) and all(isinstance(v, str) for v in values.values())
        for values in value_map.values()
    )
    if not valid:
        raise ValidationFailed(
            "value_map must be a JSON object of field to {file value: value}",
            fields={"value_map": 'a JSON object such as {"source": {"Salon": "trade_show"}}'},
        )
    return cast(dict[str, dict[str, str]], value_map)


def import_read(batch: t.ImportBatch) -> dict[str, Any]:
    return {
        **{c: getattr(batch, c) for c in ImportRead.model_fields if hasattr(batch, c)},
        "report": batch.report or {},
        "errors_url": f"/api/v1/imports/{batch.id}/errors.csv",
    }


def error_read(error: t.ImportRowError) -> dict[str, Any]:
    return {
        "row": error.row_number,
        "field": error.field,
        "reason": error.reason,
        "row_rejected": error.rejected,
    }


@router.post(
    "", response_model=ImportResult, status_code=201, openapi_extra=UPLOAD_BODY,
    responses=answers(409, 413, 415),
)  # fmt: skip
async def create_import(
    request: Request, actor: CurrentActor, playbook: PlaybookDep, now: Now
) -> dict[str, Any]:
    """Import (or with dry_run, preview) a CSV or vCard file of leads."""
    settings = request.app.state.settings
    upload = await read_upload(request, max_bytes=settings.import_max_bytes)
    try:
        options = options_from_form(upload.filename, upload.fields)
        batch, preview = await run_in_threadpool(
            imports.run, database(request), upload.file, options=options, actor=actor,
            playbook=playbook, now=now,
        )  # fmt: skip
    finally:
        upload.close()
    with database(request).uow() as uow:
        errors = [error_read(e) for e in imports.first_errors(uow, batch.id)]
    return import_read(batch) | {"errors": errors, "preview": preview}


@router.get("", response_model=ImportPage)
def list_imports(
    uow: ReadUow,
    actor: CurrentActor,
    playbook: PlaybookDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    items, total = imports.list_imports(
        uow, page=page, page_size=page_size, actor=actor, playbook=playbook
    )
    return {
        "items": [import_read(b) for b in items],
        "total": total,
        "page": page,
        "page_size": page_size,
    }


@router.get("/{import_id}", response_model=ImportRead, responses=ONE)
def get_import(
    import_id: PathId, uow: ReadUow, actor: CurrentActor, playbook: PlaybookDep
) -> dict[str, Any]:
    return import_read(imports.read(uow, import_id, actor=actor, playbook=playbook))


@router.get(
    "/{import_id}/errors.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "row, field, reason"}, **ONE},
)
def import_errors(
    import_id: PathId, request: Request, actor: CurrentActor, playbook: PlaybookDep
) -> StreamingResponse:
    """Every row error of an import as CSV (UTF-8 with a byte-order mark, for Excel)."""
    with database(request).uow() as uow:
        imports.read(uow, import_id, actor=actor, playbook=playbook)
    rows = imports.error_rows(database(request), import_id)
    headers = {"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'}
    return StreamingResponse(_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


def _csv(rows: Iterator[list[str]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


@router.post("/{import_id}/undo", response_model=ImportUndoResult, responses=ONE | ACTION)
def undo_import(
    import_id: PathId, uow: WriteUow, actor: CurrentActor, playbook: PlaybookDep, now: Now
) -> dict[str, Any]:
    """Delete the leads the import created (unless worked on since) and restore the leads it
    enriched."""
    result = imports.undo(uow, import_id=import_id, actor=actor, playbook=playbook, now=now)
    batch = imports.get(uow, import_id)
    uow.commit()
    return {"import": import_read(batch), **result}
