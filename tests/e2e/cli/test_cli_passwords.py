"""``bascule users password EMAIL`` (SPEC §17) and the secret key ``bascule serve`` refuses."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bascule.cli.main import app
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import passwords, sessions


def _password(db_url: str, email: str, typed: str) -> object:
    return CliRunner().invoke(
        app, ["--database-url", db_url, "users", "password", email], input=typed
    )


def test_the_password_is_read_from_standard_input_and_stored_as_argon2(bascule, db, db_url):
    assert bascule("users", "create", "rep@bascule.fr", "--role", "sales").exit_code == 0

    result = _password(db_url, "rep@bascule.fr", "un mot de passe solide\n")

    assert result.exit_code == 0, result.output
    assert "Password set for rep@bascule.fr" in result.stdout
    with Session(db) as session:
        stored = session.scalar(select(t.User.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")
    assert passwords.verify(stored, "un mot de passe solide")  # inner spaces kept
    assert not passwords.verify(stored, "un mot de passe solide\n")


def test_a_new_password_ends_the_users_web_sessions(bascule, db: Engine, db_url: str):
    bascule("users", "create", "rep@bascule.fr", "--role", "sales")
    database = Database(db_url)
    try:
        with database.uow(write=True) as uow:
            user_id = uow.session.scalar(select(t.User.id))
            assert user_id is not None
            policy = sessions.SessionPolicy.of_hours(12, 72)
            sessions.start(uow, user_id=user_id, now=datetime.now(UTC), policy=policy)
            uow.commit()
    finally:
        database.dispose()

    assert _password(db_url, "rep@bascule.fr", "another strong one\n").exit_code == 0

    with Session(db) as session:
        assert session.scalar(select(func.count()).select_from(t.WebSession)) == 0


def test_a_short_password_an_empty_input_or_an_unknown_user_is_one_line_on_stderr(bascule, db_url):
    bascule("users", "create", "rep@bascule.fr", "--role", "sales")

    short = _password(db_url, "rep@bascule.fr", "court\n")
    empty = _password(db_url, "rep@bascule.fr", "")
    unknown = _password(db_url, "nobody@bascule.fr", "a long enough password\n")

    assert short.exit_code == 1 and "at least 10 characters" in short.stderr
    assert empty.exit_code == 1 and "no password on standard input" in empty.stderr
    assert unknown.exit_code == 1 and "not found" in unknown.stderr
    for result in (short, empty, unknown):
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_serve_refuses_the_shipped_secret_key_outside_a_development_run(run_cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'refused.db'}"
    env = {"BASCULE_SECRET_KEY": "change-me", "BASCULE_ENV": "production"}

    result = run_cli("--database-url", url, "serve", "--port", "0", env=env)

    assert result.exit_code == 1
    assert "BASCULE_SECRET_KEY is the shipped default" in result.stderr
    assert "--dev" in result.stderr
    assert not (tmp_path / "refused.db").exists()  # refused before anything is created
