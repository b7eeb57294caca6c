"""The playbook reference (``docs/playbook-reference.md``), written from the schema itself.

Every setting of ``Playbook`` and of its sections, with its type, its default and its
description (the attribute docstrings of ``schema.py``, ``scoring.py``, ``sla.py`` and
``routing.py``), so that the page cannot drift from the code: a test compares the file with
``render()``. Regenerate it with::

    bascule playbook reference > docs/playbook-reference.md

Defaults are what a playbook that leaves a setting out gets. The settings a playbook must give
(the labels, stages and lists of choices) show the default playbook's value instead
(``default.toml``); where that file holds something other than the schema's default, both are
shown.
"""

from __future__ import annotations

import json
import re
import tomllib
import types
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel, SecretStr, StringConstraints
from pydantic.fields import FieldInfo

from bascule.playbook.load import default_playbook
from bascule.playbook.schema import Label, Playbook

COMMAND = "bascule playbook reference > docs/playbook-reference.md"
# A default longer than this goes in a TOML block under its table, not in the cell.
CELL_WIDTH = 40
LINE_WIDTH = 96
_MISSING = object()


def render() -> str:
    """The whole page, as Markdown."""
    out = [
        "# Playbook reference",
        "",
        f"<!-- Generated from src/bascule/playbook/*.py by `{COMMAND}`. -->",
        "<!-- Do not edit by hand: tests/unit/playbook/test_reference_doc.py compares. -->",
        "",
        "Every setting of the playbook, with its type, its default and what it does. A setting",
        "a playbook leaves out takes the default shown here; a section left out takes the",
        "defaults of all its settings. The lists marked *required* (labels, stages, choices)",
        "have no default: a playbook gives them, and the value shown is the default playbook's",
        "(`src/bascule/playbook/default.toml`, also what `bascule playbook show` prints before",
        "any playbook is applied). How to change the playbook: [playbook.md](playbook.md).",
        "",
        "Types: *text*, *integer*, *number* (integer or decimal), *boolean*, *date*",
        "(`2026-08-14`), *list of X* (`[...]`), *table of X* (`{ key = X, ... }`); `a | b`",
        "lists the accepted values; *not set* means the setting is left out.",
        "",
    ]
    root = _Node("", Playbook, None, _defaults_of(Playbook), default_playbook())
    out += _contents(root)
    out += _section(root, level=2)
    return "\n".join(out).rstrip("\n") + "\n"


class _Node:
    """A model at a path of the document: a section, or the items of a list or table."""

    def __init__(
        self, path: str, model: type[BaseModel], field: FieldInfo | None, value: Any, shipped: Any
    ) -> None:
        self.path, self.model, self.field = path, model, field
        # ``value``: the schema's default; ``shipped``: what default.toml holds (may differ).
        self.value, self.shipped = value, shipped

    @property
    def title(self) -> str:
        return f"`[{self.path}]`" if self.path else "Top level"

    def doc(self) -> str:
        """The section's docstring, else the description of the setting that holds it."""
        own = self.model.__dict__.get("__doc__")  # not the docstring BaseModel would lend
        held = self.field.description if self.field else None
        return _words(own or held or "")


def _contents(root: _Node) -> list[str]:
    lines = ["## Contents", ""]
    for name, field in root.model.model_fields.items():
        # GitHub's anchors: "`[general]`" gives "general", "Top level" gives "top-level".
        anchor = name if _nested_model(field.annotation) else "top-level"
        lines.append(f"- [`{name}`](#{anchor}): {_words(field.description or '')}")
    return [*lines, ""]


def _section(node: _Node, level: int) -> list[str]:
    out = [f"{'#' * min(level, 4)} {node.title}", ""]
    if node.doc():
        out += [*_wrap(node.doc()), ""]
    rows: list[str] = []
    blocks: list[str] = []
    children: list[_Node] = []
    for name, field in node.model.model_fields.items():
        path = f"{node.path}.{name}" if node.path else name
        value, shipped = _get(node.value, name), _get(node.shipped, name)
        nested = _nested_model(field.annotation)
        if nested is None:
            default, block = _default_cell(path, value, shipped)
            description = _words(field.description or "")
            rows.append(f"| `{name}` | {_type(field)} | {default} | {description} |")
            blocks += block
        elif nested[0] == "model":
            children.append(_Node(path, nested[1], field, value, shipped))
        else:
            children.append(_Collection(path, nested[1], field, value, shipped, nested[0]))
    if rows:
        out += ["| Setting | Type | Default | Description |", "|---|---|---|---|", *rows, ""]
    out += blocks
    if isinstance(node, _Collection):
        out += node.defaults()
    for child in children:
        # The top level's sections are headings of the same level as it.
        out += _section(child, level + 1 if node.path else level)
    return out


class _Collection(_Node):
    """A list of tables (``[[path]]``) or a table of tables (``[path.<key>]``): the table
    describes one item's fields, the defaults follow as TOML."""

    def __init__(
        self,
        path: str,
        model: type[BaseModel],
        field: FieldInfo,
        items: Any,
        shipped_items: Any,
        shape: str,
    ) -> None:
        super().__init__(path, model, field, _defaults_of(model), _MISSING)
        self.shape, self.items, self.shipped_items = shape, items, shipped_items

    @property
    def title(self) -> str:
        return f"`[[{self.path}]]`" if self.shape == "list" else f"`[{self.path}.<key>]`"

    def doc(self) -> str:
        """What the collection is for, then what one item is."""
        held = self.field.description if self.field else None
        own = self.model.__dict__.get("__doc__")
        required = "*Required.*" if self.items is _MISSING else ""
        return " ".join(_words(p) for p in (held, own, required) if p)

    def defaults(self) -> list[str]:
        if self.items is _MISSING:
            return ["In the default playbook:", "", *_toml_block(self.path, self.shipped_items)]
        out = ["Default: none.", ""] if not self.items else ["Default:", ""]
        if self.items:
            out += _toml_block(self.path, self.items)
        if self.shipped_items is not _MISSING and _plain(self.shipped_items) != _plain(self.items):
            out += ["The default playbook holds instead:", ""]
            out += _toml_block(self.path, self.shipped_items)
        return out


def _default_cell(path: str, value: Any, shipped: Any) -> tuple[str, list[str]]:
    """The Default cell of a setting, and a TOML block when the value is too long for it."""
    if value is _MISSING and shipped is _MISSING:
        return "*required*", []
    if value is _MISSING:
        text = _toml(shipped)
        if len(text) <= CELL_WIDTH:
            return f"*required*; default playbook: `{text}`", []
        return "*required*; default playbook below", _toml_block(path, shipped)
    cell = "*not set*" if value is None else f"`{_toml(value)}`"
    block: list[str] = []
    if len(cell) > CELL_WIDTH + 2:
        cell, block = "below", _toml_block(path, value)
    if shipped is not _MISSING and _plain(shipped) != _plain(value):
        text = _toml(shipped)
        if len(text) <= CELL_WIDTH:
            cell += f"; default playbook: `{text}`"
        else:
            cell += "; default playbook below"
            block += ["The default playbook holds:", "", *_toml_block(path, shipped)]
    return cell, block


# --- values -------------------------------------------------------------------------------


def _defaults_of(model: type[BaseModel]) -> dict[str, Any]:
    """What a document that leaves each setting out gets (``_MISSING``: it may not)."""
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        out[name] = (
            _MISSING if field.is_required() else field.get_default(call_default_factory=True)
        )
    return out


def _get(container: Any, name: str) -> Any:
    if container is _MISSING or container is None:
        return _MISSING
    if isinstance(container, Mapping):
        return container.get(name, _MISSING)
    return getattr(container, name, _MISSING)


def _plain(value: Any) -> Any:
    """A value as plain data, for comparisons and TOML."""
    if isinstance(value, BaseModel):
        # As a playbook would write it: settings left at their default are left out.
        return {k: _plain(v) for k, v in value.model_dump(exclude_defaults=True).items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, SecretStr):
        return "**********"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _toml(value: Any) -> str:
    """One TOML value, inline."""
    plain = _plain(value)
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if isinstance(plain, (int, float)):
        return str(plain)
    if isinstance(plain, str):
        return json.dumps(plain, ensure_ascii=False)
    if isinstance(plain, date):
        return plain.isoformat()
    if isinstance(plain, list):
        return "[" + ", ".join(_toml(v) for v in plain) + "]"
    if isinstance(plain, dict):
        if not plain:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in plain.items()) + " }"
    raise TypeError(f"no TOML for {value!r}")


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _toml_block(path: str, value: Any) -> list[str]:
    """A TOML block that sets ``path`` to ``value``; checked to parse back to ``value``."""
    head, _, name = path.rpartition(".")
    lines: list[str] = []
    plain = _plain(value)
    if isinstance(plain, list) and plain and all(isinstance(v, dict) for v in plain):
        for item in plain:
            lines += [f"[[{path}]]", *_assignments(item), ""]
        lines = lines[:-1]
    elif isinstance(plain, dict) and any(isinstance(v, (dict, list)) for v in plain.values()):
        lines += [f"[{path}]", *_assignments(plain)]
    else:
        lines += ([f"[{head}]"] if head else []) + _assignments({name: plain})
    text = "\n".join(lines)
    parsed: Any = tomllib.loads(text)
    for part in path.split("."):
        parsed = parsed[part]
    if parsed != plain:
        raise AssertionError(f"{path}: the TOML written does not read back as its value")
    return ["```toml", *lines, "```", ""]


def _assignments(table: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for name, item in table.items():
        line = f"{_key(name)} = {_toml(item)}"
        if len(line) <= LINE_WIDTH or not isinstance(item, list):
            lines.append(line)
            continue
        # A long list of values: wrapped, as default.toml writes them.
        lines.append(f"{_key(name)} = [")
        current = " "
        for element in (_toml(v) for v in item):
            if len(current) + len(element) + 2 > LINE_WIDTH:
                lines.append(current.rstrip())
                current = " "
            current += f" {element},"
        lines += [current.rstrip(), "]"]
    return lines


# --- types --------------------------------------------------------------------------------


def _nested_model(annotation: Any) -> tuple[str, type[BaseModel]] | None:
    """("model" | "list" | "table", the model) when a setting holds sections, else None."""
    base, _ = _unwrap(annotation)
    if _is_section(base):
        return "model", base
    origin, args = get_origin(base), get_args(base)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item, _ = _unwrap(args[0])
        if _is_section(item):
            return "list", item
    if origin is dict:
        item, _ = _unwrap(args[1])
        if _is_section(item):
            return "table", item
    return None


def _is_section(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel) and tp is not Label


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The type under ``Annotated[...]`` and its constraints."""
    metadata: list[Any] = []
    while get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        for item in extra:
            metadata += item.metadata if isinstance(item, FieldInfo) else [item]
    return annotation, metadata


def _type(field: FieldInfo) -> str:
    return _describe(field.annotation, list(field.metadata))


def _describe(annotation: Any, metadata: Sequence[Any]) -> str:
    base, extra = _unwrap(annotation)
    constraints = [*metadata, *extra]
    origin, args = get_origin(base), get_args(base)
    if origin in (Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        text = " or ".join(_describe(a, constraints) for a in options)
        return f"{text} or *not set*" if len(options) < len(args) else text
    if origin is Literal:
        return " \\| ".join(f"`{_toml(a)}`" for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            limits = _limits(constraints, "list").removeprefix(", ")
            return f"list of {_describe(args[0], [])}" + (f"; {limits}" if limits else "")
        return "pair of " + _describe(args[0], [])
    if origin is dict:
        key = _describe(args[0], [])
        return f"table of {key} → {_describe(args[1], [])}"
    names = {bool: "boolean", int: "integer", float: "number", str: "text", date: "date"}
    if base is SecretStr:
        return "text (secret)" + _limits(constraints, "text")
    if base is Label:
        return "label `{ fr, en }`"
    if base in names:
        return names[base] + _limits(constraints, names[base])
    return getattr(base, "__name__", str(base))


def _limits(constraints: Sequence[Any], kind: str) -> str:
    """What a value must be: ``, from 0 to 100``, ``, 1 to 80 characters, matching `...```."""
    low: Any = None
    high: Any = None
    shortest = longest = 0
    pattern = None
    strict_low = strict_high = False
    for c in constraints:
        if isinstance(c, (Ge, Gt)):
            low, strict_low = (c.ge, False) if isinstance(c, Ge) else (c.gt, True)
        elif isinstance(c, (Le, Lt)):
            high, strict_high = (c.le, False) if isinstance(c, Le) else (c.lt, True)
        elif isinstance(c, MinLen):
            shortest = c.min_length
        elif isinstance(c, MaxLen):
            longest = c.max_length
        elif isinstance(c, StringConstraints):
            shortest = c.min_length or shortest
            longest = c.max_length or longest
            pattern = c.pattern or pattern
        elif isinstance(getattr(c, "pattern", None), str):
            pattern = c.pattern
    parts = []
    if low is not None or high is not None:
        bounds = []
        if low is not None:
            bounds.append(f"above {_toml(low)}" if strict_low else f"from {_toml(low)}")
        if high is not None:
            word = "below" if strict_high else ("and at most" if strict_low else "to")
            bounds.append(f"{word} {_toml(high)}" if low is not None else f"at most {_toml(high)}")
        parts.append(" ".join(bounds))
    unit = "entr" if kind == "list" else "character"
    if shortest and longest:
        parts.append(f"{shortest} to {longest} {_plural(unit, longest)}")
    elif shortest:
        parts.append(f"at least {shortest} {_plural(unit, shortest)}")
    elif longest:
        parts.append(f"at most {longest} {_plural(unit, longest)}")
    if pattern:
        parts.append(f"matching `{pattern}`".replace("|", "\\|"))
    return f", {', '.join(parts)}" if parts else ""


def _plural(unit: str, count: int) -> str:
    if unit == "entr":
        return "entry" if count == 1 else "entries"
    return unit if count == 1 else f"{unit}s"


# --- text ---------------------------------------------------------------------------------


def _words(text: str) -> str:
    """A docstring as one line of Markdown (double backquotes become single ones)."""
    return " ".join(text.split()).replace("``", "`").replace("|", "\\|")


def _wrap(text: str) -> Iterator[str]:
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > LINE_WIDTH:
            yield line
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        yield line
