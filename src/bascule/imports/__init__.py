"""Bulk imports of leads from CSV and vCard files (SPEC §7): pure, streaming parsers.

`parse` opens a file and yields rows; `csvfile` and `vcard` read each format; `text` turns
bytes into lines (encoding, binary files, limits); `mapping` decides which column fills which
field, `evidence` checks that decision against the column's first values; `enumerated` reads
value maps (--map-values); `values` and `countries` clean the values of a row; `rows` holds
the shapes returned. Then, still pure: `plan` (candidates, which lead each one is) and
`report`; with the database: `service`, `writer`, `enrich`, `undo`.
"""

from bascule.imports.enumerated import parse_value_map
from bascule.imports.mapping import decide_columns, guess_mapping, parse_mapping, resolve_mapping
from bascule.imports.parse import ImportReader, detect, iter_rows, open_import
from bascule.imports.rows import (
    FieldValue,
    FileFormat,
    FileReport,
    ImportFileError,
    ImportMappingError,
    ParsedRow,
)
from bascule.imports.values import LEAD_FIELDS, MAPPABLE_FIELDS, clean_fields

__all__ = [
    "LEAD_FIELDS",
    "MAPPABLE_FIELDS",
    "FieldValue",
    "FileFormat",
    "FileReport",
    "ImportFileError",
    "ImportMappingError",
    "ImportReader",
    "ParsedRow",
    "clean_fields",
    "decide_columns",
    "detect",
    "guess_mapping",
    "iter_rows",
    "open_import",
    "parse_mapping",
    "parse_value_map",
    "resolve_mapping",
]
