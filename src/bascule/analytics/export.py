"""A report's rows as CSV (SPEC §16 ``format=csv``): one line per row, the same keys and
measures as the JSON rows, in their order; empty cells for ``null``. The total is not a row."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any


def columns(report: dict[str, Any]) -> list[str]:
    """Every row of a report has the same columns; without rows, the total's."""
    return list(report["rows"][0] if report["rows"] else report["total"])


def to_csv(report: dict[str, Any], names: Sequence[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = list(names or columns(report))
    writer.writerow(names)
    for row in report["rows"]:
        writer.writerow(["" if row.get(n) is None else row.get(n) for n in names])
    return out.getvalue()
