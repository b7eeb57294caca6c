"""Running the ``bascule`` command in-process (Typer's CliRunner) against the test database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from bascule.cli.main import app

Bascule = Callable[..., Any]


@pytest.fixture
def run_cli() -> Callable[..., Any]:
    """``run_cli(*args, env=...)``: the CLI with exactly these arguments."""
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Any:
        return runner.invoke(app, list(args), env=env)

    return run


@pytest.fixture
def bascule(db_url: str, run_cli: Bascule) -> Bascule:
    """``bascule("users", "create", ...)``: the CLI on the emptied test database."""

    def run(*args: str, env: dict[str, str] | None = None) -> Any:
        return run_cli("--database-url", db_url, *args, env=env)

    return run


def _one_line_error(result: Any) -> str:
    assert result.exit_code != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def one_line_error() -> Callable[[Any], str]:
    """Assert SPEC §14's failure contract (non-zero, one line on stderr); return the line."""
    return _one_line_error
