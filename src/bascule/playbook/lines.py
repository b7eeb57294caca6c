"""Where in a playbook's TOML text a problem sits: the line of the field a check names
(``scoring.thresholds.mql``, ``routing.rules.1.team``), or of the nearest enclosing key or
table when the field itself is not written (a default left out, an item of an inline array).
A TOML syntax error carries its own line. Pure: text in, line number out."""

from __future__ import annotations

import re

_ARRAY_TABLE = re.compile(r"^\[\[\s*([^\]]+?)\s*\]\]")
_TABLE = re.compile(r"^\[\s*([^\]]+?)\s*\]")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY = re.compile(rf"^({_PART}(?:\s*\.\s*{_PART})*)\s*=")
_SYNTAX_LINE = re.compile(r"at line (\d+)")


def _keys(dotted: str) -> list[str]:
    """``a."b.c".d`` -> ``["a", "b.c", "d"]``: dots inside quotes belong to the key."""
    keys: list[str] = []
    current = quote = ""
    for char in dotted:
        if quote:
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            keys.append(current.strip())
            current = ""
        else:
            current += char
    return [*keys, current.strip()]


def _common(a: list[str], b: list[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def locate(text: str, location: str, message: str = "") -> int | None:
    """The 1-based line of ``location`` in ``text`` (None: nowhere to point at)."""
    syntax = _SYNTAX_LINE.search(message) if location == "toml" else None
    if syntax:
        return int(syntax.group(1))
    wanted = [part for part in location.split(".") if part]
    best_score, best_line = 0, None
    table: list[str] = []
    # How many items each array of tables has had so far, by its path with indexes.
    counts: dict[tuple[str, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if found := _ARRAY_TABLE.match(line):
            names = _keys(found.group(1))
            path = [*_indexed(names[:-1], counts), names[-1]]
            key = tuple(path)
            counts[key] = counts.get(key, -1) + 1
            table = [*path, str(counts[key])]
            candidate = table
        elif found := _TABLE.match(line):
            names = _keys(found.group(1))
            table = [*_indexed(names[:-1], counts), names[-1]]
            candidate = table
        elif found := _KEY.match(line):
            candidate = [*table, *_keys(found.group(1))]
        else:
            continue
        score = _common(candidate, wanted)
        if score > best_score:
            best_score, best_line = score, number
    return best_line


def _indexed(names: list[str], counts: dict[tuple[str, ...], int]) -> list[str]:
    """A table's parent path with the current item of each array of tables on the way:
    ``routing.rules`` inside the second rule is ``routing.rules.1``."""
    path: list[str] = []
    for name in names:
        path.append(name)
        if tuple(path) in counts:
            path.append(str(counts[tuple(path)]))
    return path
