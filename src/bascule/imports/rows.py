"""The shapes every import parser hands back: a parsed row, a file report, the file-level error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from bascule.errors import ValidationFailed

FileFormat = Literal["csv", "vcard"]
# employees is an int, tags a list of strings, dates datetimes, amounts Decimals, yes/no
# fields bools, every other field a string.
FieldValue = str | int | bool | datetime | Decimal | list[str]

# The pseudo-field of a row-level error: the whole row cannot make a lead.
ROW = "row"
# Fields whose bad value refuses the row: its history would be wrong without them (SPEC §16).
FATAL_FIELDS = frozenset(
    {"status", "stage", "amount", "created_at", "mql_at", "sql_at", "converted_at",
     "disqualified_at", "closed_at", "expected_close_date", "owner"}
)  # fmt: skip


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be read (empty, binary, too many columns...).

    Problems with one row are not raised: they are data on that row (`ParsedRow.errors`).
    """

    code = "import_file_invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"file": message})


class ImportMappingError(ValidationFailed):
    """A column mapping given by the user names an unknown field or a missing column."""

    code = "import_mapping_invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"mapping": message})


@dataclass(slots=True)
class ParsedRow:
    """One data row of a CSV file, or one card of a vCard file.

    `number` is what a person sees: for CSV, the spreadsheet row number with the header as
    row 1, so the first data row is 2 (a record with quoted line breaks is one row, and blank
    lines still take their number); for vCard, the card's position in the file, from 1.

    `values` holds the cleaned Bascule lead fields (SPEC §13.1 names) that had a usable value;
    a field whose value was refused is absent from `values` and named in `errors`.
    `errors` lists `(field, reason)`; the field `"row"` means the row cannot make a lead at all
    (see `rejected`). `raw` is every original column (or vCard property) as read; `extra` is the
    part of `raw` that no field was taken from, non-empty only (a second column of a field
    already filled, MobilePhone after Phone, is in it too): what the service keeps as the
    lead's attributes. `unknown` holds the text of an enumerated field (temperature) that
    means none of its values: counted in the import's report, kept in `extra` too.
    """

    number: int
    values: dict[str, FieldValue]
    errors: list[tuple[str, str]]
    raw: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] | None = None

    @property
    def rejected(self) -> bool:
        return any(name == ROW or name in FATAL_FIELDS for name, _ in self.errors)


@dataclass(eq=False)
class FileReport:
    """What was found out about a file. Filled while the rows are read: final once they are."""

    format: FileFormat
    encoding: str
    delimiter: str | None = None
    columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    # Every column, what it fills and how that was decided (mapping.ColumnDecision.as_report)
    mapping_used: list[dict[str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    rejected_rows: int = 0
    blank_rows: int = 0
    finished: bool = False
