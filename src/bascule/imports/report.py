"""What an import's report says beyond its counts: unknown values, the first reasons. Pure."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

# What each enumerated field's values are, as a note names them.
_WHAT = {"source": "lead sources of the playbook", "temperature": "hot, warm or cold"}


def unknown_values(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """{field: {file value: rows}} of the values that mean none of their field's values, most
    frequent first; the values past the listed ones are left out (the notes count them)."""
    listed: dict[str, dict[str, int]] = {}
    for (name, value), count in counts.most_common():
        if value:
            listed.setdefault(name, {})[value] = count
    return listed


def unknown_notes(listed: dict[str, dict[str, int]], counts: Counter[tuple[str, str]]) -> list[str]:
    """One note per field: its unknown values with their counts, and what became of them."""
    notes = []
    for name, values in listed.items():
        shown = ", ".join(f"{v!r} ({n})" for v, n in values.items())
        others = counts.get((name, ""), 0)
        more = f", and {others} rows with other values" if others else ""
        notes.append(
            f"{name.capitalize()} values that are not {_WHAT.get(name, 'known')}: {shown}{more}. "
            f"Those rows get the file's {name}, if any, and keep the value in the lead's "
            f"attributes (say what a value means with --map-values {name}='file value=value')."
        )
    return notes


def first_reasons(
    errors: Sequence[tuple[int, str | None, str]], limit: int = 3
) -> list[tuple[int, str]]:
    """(row, reason) for the first `limit` distinct reasons rows were rejected for, from the
    errors of rejected rows (row, field, reason). A row's reason is what refused it as a
    whole (nobody named, unreadable), not a value refused in it (a bad e-mail)."""
    chosen: dict[int, str] = {}
    for row, field, reason in errors:
        if field == "row":
            chosen.setdefault(row, reason)
    for row, _, reason in errors:
        chosen.setdefault(row, reason)
    reasons: dict[str, int] = {}
    for row in sorted(chosen):
        reasons.setdefault(chosen[row], row)
        if len(reasons) == limit:
            break
    return [(row, reason) for reason, row in reasons.items()]
