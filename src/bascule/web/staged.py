"""An uploaded import file kept between the steps of the import page (mapping, dry run, run):
written once to a private directory, read again by each step, removed once imported or after
a day. Each file belongs to the user who sent it: another user's id finds nothing.

Also the mapping preview of a staged file: each column, a few of its values and the field the
import would fill with it (``preview``)."""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bascule.imports import MAPPABLE_FIELDS, open_import
from bascule.imports.schema import leads_schema

KEEP_SECONDS = 24 * 3600
SAMPLE_ROWS = 5
SAMPLE_LENGTH = 60  # characters of one value shown on the page
_ID_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def folder() -> Path:
    """``bascule-uploads`` in the system's temporary directory (shared by the processes of
    one server), private to the server's user."""
    path = Path(tempfile.gettempdir()) / "bascule-uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Staged:
    id: str
    user_id: int | None
    filename: str
    size: int

    @property
    def path(self) -> Path:
        return folder() / f"{self.id}.upload"


def stage(stream: BinaryIO, *, filename: str, user_id: int | None) -> Staged:
    """Copy an upload (already capped by the reader) to the staging folder."""
    forget_old()
    staged_id = secrets.token_urlsafe(18)
    target = folder() / f"{staged_id}.upload"
    with open(target, "xb") as out:
        shutil.copyfileobj(stream, out, 1024 * 1024)
    staged = Staged(staged_id, user_id, filename, target.stat().st_size)
    meta = {"user_id": user_id, "filename": filename, "size": staged.size}
    (folder() / f"{staged_id}.json").write_text(json.dumps(meta), encoding="utf-8")
    return staged


def find(staged_id: str, *, user_id: int | None) -> Staged | None:
    """The staged file of this user, or None (unknown, expired, someone else's)."""
    if not staged_id or len(staged_id) > 64 or not set(staged_id) <= _ID_ALPHABET:
        return None
    try:
        meta = json.loads((folder() / f"{staged_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    staged = Staged(staged_id, meta.get("user_id"), str(meta.get("filename")), int(meta["size"]))
    if staged.user_id != user_id or not staged.path.exists():
        return None
    return staged


def discard(staged: Staged) -> None:
    for suffix in (".upload", ".json"):
        (folder() / f"{staged.id}{suffix}").unlink(missing_ok=True)


def forget_old(now: float | None = None) -> None:
    """Remove the files staged more than a day ago (an import left half-way)."""
    limit = (now or time.time()) - KEEP_SECONDS
    for path in folder().glob("*.*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


# --- the mapping preview ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    index: int
    name: str
    samples: tuple[str, ...]
    guessed: str  # the field the import would fill from it; "" for none (kept as attributes)


@dataclass(frozen=True)
class Preview:
    format: str  # csv | vcard
    columns: tuple[Column, ...]
    editable: bool  # a CSV's mapping can be changed; a vCard's properties are fixed

    def mapping(self, chosen: dict[int, str]) -> dict[str, str]:
        """The columns whose field the person changed, as the import's ``mapping`` option
        ({"Column": "field"}, "-" for none): the others keep the import's own decision."""
        changed: dict[str, str] = {}
        for column in self.columns:
            field = chosen.get(column.index, column.guessed)
            if field != column.guessed:
                changed[column.name] = field or "-"
        return changed


def preview(
    staged: Staged, *, default_region: str, consent_purposes: Sequence[str] = ()
) -> Preview:
    """The first rows of a staged file: its columns, values and guessed fields (the consent
    columns of ``consent_purposes`` too, as the import reads them). Raises the import's own
    errors (ImportFileError...) for a file it cannot read."""
    with open(staged.path, "rb") as stream:
        reader = open_import(
            stream, filename=staged.filename, default_region=default_region,
            schema=leads_schema(consent_purposes),
        )  # fmt: skip
        rows = [row for _, row in zip(range(SAMPLE_ROWS), reader, strict=False)]
        report = reader.report
    if report.format == "vcard":
        fields = [f for f in MAPPABLE_FIELDS if any(f in row.values for row in rows)]
        columns = tuple(
            Column(i, field, _samples(row.values.get(field) for row in rows), field)
            for i, field in enumerate(fields)
        )
        return Preview("vcard", columns, editable=False)
    decided = {d["column"]: d["field"] for d in report.mapping_used}
    columns = tuple(
        Column(
            i,
            name,
            _samples(row.raw.get(name) for row in rows),
            "" if decided.get(name) in (None, "attributes") else str(decided[name]),
        )
        for i, name in enumerate(report.columns)
    )
    return Preview("csv", columns, editable=True)


def _samples(values: Iterable[object]) -> tuple[str, ...]:
    shown = []
    for value in values:
        if value in (None, "", []):
            continue
        text = ", ".join(value) if isinstance(value, list) else str(value)
        shown.append(text if len(text) <= SAMPLE_LENGTH else text[: SAMPLE_LENGTH - 1] + "…")
    return tuple(shown[:3])
