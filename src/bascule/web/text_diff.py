"""Two versions of a text, line by line, as a page shows them: the changed passages with a few
lines around each, every line with its number in the old and in the new version and whether
it was kept, removed or added (a word a screen reader says, not only a colour)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

Kind = Literal["kept", "removed", "added"]
AROUND = 3


@dataclass(frozen=True)
class Line:
    kind: Kind
    old: int | None
    new: int | None
    text: str


@dataclass(frozen=True)
class Diff:
    passages: list[list[Line]]
    added: int
    removed: int

    @property
    def same(self) -> bool:
        return not self.passages


def compare(old: str, new: str, *, around: int = AROUND) -> Diff:
    before, after = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    passages: list[list[Line]] = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(around):
        lines: list[Line] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                kept = range(i2 - i1)
                lines += [Line("kept", i1 + k + 1, j1 + k + 1, before[i1 + k]) for k in kept]
                continue
            if tag in ("replace", "delete"):
                lines += [Line("removed", i + 1, None, before[i]) for i in range(i1, i2)]
                removed += i2 - i1
            if tag in ("replace", "insert"):
                lines += [Line("added", None, j + 1, after[j]) for j in range(j1, j2)]
                added += j2 - j1
        passages.append(lines)
    return Diff(passages, added, removed)
