"""docs/playbook-reference.md is generated from the playbook schema and must stay so."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel
from typer.testing import CliRunner

from bascule.cli.main import app
from bascule.playbook.load import default_playbook
from bascule.playbook.reference import COMMAND, render
from bascule.playbook.schema import Label, Playbook

DOC = Path(__file__).resolve().parents[3] / "docs" / "playbook-reference.md"


def test_the_reference_page_is_what_the_schema_generates() -> None:
    # Given the page in docs/ and the text generated from the schema now
    expected = render()
    # Then they are the same, or the page must be regenerated
    assert DOC.read_text(encoding="utf-8") == expected, (
        f"docs/playbook-reference.md differs from the playbook schema: run `{COMMAND}`"
    )


def test_every_setting_of_every_section_has_a_row_and_a_description() -> None:
    # Given the generated page
    text = render()
    # Then each field of each model reached from Playbook has a row with a description
    seen: set[type] = set()
    todo: list[type] = [Playbook]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            assert field.description, f"{model.__name__}.{name} has no description"
            # A label ({ fr, en }) is a type of its own in the page, not a section.
            todo += [m for m in _models_in(field.annotation) if m is not Label]
            row = re.search(rf"^\| `{name}` \|", text, flags=re.M)
            heading = re.search(rf"^#+ `\[\[?[a-z_.]*{name}(\.<key>)?\]\]?`", text, flags=re.M)
            assert row or heading, f"{model.__name__}.{name} is not in the reference"
    assert len(seen) == 26  # Playbook and every section or model it holds ([privacy], [access])


def test_the_defaults_shown_make_up_the_default_playbook() -> None:
    # Given every TOML block of the page, merged into one document
    merged: dict[str, Any] = {}
    for block in re.findall(r"```toml\n(.*?)```", render(), flags=re.S):
        _merge(merged, tomllib.loads(block))
    # When it is read as a playbook (what it leaves out takes the schema's defaults)
    playbook = Playbook.model_validate(merged)
    # Then it is the default playbook
    assert playbook == default_playbook()


def _merge(into: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _models_in(annotation: object) -> list[type]:
    found: list[type] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found.append(annotation)
    for arg in get_args(annotation):
        found += _models_in(arg)
    return found


def test_the_command_prints_the_page() -> None:
    # When `bascule playbook reference` runs (it reads no database)
    result = CliRunner().invoke(app, ["playbook", "reference"])
    # Then it prints exactly the generated page
    assert result.exit_code == 0, result.output
    assert result.stdout == render()
