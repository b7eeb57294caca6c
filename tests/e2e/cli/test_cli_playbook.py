"""``bascule playbook check | show | apply`` (SPEC §14)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t

DEFAULT = Path(str(resources.files("bascule.playbook").joinpath("default.toml")))


@pytest.fixture
def playbook_copy(tmp_path: Path):
    """Write a copy of the default playbook with some text replaced; return its path."""

    def write(old: str = "", new: str = "", name: str = "playbook.toml") -> Path:
        text = DEFAULT.read_text("utf-8")
        if old:
            assert old in text
            text = text.replace(old, new, 1)
        path = tmp_path / name
        path.write_text(text, "utf-8")
        return path

    return write


def test_the_default_playbook_checks_ok(run_cli):
    result = run_cli("playbook", "check", str(DEFAULT))

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: ")
    assert result.stderr == ""


def test_each_error_is_printed_with_its_location(run_cli, playbook_copy, one_line_error):
    broken = playbook_copy("probability = 10\n", "probability = 150\n")
    text = broken.read_text("utf-8").replace('currency = "EUR"', 'currency = "euro"')
    broken.write_text(text, "utf-8")

    result = run_cli("playbook", "check", str(broken))

    assert one_line_error(result) == f"error: {broken}: playbook is invalid (2 errors)"
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{broken}: general.currency: String should match pattern")
    assert lines[1].startswith(f"{broken}: stages.0.probability: Input should be less than")


def test_invalid_toml_reports_the_line(run_cli, playbook_copy, one_line_error):
    broken = playbook_copy('name = "default"', 'name = "default')

    result = run_cli("playbook", "check", str(broken))

    one_line_error(result)
    assert "line 5" in result.stdout


def test_a_missing_file_is_one_line(run_cli, tmp_path: Path, one_line_error):
    result = run_cli("playbook", "check", str(tmp_path / "nope.toml"))

    assert "file not found" in one_line_error(result)


def test_show_prints_the_built_in_default_before_any_apply(bascule):
    result = bascule("playbook", "show")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("# Active playbook: version 0")
    assert DEFAULT.read_text("utf-8").strip() in result.stdout


def test_apply_twice_then_show_prints_version_two(bascule, playbook_copy, db: Engine):
    v2 = playbook_copy("probability = 10\n", "probability = 15\n", name="v2.toml")
    assert bascule("users", "create", "ops@bascule-crm.fr", "--role", "sales_ops").exit_code == 0

    first = bascule("playbook", "apply", str(DEFAULT))
    second = bascule("playbook", "apply", str(v2), "--by", "ops@bascule-crm.fr")
    shown = bascule("playbook", "show")

    assert first.exit_code == 0, first.output
    assert "as version 1, by command line" in first.stdout
    assert second.exit_code == 0, second.output
    assert "as version 2, by ops@bascule-crm.fr, at " in second.stdout
    assert shown.exit_code == 0, shown.output
    header, _, body = shown.stdout.partition("\n")
    assert header.startswith("# Active playbook: version 2 (default), applied ")
    assert header.endswith("by ops@bascule-crm.fr")
    assert body.strip() == v2.read_text("utf-8").strip()
    with Session(db) as session:
        rows = session.scalars(select(t.PlaybookVersion).order_by(t.PlaybookVersion.version))
        assert [(r.version, r.created_by) for r in rows] == [
            (1, None),
            (2, "ops@bascule-crm.fr"),
        ]


def test_an_invalid_playbook_is_not_applied(bascule, playbook_copy, db: Engine, one_line_error):
    broken = playbook_copy("probability = 10\n", "probability = -1\n")

    result = bascule("playbook", "apply", str(broken))

    assert "stages.0.probability" in one_line_error(result)
    with Session(db) as session:
        assert session.scalars(select(t.PlaybookVersion)).all() == []


def test_only_admins_and_sales_ops_apply_a_playbook(bascule, db: Engine, one_line_error):
    assert bascule("users", "create", "sdr@bascule-crm.fr", "--role", "sdr").exit_code == 0

    result = bascule("playbook", "apply", str(DEFAULT), "--by", "sdr@bascule-crm.fr")

    assert "may not apply a playbook" in one_line_error(result)
    with Session(db) as session:
        assert session.scalars(select(t.PlaybookVersion)).all() == []
