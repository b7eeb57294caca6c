"""CSV files: dialect, header, and one ParsedRow per record, streamed.

Records are read with the stdlib `csv` module from lines handed over one at a time, so quoted
line breaks work and memory holds one record. A record that cannot be read (a value over
FIELD_LIMIT, a line over the line limit, a stray NUL) becomes a row error and reading goes on
at the next record: when the failure happened inside quotes, the lines up to the closing
quote are skipped first.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bascule.imports.history import DATE_FIELDS, date_order
from bascule.imports.mapping import mapping_of
from bascule.imports.rows import ROW, FileReport, ImportFileError, ParsedRow
from bascule.imports.schema import LEADS, Clean, Schema
from bascule.imports.text import FALLBACK, LINE_LIMIT, TextFormat, decode_line
from bascule.imports.values import clean_fields, is_blank, is_undecodable, shown

MAX_COLUMNS = 500
FIELD_LIMIT = 1024 * 1024  # characters in one value
RECORD_LIMIT = 4 * 1024 * 1024  # characters in one record, quoted line breaks included
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_RECORDS = 50
# How many of the first records the column mapping looks at (within the 64 KB sample).
_MAPPING_RECORDS = 500
_SEP_LINE = re.compile(r"\A\s*\"?sep=(.)\"?[,;\t|]*\r?\n", re.IGNORECASE)

# Process-wide setting of the csv module: only ever raised, from its 128 KB default.
if csv.field_size_limit() < FIELD_LIMIT:
    csv.field_size_limit(FIELD_LIMIT)


def sniff_delimiter(sample: str) -> str:
    """The separator that splits the header and the next records most consistently.

    Among `,` `;` tab and `|`: the one giving the header at least two columns and the most
    records with as many columns as the header, then the most columns. `,` when none does.
    """
    best, best_score = ",", (-1.0, 0)
    for delimiter in DELIMITERS:
        records: list[list[str]] = []
        try:
            for record in csv.reader(io.StringIO(sample), delimiter=delimiter):
                if any(cell.strip() for cell in record):
                    records.append(record)
                if len(records) >= _SNIFF_RECORDS:
                    break
        except csv.Error:
            pass
        if not records or len(records[0]) < 2:
            continue
        width, rest = len(records[0]), records[1:]
        consistent = sum(len(r) == width for r in rest) / len(rest) if rest else 1.0
        score = (consistent, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _TooLong(Exception):
    """A line or a record over the limits: raised through csv.reader, caught by _Records."""


class _Feeder:
    """Decoded lines for csv.reader, remembering what the current record is made of."""

    def __init__(self, lines: Iterator[bytes | None], encoding: str) -> None:
        self.lines = lines
        self.encoding = encoding
        self.eof = False
        self.fallback_lines = 0
        self.first_fallback_row: int | None = None
        self.row = 0  # the row number the current record will get
        self.start_record()

    def start_record(self) -> None:
        self.chars = 0
        self.quotes = 0  # odd: the record is inside a quoted value
        self.newline = True  # the last line of the record ended with a line break

    def __iter__(self) -> _Feeder:
        return self

    def __next__(self) -> str:
        line = next(self.lines, b"")
        if line is None:
            raise _TooLong(f"a line longer than {LINE_LIMIT >> 20} MB")
        if not line:
            self.eof = True
            raise StopIteration
        text, fallback = decode_line(line, self.encoding)
        if fallback:
            self.fallback_lines += 1
            self.first_fallback_row = self.first_fallback_row or self.row
        self.chars += len(text)
        self.quotes += text.count('"')
        self.newline = text.endswith(("\n", "\r"))
        if self.chars > RECORD_LIMIT:
            raise _TooLong(f"a row longer than {RECORD_LIMIT >> 20} MB")
        return text

    def skip_quoted_rest(self) -> int:
        """After a failure inside quotes: drop the lines up to the one closing the quote.
        Returns how many were dropped."""
        skipped = 0
        for line in self.lines:
            skipped += 1
            if line is not None and line.count(b'"') % 2 == 1:
                return skipped
        self.eof = True
        return skipped


class _Records:
    """(cells, None) for each record, or (None, reason) for one that could not be read."""

    def __init__(self, feeder: _Feeder, delimiter: str) -> None:
        self.feeder = feeder
        self.delimiter = delimiter
        self.reader = csv.reader(feeder, delimiter=delimiter)

    def __iter__(self) -> Iterator[tuple[list[str] | None, str | None]]:
        feeder = self.feeder
        while True:
            feeder.row += 1
            feeder.start_record()
            try:
                cells = next(self.reader)
            except StopIteration:
                return
            except (csv.Error, _TooLong) as exc:
                reason = str(exc)
                if "field limit" in reason:
                    reason = f"a value longer than {FIELD_LIMIT >> 20} MB"
                if feeder.quotes % 2 == 1 and (skipped := feeder.skip_quoted_rest()):
                    if feeder.eof:  # a quote opened here is never closed
                        reason += (
                            f"; a quote opened in this row is never closed, so the {skipped}"
                            " lines after it, to the end of the file, could not be read"
                        )
                    else:
                        reason += f" (its {skipped} next lines, up to the closing quote, skipped)"
                yield None, f"could not be read: {reason}"
                self.reader = csv.reader(feeder, delimiter=self.delimiter)
                continue
            yield cells, None


@dataclass(frozen=True, slots=True)
class _Layout:
    keys: list[str]  # unique column names, as used in raw
    fields: list[tuple[str, list[int]]]  # field, the columns that may fill it, in order
    unmapped: list[int]
    value_map: Mapping[str, Mapping[str, str]]
    clean: Clean = clean_fields
    day_first: bool = True  # how 03/04/2024 reads in this file (see `_day_first`)


def open_csv(
    lines: Iterator[bytes | None],
    fmt: TextFormat,
    report: FileReport,
    *,
    mapping: Mapping[str, str | None] | None = None,
    default_region: str = "FR",
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    schema: Schema = LEADS,
) -> Iterator[ParsedRow]:
    """Read the header now (so `report` knows columns and mapping), the rows when iterated."""
    # The sample may end inside a record: sniff its complete lines only.
    end = max(fmt.sample.rfind("\n"), fmt.sample.rfind("\r"))
    sample = fmt.sample[: end + 1] if end > 0 else fmt.sample
    # Excel's "sep=;" first line names the separator; Excel hides it, so it takes no row number.
    directive = _SEP_LINE.match(sample)
    delimiter = directive.group(1) if directive else sniff_delimiter(sample)
    feeder = _Feeder(lines, fmt.line_encoding)
    records = iter(_Records(feeder, delimiter))
    header: list[str] | None = None
    for cells, problem in records:
        if problem:
            raise ImportFileError(f"The header line {problem}.")
        if directive:
            directive, feeder.row = None, 0
            continue
        if cells and any(cell.strip() for cell in cells):
            header = cells
            break
    if header is None:
        raise ImportFileError("The file is empty.")
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(
            f"The file has {len(header)} columns; at most {MAX_COLUMNS} are accepted. "
            "Keep only the columns to import."
        )
    keys = _column_keys(header, report)
    first = _first_records(sample, delimiter)
    decisions = schema.decide(keys, first, mapping or {})
    used = mapping_of(decisions)
    report.delimiter = delimiter
    report.columns = keys
    report.mapping = used
    report.mapping_used = [d.as_report() for d in decisions]
    if not used:
        report.notes.append(
            f"No column was recognised as a field of {schema.object}: give a mapping "
            "(COLUMN=field)."
        )
    if fmt.encoding == FALLBACK:
        report.notes.append(f"The file is not UTF-8: it was read as {FALLBACK} (Windows-1252).")
    by_field: dict[str, list[int]] = {}
    for index, key in enumerate(keys):
        if key in used:
            by_field.setdefault(used[key], []).append(index)
    unmapped = [index for index, key in enumerate(keys) if key not in used]
    dates = [i for i, key in enumerate(keys) if used.get(key) in DATE_FIELDS]
    layout = _Layout(
        keys, list(by_field.items()), unmapped, value_map or {}, schema.clean,
        _day_first(first, dates, default_region),
    )  # fmt: skip
    return _rows(records, feeder, layout, report, default_region)


# Where dates are written month first when nothing in the file says otherwise.
MONTH_FIRST_REGIONS = frozenset({"US", "PH", "FM", "MH", "PW"})


def _day_first(records: list[list[str]], columns: list[int], region: str) -> bool:
    """How the file's numeric dates read (03/04/2024), from its first values: a day over 12
    in first or second place decides; else the company's country's habit."""
    values = (r[i] for r in records for i in columns if i < len(r))
    found = date_order(values)
    return found if found is not None else region not in MONTH_FIRST_REGIONS


def _first_records(sample: str, delimiter: str) -> list[list[str]]:
    """The data records in the sample (after an Excel "sep=" line and the header), for the
    column mapping to look at their values. The last one may be cut by the sample's end: it
    is left out, and a sample that cannot be read gives what was read before."""
    records: list[list[str]] = []
    text = _SEP_LINE.sub("", sample, count=1)
    try:
        for record in csv.reader(io.StringIO(text), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                records.append(record)
            if len(records) > _MAPPING_RECORDS + 1:
                break
    except csv.Error:
        pass
    return records[1:_MAPPING_RECORDS]


def _column_keys(header: list[str], report: FileReport) -> list[str]:
    keys: list[str] = []
    seen: dict[str, list[int]] = {}
    names = [
        cell.strip().lstrip("\ufeff").strip() or f"Column {i}" for i, cell in enumerate(header, 1)
    ]
    taken = set(names)
    for index, name in enumerate(names):
        places = seen.setdefault(name, [])
        places.append(index + 1)
        key = name
        if len(places) > 1:
            suffix = len(places)
            while (key := f"{name} ({suffix})") in taken:
                suffix += 1
            taken.add(key)
        keys.append(key)
    for name, places in seen.items():
        if len(places) > 1:
            columns = ", ".join(str(place) for place in places)
            report.notes.append(
                f"Column {shown(name)} appears {len(places)} times (columns {columns}): the "
                f"first is used; the others are kept as {shown(name + ' (2)')} and so on."
            )
    return keys


def _rows(
    records: Iterator[tuple[list[str] | None, str | None]],
    feeder: _Feeder,
    layout: _Layout,
    report: FileReport,
    default_region: str,
) -> Iterator[ParsedRow]:
    width = len(layout.keys)
    for cells, problem in records:
        number = feeder.row
        if cells is None:
            row = ParsedRow(number, {}, [(ROW, problem or "could not be read")], {})
        elif not any(cell.strip() for cell in cells):
            report.blank_rows += 1
            continue
        else:
            row = _build(number, cells, layout, default_region)
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                row.errors.append(
                    (ROW, f"has {len(cells)} values but the header has {width} columns "
                     "(a separator inside a value that is not quoted?)")
                )  # fmt: skip
            elif feeder.eof and feeder.quotes % 2 == 1:
                row.errors.append((ROW, "the file ends inside a quoted value (truncated file?)"))
            elif not feeder.newline and len(cells) < width:
                row.errors.append(
                    (ROW, f"the file ends in this row after {len(cells)} of {width} columns "
                     "(truncated file?)")
                )  # fmt: skip
        report.rows += 1
        report.rejected_rows += row.rejected
        yield row
    if feeder.fallback_lines:
        report.notes.append(
            f"{feeder.fallback_lines} lines were not UTF-8 and were read as Windows-1252 "
            f"(the first in row {feeder.first_fallback_row})."
        )
    if report.rows == 0:
        report.notes.append("The file has a header but no data rows.")
    report.finished = True


def _build(number: int, cells: list[str], layout: _Layout, default_region: str) -> ParsedRow:
    width = len(layout.keys)
    if len(cells) < width:
        cells = cells + [""] * (width - len(cells))
    texts: dict[str, str] = {}
    taken_from: dict[str, int] = {}
    spare: list[int] = []  # more columns of a field already filled: kept in extra
    for field, columns in layout.fields:
        for column in columns:
            cell = cells[column]
            if cell and not is_blank(cell):
                if field in texts:
                    spare.append(column)
                else:
                    texts[field] = cell
                    taken_from[field] = column
    values, errors = layout.clean(
        texts, default_region=default_region, value_map=layout.value_map,
        day_first=layout.day_first,
    )  # fmt: skip
    unknown = None
    if errors:
        # A value refused for bytes that are not text is kept as read, in the attributes;
        # so is a temperature that means none of hot, warm, cold (and it is counted).
        spare.extend(taken_from[f] for f, text in texts.items() if is_undecodable(text))
        text = texts.get("temperature")
        if text and "temperature" not in values and not is_undecodable(text):
            unknown = {"temperature": " ".join(text.split())}
            spare.append(taken_from["temperature"])
    keys = layout.keys
    kept = sorted([*layout.unmapped, *spare]) if spare else layout.unmapped
    extra = {keys[i]: cells[i] for i in kept if cells[i].strip()}
    raw = dict(zip(keys, cells, strict=False))
    return ParsedRow(number, values, errors, raw, extra, unknown)
