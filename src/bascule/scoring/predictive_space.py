"""The feature space: raw lead features (``predictive_features.record``) as a numeric matrix.

Learnt from the training leads only (inside each cross-validation fold too), never from their
outcomes. One column per feature, so that "this feature at its typical value" is one cell:

- category (source, sector, an imported text column...): a code, 0 = empty, 1 = a value too
  rare to learn from, 2... = the values seen at least ``min_count`` times (at most 200);
- number (employees, signal counts, an imported column of numbers): the value, NaN if empty;
- word (one per job-title word or tag seen often enough): 1 if the lead has it, else 0.

Features with a single value, and identifiers (a column an import maps to ``external_id``, or
text/integers almost unique per lead) are left out and listed in ``ignored``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bascule.imports.mapping import field_for_header
from bascule.scoring.predictive_features import Record, is_missing

MAX_VALUES = 200  # gradient boosting reads category codes below 255
MAX_WORDS = 100
NUMERIC_SHARE = 0.95  # a text column is numbers when this share of its values parse
ID_SHARE = 0.5  # a column whose values are (almost) all different is an identifier


@dataclass(frozen=True)
class Column:
    feature: str
    kind: str  # "category", "number", "word"
    values: tuple[str, ...] = ()  # category: the display value of codes 2, 3, ...
    word: str | None = None

    def display(self, cell: float) -> str:
        if self.kind == "word":
            return str(self.word)
        if self.kind == "number":
            return "(empty)" if math.isnan(cell) else f"{cell:g}"
        code = int(cell)
        if code == 0:
            return "(empty)"
        return "(rare value)" if code == 1 else self.values[code - 2]


class FeatureSpace:
    """``fit(records)`` then ``transform(records)`` -> float32 matrix; ``baseline`` is the
    typical lead (most common code, median number, no word)."""

    def __init__(self, min_count: int | None = None) -> None:
        self.min_count = min_count
        self.columns: list[Column] = []
        self.ignored: dict[str, str] = {}
        self.baseline = np.zeros(0, dtype=np.float32)
        self._codes: dict[str, dict[str, int]] = {}
        self._words: dict[str, dict[str, int]] = {}
        self._plain: list[tuple[str, int, dict[str, int] | None]] = []

    # --- learning ---------------------------------------------------------------------------

    def fit(self, records: Sequence[Record]) -> FeatureSpace:
        n = len(records)
        min_count = self.min_count or max(5, n // 2000)
        names: dict[str, None] = {}
        for row in records:
            for name in row:
                names.setdefault(name)
        for name in names:
            cells = [row.get(name) for row in records]
            known = [c for c in cells if not is_missing(c)]
            if isinstance(next(iter(known), None), frozenset):
                self._fit_words(name, known, min_count)
                continue
            numbers = _numbers(known)
            reason = _ignored(name, known, numbers, n)
            if reason:
                self.ignored[name] = reason
            elif numbers is not None:
                self.columns.append(Column(name, "number"))
            else:
                self._fit_category(name, known, min_count, missing=len(known) < n)
        # (feature, column, codes): codes None for a number
        self._plain = [
            (c.feature, i, self._codes.get(c.feature))
            for i, c in enumerate(self.columns)
            if c.kind != "word"
        ]
        self.baseline = self._baseline(records)
        return self

    def _fit_words(self, name: str, known: list[Any], min_count: int) -> None:
        counts = Counter(w for cell in known for w in cell)
        kept = [w for w, k in counts.most_common(MAX_WORDS) if k >= min_count]
        if not kept:
            self.ignored[name] = "no word frequent enough"
            return
        self._words[name] = {}
        for word in sorted(kept):
            self._words[name][word] = len(self.columns)
            self.columns.append(Column(name, "word", word=word))

    def _fit_category(self, name: str, known: list[Any], min_count: int, *, missing: bool) -> None:
        counts = Counter(str(c).lower() for c in known)
        shown: dict[str, str] = {}
        for c in known:
            shown.setdefault(str(c).lower(), str(c))
        kept = [v for v, k in counts.most_common(MAX_VALUES) if k >= min_count]
        rare = len(kept) < len(counts)
        if len(kept) + rare + missing < 2:
            self.ignored[name] = "one value for every lead"
            return
        self._codes[name] = {v: i + 2 for i, v in enumerate(kept)}
        self.columns.append(Column(name, "category", tuple(shown[v] for v in kept)))

    def _baseline(self, records: Sequence[Record]) -> np.ndarray:
        matrix = self.transform(records)
        base = np.zeros(len(self.columns), dtype=np.float32)
        for i, column in enumerate(self.columns):
            cells = matrix[:, i]
            if column.kind == "number":
                known = cells[~np.isnan(cells)]
                base[i] = np.median(known) if known.size else np.nan
            elif column.kind == "category":
                base[i] = np.bincount(cells.astype(np.int64)).argmax() if cells.size else 0
        return base

    # --- reading ----------------------------------------------------------------------------

    @property
    def category_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.kind == "category"]

    @property
    def number_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.kind == "number"]

    @property
    def word_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.kind == "word"]

    @property
    def features(self) -> list[str]:
        return list(dict.fromkeys(c.feature for c in self.columns))

    def transform(self, records: Sequence[Record]) -> np.ndarray:
        matrix = np.zeros((len(records), len(self.columns)), dtype=np.float32)
        for r, row in enumerate(records):
            out = matrix[r]
            for name, i, codes in self._plain:
                cell = row.get(name)
                if codes is None:  # a number
                    out[i] = _number(cell)
                elif not is_missing(cell):
                    out[i] = codes.get(str(cell).lower(), 1)
            for name, words in self._words.items():
                cell = row.get(name)
                if isinstance(cell, frozenset):
                    for word in cell:
                        j = words.get(word)
                        if j is not None:
                            out[j] = 1.0
        return matrix


def _number(cell: object) -> float:
    if is_missing(cell):
        return math.nan
    try:
        return float(cell)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _numbers(known: list[Any]) -> list[float] | None:
    """The values as numbers when (almost) all of them are, else None (a category)."""
    if not known:
        return None
    numbers = []
    for cell in known:
        try:
            numbers.append(float(cell))
        except (TypeError, ValueError):
            continue
    return numbers if len(numbers) >= NUMERIC_SHARE * len(known) else None


def _ignored(name: str, known: list[Any], numbers: list[float] | None, n: int) -> str | None:
    if not known:
        return "always empty"
    if field_for_header(name) == "external_id":
        return "an identifier"
    distinct = len({str(c).lower() for c in known})
    if distinct == 1 and len(known) == n:
        return "one value for every lead"
    whole = numbers is not None and all(x.is_integer() for x in numbers)
    if n > 50 and distinct > ID_SHARE * n and (numbers is None or whole):
        return "almost one value per lead (an identifier or free text)"
    return None
