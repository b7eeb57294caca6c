"""Rows as CSV: a report's rows (SPEC §16 ``format=csv``: one line per row, the same keys and
measures as the JSON rows, in their order; empty cells for ``null``; the total is not a row),
and the exported lists of leads, contacts, accounts and opportunities.

Every text cell is made harmless to a spreadsheet: a cell starting like a formula (``=``,
``+``, ``-``, ``@``, or a tab or carriage return hiding one) gets a leading quote, so that
``=HYPERLINK("http://evil")`` typed into a form is shown as text, never run (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def harmless(value: Any) -> Any:
    """A cell a spreadsheet shows as text. Numbers stay numbers: -5 is not a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def columns(report: dict[str, Any]) -> list[str]:
    """Every row of a report has the same columns; without rows, the total's."""
    return list(report["rows"][0] if report["rows"] else report["total"])


def rows_to_csv(names: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A header line of ``names``, then one line per row (its values under those names)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([harmless(n) for n in names])
    for row in rows:
        writer.writerow([harmless(row.get(n)) for n in names])
    return out.getvalue()


def to_csv(report: dict[str, Any], names: Sequence[str] | None = None) -> str:
    return rows_to_csv(list(names or columns(report)), report["rows"])
