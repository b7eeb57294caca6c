"""Imports of lead files: reports, previews, results, undo."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from bascule.api.schemas.common import Output, Page


class ImportColumnRead(Output):
    """One column of an imported file: the lead field it fills, or `attributes`, and how that
    was decided: exact (the header is the field's name), alias (a header exports use for it),
    map (the request's mapping), guess (from its values), unrecognised, or refused (the values
    contradict what the header suggests; `note` says why)."""

    column: str
    field: str
    how: Literal["exact", "alias", "map", "guess", "unrecognised", "refused"]
    note: str | None = None


class ImportReport(Output):
    """What was found out about the file, and the rows' outcomes beyond the three counts."""

    encoding: str | None = None
    delimiter: str | None = None
    columns: list[str] = []
    mapping_used: list[ImportColumnRead] = []
    notes: list[str] = []
    blank_rows: int = 0
    duplicates_in_file: int = 0
    existing_customers: int = 0
    unchanged: int = 0
    errors: int = 0
    unknown_sources: dict[str, int] = {}
    # {field: {file value: rows}}: values of enumerated fields that mean none of their values
    unknown_values: dict[str, dict[str, int]] = {}
    undo: dict[str, int] | None = None


class ImportRead(Output):
    id: int
    user_id: int | None
    filename: str
    format: str
    dry_run: bool
    status: str  # running, done, failed, undone
    tag: str | None
    temperature: str | None
    source: str | None
    mapping: dict[str, str]
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_rejected: int
    report: ImportReport
    message: str | None
    started_at: datetime
    finished_at: datetime | None
    undone_at: datetime | None
    errors_url: str


class ImportRowErrorRead(Output):
    row: int
    field: str | None
    reason: str
    row_rejected: bool


class ImportPreviewRow(Output):
    row: int
    outcome: str  # created, updated, rejected
    lead_id: int | None
    duplicate_of_row: int | None
    values: dict[str, Any]
    errors: list[dict[str, str]]


class ImportResult(ImportRead):
    """The answer to an upload: the import, its first row errors, and for a dry run the
    first rows as they would be imported."""

    errors: list[ImportRowErrorRead]
    preview: list[ImportPreviewRow]


class ImportPage(Page):
    items: list[ImportRead]


class KeptLead(Output):
    lead_id: int | None
    reason: str


class ImportUndoResult(Output):
    import_: ImportRead = Field(alias="import")
    deleted: int
    restored: int
    kept: int
    kept_leads: list[KeptLead]
    # History imports (SPEC §16): what else the undo removed.
    opportunities_deleted: int = 0
    accounts_deleted: int = 0
    owners_deleted: int = 0

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
