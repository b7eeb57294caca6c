"""``bascule init`` creates or migrates the database, and is safe to run again (SPEC §14)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from bascule.storage.db import make_engine
from bascule.storage.migrate import MIGRATIONS

# The newest migration: its file name starts with its revision id ("0002_intake.py").
HEAD = max(p.name for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))[:4]


def test_init_on_a_migrated_database_changes_nothing(bascule):
    first = bascule("init")
    second = bascule("init")

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert f"already up to date (revision {HEAD})" in first.stdout
    assert f"already up to date (revision {HEAD})" in second.stdout


def test_init_creates_a_fresh_sqlite_file_then_is_idempotent(tmp_path: Path, run_cli):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"

    created = run_cli("--database-url", url, "init")
    again = run_cli("--database-url", url, "init")

    assert created.exit_code == 0, created.output
    assert f"Database created (revision {HEAD})" in created.stdout
    assert again.exit_code == 0, again.output
    assert "already up to date" in again.stdout
    engine = make_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"lead", "opportunity", "account", "contact", "user", "alembic_version"} <= tables


def test_the_database_url_comes_from_the_environment(tmp_path: Path, run_cli):
    url = f"sqlite:///{tmp_path / 'from-env.db'}"

    result = run_cli("init", env={"BASCULE_DATABASE_URL": url})

    assert result.exit_code == 0, result.output
    assert "Database created" in result.stdout
    assert (tmp_path / "from-env.db").exists()


def test_the_option_overrides_the_environment(tmp_path: Path, run_cli):
    env = {"BASCULE_DATABASE_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'env.db'}"}
    url = f"sqlite:///{tmp_path / 'option.db'}"

    result = run_cli("--database-url", url, "init", env=env)

    assert result.exit_code == 0, result.output
    assert (tmp_path / "option.db").exists()
    assert not (tmp_path / "missing-dir").exists()
