"""Entry points of the import parsers: what kind of file, and its rows. No database.

    reader = open_import(stream, filename="salon.csv", mapping=["Mobile=phone"])
    reader.report.mapping          # {"Prénom": "first_name", ...}, known before the rows
    for row in reader:             # one pass, streamed: memory stays flat
        row.number, row.values, row.errors, row.raw, row.extra
    reader.report.notes            # complete once the rows are read

The only I/O is reading `stream` (any binary file object: an upload, an open file, a pipe).
A file that cannot be read at all raises ImportFileError (a ValidationFailed with
fields={"file": reason}); a wrong mapping raises ImportMappingError; problems with one row
are data on that row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import BinaryIO

from bascule.imports.csvfile import open_csv
from bascule.imports.mapping import parse_mapping
from bascule.imports.rows import (
    FileFormat,
    FileReport,
    ImportFileError,
    ImportMappingError,
    ParsedRow,
)
from bascule.imports.schema import LEADS, Schema
from bascule.imports.text import FALLBACK, SAMPLE_SIZE, TextFormat, byte_lines, sniff_text
from bascule.imports.vcard import open_vcard

VCARD_SUFFIXES = (".vcf", ".vcard")
MappingSpec = Mapping[str, str] | Iterable[str] | None


@dataclass(eq=False)
class ImportReader:
    """An opened import file: `report` (format, encoding, columns, mapping, notes, counts)
    and its rows, read once by iterating."""

    report: FileReport
    rows: Iterator[ParsedRow]

    def __iter__(self) -> Iterator[ParsedRow]:
        return self.rows


def detect(first_bytes: bytes, filename: str | None = None) -> FileFormat:
    """`vcard` when the text starts with BEGIN:VCARD, else `csv`.

    Raises ImportFileError for an empty file, for binary data (NUL bytes, control characters,
    a workbook, an image...) and for a file named .vcf that is not a vCard.
    """
    if not first_bytes:
        raise ImportFileError("The file is empty.")
    return _format_of(sniff_text(first_bytes, complete=False), filename)


def open_import(
    stream: BinaryIO,
    *,
    filename: str | None = None,
    mapping: MappingSpec = None,
    default_region: str = "FR",
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    schema: Schema = LEADS,
) -> ImportReader:
    """Open a CSV or vCard file for reading its rows.

    Reads the first 64 KB at once (encoding, format, CSV separator and header); the rest is
    read while iterating. `mapping` overrides the guessed column mapping, as
    {"Column": "field"} or ["Column=field", ...] (CSV only). Phones are read in the row's
    country, else in `default_region` (ISO code). `value_map` (from
    `enumerated.parse_value_map`) says what the file's own values of enumerated fields mean.
    `schema`: what the rows are (leads, or opportunities: CSV only).
    """
    sample = _read_sample(stream)
    if not sample:
        raise ImportFileError("The file is empty.")
    fmt = sniff_text(sample, complete=len(sample) < SAMPLE_SIZE)
    kind = _format_of(fmt, filename)
    explicit = parse_mapping(mapping, schema.fields)
    region = default_region.strip().upper()
    report = FileReport(format=kind, encoding=fmt.encoding)
    lines = byte_lines(sample, stream, fmt)
    if kind == "vcard":
        if schema.object != "leads":
            raise ImportFileError(f"{schema.object.capitalize()} are imported from CSV files.")
        if explicit:
            raise ImportMappingError("A column mapping applies to CSV files, not to vCards.")
        if fmt.encoding == FALLBACK:
            report.encoding = "8-bit, decided per card"
        return ImportReader(report, open_vcard(lines, report, default_region=region))
    rows = open_csv(
        lines, fmt, report, mapping=explicit, default_region=region, value_map=value_map,
        schema=schema,
    )  # fmt: skip
    return ImportReader(report, rows)


def iter_rows(
    stream: BinaryIO,
    *,
    filename: str | None = None,
    mapping: MappingSpec = None,
    default_region: str = "FR",
) -> Iterator[ParsedRow]:
    """The rows of a CSV or vCard file, streamed (see `ParsedRow` for row numbers).

    File-level problems raise at once, before any row. Use `open_import` to also get the
    file report (mapping used, duplicate columns, encoding, header-only file...).
    """
    return iter(
        open_import(stream, filename=filename, mapping=mapping, default_region=default_region)
    )


def _read_sample(stream: BinaryIO) -> bytes:
    sample = b""
    while len(sample) < SAMPLE_SIZE:
        chunk = stream.read(SAMPLE_SIZE - len(sample))
        if not chunk:
            break
        sample += chunk
    return sample


def _format_of(fmt: TextFormat, filename: str | None) -> FileFormat:
    first_line = next((line for line in fmt.sample.splitlines() if line.strip()), "")
    if first_line.strip().upper().startswith("BEGIN:VCARD"):
        return "vcard"
    if filename and PurePath(filename).suffix.lower() in VCARD_SUFFIXES:
        raise ImportFileError("The file is named like a vCard but does not start with BEGIN:VCARD.")
    return "csv"
