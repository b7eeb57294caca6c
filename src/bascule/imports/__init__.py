"""Bulk imports of leads from CSV and vCard files (SPEC §7): pure, streaming parsers.

`parse` opens a file and yields rows; `csvfile` and `vcard` read each format; `text` turns
bytes into lines (encoding, binary files, limits); `mapping` guesses which column fills which
field; `values` and `countries` clean the values of a row; `rows` holds the shapes returned.
"""

from bascule.imports.mapping import guess_mapping, parse_mapping, resolve_mapping
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
    "detect",
    "guess_mapping",
    "iter_rows",
    "open_import",
    "parse_mapping",
    "resolve_mapping",
]
