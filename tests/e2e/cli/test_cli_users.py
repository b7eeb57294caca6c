"""``bascule users create`` and ``bascule tokens create`` (SPEC §14)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.service import authenticate


def test_a_token_printed_on_the_last_line_authenticates_its_user(bascule, db_url):
    created = bascule("users", "create", "Nadia.Admin@Bascule-CRM.fr", "--role", "admin")
    token = bascule("tokens", "create", "nadia.admin@bascule-crm.fr", "--label", "zapier")

    assert created.exit_code == 0, created.output
    assert "nadia.admin@bascule-crm.fr" in created.stdout
    assert token.exit_code == 0, token.output
    last_line = token.stdout.strip().splitlines()[-1]
    assert last_line.startswith("bsc_")
    database = Database(db_url)
    try:
        with database.uow() as uow:
            user = authenticate(uow, last_line)
            assert (user.email, user.role, user.name) == (
                "nadia.admin@bascule-crm.fr",
                "admin",
                "nadia.admin",
            )
    finally:
        database.dispose()


def test_a_user_joins_a_team_under_a_manager(bascule, db: Engine):
    boss = bascule("users", "create", "julie@bascule-crm.fr", "--role", "sales", "--name", "Julie")
    rep = bascule(
        *("users", "create", "marc@bascule-crm.fr", "--role", "sales", "--name", "Marc Petit"),
        *("--team", "Ventes Est", "--manager", "julie@bascule-crm.fr"),
    )

    assert boss.exit_code == 0, boss.output
    assert rep.exit_code == 0, rep.output
    assert "team Ventes Est" in rep.stdout
    with Session(db) as session:
        julie = session.scalars(select(t.User).where(t.User.email == "julie@bascule-crm.fr")).one()
        marc = session.scalars(select(t.User).where(t.User.email == "marc@bascule-crm.fr")).one()
        team = session.scalars(select(t.Team).where(t.Team.name == "Ventes Est")).one()
        assert (marc.name, marc.team_id, marc.manager_id) == ("Marc Petit", team.id, julie.id)
        assert team.manager_id == julie.id


def test_an_unknown_role_fails_with_one_line_and_creates_nothing(bascule, db, one_line_error):
    result = bascule("users", "create", "x@bascule-crm.fr", "--role", "boss")

    reason = one_line_error(result)
    assert result.exit_code == 1
    assert "unknown role 'boss'" in reason
    assert "sales_ops" in reason  # the roles that exist are listed
    with Session(db) as session:
        assert session.scalar(select(func.count()).select_from(t.User)) == 0


def test_a_second_user_with_the_same_email_is_refused(bascule, one_line_error):
    assert bascule("users", "create", "a@bascule-crm.fr", "--role", "sdr").exit_code == 0

    result = bascule("users", "create", "A@bascule-crm.fr", "--role", "sales")

    assert "already exists" in one_line_error(result)


def test_an_unknown_manager_is_refused(bascule, one_line_error):
    result = bascule(
        "users", "create", "a@bascule-crm.fr", "--role", "sdr", "--manager", "nobody@x.fr"
    )

    assert "manager nobody@x.fr not found" in one_line_error(result)


def test_a_token_for_an_unknown_user_is_refused(bascule, one_line_error):
    result = bascule("tokens", "create", "ghost@bascule-crm.fr")

    assert "user ghost@bascule-crm.fr not found" in one_line_error(result)
    assert result.stdout == ""


def test_a_missing_role_is_a_usage_error(bascule):
    result = bascule("users", "create", "a@bascule-crm.fr")

    assert result.exit_code == 2
    assert "--role" in result.stderr
