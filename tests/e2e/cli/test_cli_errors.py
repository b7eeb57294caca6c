"""Failures exit non-zero with a one-line reason on stderr, never a traceback (SPEC §14)."""

from __future__ import annotations

from pathlib import Path


def test_an_unreachable_sqlite_file_is_one_line(run_cli, tmp_path: Path, one_line_error):
    url = f"sqlite:///{tmp_path / 'no-such-dir' / 'bascule.db'}"

    result = run_cli("--database-url", url, "init")

    assert "database error: unable to open database file" in one_line_error(result)
    assert result.exit_code == 1


def test_a_refused_postgresql_connection_is_one_line(run_cli, one_line_error):
    url = "postgresql://nobody@127.0.0.1:1/nowhere"

    result = run_cli("--database-url", url, "users", "create", "a@b.fr", "--role", "sdr")

    reason = one_line_error(result)
    assert reason.startswith("error: database error: ")
    assert "127.0.0.1" in reason


def test_a_database_that_was_never_initialised_suggests_init(run_cli, tmp_path, one_line_error):
    url = f"sqlite:///{tmp_path / 'empty.db'}"

    result = run_cli("--database-url", url, "tokens", "create", "a@b.fr")

    reason = one_line_error(result)
    assert "no such table" in reason
    assert "bascule init" in reason


def test_an_unknown_database_scheme_is_one_line(run_cli, one_line_error):
    result = run_cli("--database-url", "mongodb://localhost/crm", "init")

    assert "mongodb" in one_line_error(result)


def test_success_exits_zero_with_nothing_on_stderr(bascule):
    result = bascule("users", "create", "ok@bascule-crm.fr", "--role", "marketing")

    assert result.exit_code == 0
    assert result.stderr == ""


def test_no_arguments_prints_the_help(run_cli):
    result = run_cli()

    assert "init" in result.output and "demo" in result.output and "playbook" in result.output
