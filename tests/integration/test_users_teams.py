"""Teams and a user's place in them (``users.teams``), on both databases: created, renamed
(the playbook fields still naming the old name answered), given a manager, a user's role,
team and manager changed, each change audited once with its reason; a loop of managers and a
taken name refused; only the admin may; the deactivation preview writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bascule.errors import Conflict, Forbidden, ValidationFailed
from bascule.playbook.load import default_text, parse
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import availability, teams
from bascule.users import service as users
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _people(database: Database) -> dict[str, int]:
    with database.uow(write=True) as uow:
        made = {
            name: users.create_user(
                uow, email=f"{name}@bascule.fr", role=role, name=name.title(), now=NOW
            ).id
            for name, role in (("ada", "admin"), ("ops", "sales_ops"), ("max", "sales"),
                               ("zoe", "sales"))
        }  # fmt: skip
        uow.commit()
    return made


def _actor(database: Database, user_id: int) -> Actor:
    with database.uow() as uow:
        return users.actor_for(uow.session.get_one(t.User, user_id))


def _audit(database: Database, entity: str) -> list[tuple[str, dict[str, object], str | None]]:
    with database.uow() as uow:
        rows = uow.session.scalars(
            select(t.AuditLog).where(t.AuditLog.entity == entity).order_by(t.AuditLog.id)
        )
        return [(row.action, row.changes, row.reason) for row in rows]


def test_teams_are_created_renamed_and_managed_with_their_reasons(database):
    ids = _people(database)
    ada = _actor(database, ids["ada"])
    playbook = parse(
        default_text().replace(
            "enabled = true\nrules = []",
            'enabled = true\n[[routing.rules]]\nkey = "north"\nteam = "Nord"',
        )
    )
    with database.uow(write=True) as uow:
        team = teams.create(uow, name="  Nord ", actor=ada, now=NOW, reason="Nouvelle région")
        uow.commit()
        team_id = team.id
    with database.uow(write=True) as uow, pytest.raises(Conflict):
        teams.create(uow, name="Nord", actor=ada, now=NOW)
    with database.uow(write=True) as uow:
        renamed = teams.rename(
            uow, team_id=team_id, name="Nord-Est", actor=ada, playbook=playbook, now=NOW
        )
        teams.set_manager(uow, team_id=team_id, manager_id=ids["max"], actor=ada, now=NOW,
                          reason="Max encadre")  # fmt: skip
        uow.commit()
    assert list(renamed.named_in) == ["routing.rules.0.team"]
    assert _audit(database, "team") == [
        ("create", {"name": [None, "Nord"]}, "Nouvelle région"),
        ("update", {"name": ["Nord", "Nord-Est"]}, None),
        ("update", {"manager_id": [None, ids["max"]]}, "Max encadre"),
    ]


def test_a_users_place_changes_once_audited_and_never_into_a_loop(database):
    ids = _people(database)
    ada = _actor(database, ids["ada"])
    with database.uow(write=True) as uow:
        team = teams.create(uow, name="Sud", actor=ada, now=NOW)
        teams.change_user(uow, user_id=ids["zoe"], role="sales", team_id=team.id,
                          manager_id=ids["max"], actor=ada, now=NOW, reason="Mutation")  # fmt: skip
        # Nothing changes: no second row.
        teams.change_user(uow, user_id=ids["zoe"], role="sales", team_id=team.id,
                          manager_id=ids["max"], actor=ada, now=NOW)  # fmt: skip
        uow.commit()
        team_id = team.id
    with database.uow(write=True) as uow, pytest.raises(ValidationFailed) as loop:
        teams.change_user(uow, user_id=ids["max"], role="sales", team_id=None,
                          manager_id=ids["zoe"], actor=ada, now=NOW)  # fmt: skip
    assert loop.value.fields == {"manager_id": "would make a loop of managers"}
    with database.uow(write=True) as uow, pytest.raises(Conflict):
        teams.change_user(uow, user_id=ids["ada"], role="sales", team_id=None, manager_id=None,
                          actor=ada, now=NOW)  # fmt: skip
    with database.uow(write=True) as uow, pytest.raises(Forbidden):
        teams.change_user(uow, user_id=ids["zoe"], role="admin", team_id=None, manager_id=None,
                          actor=_actor(database, ids["ops"]), now=NOW)  # fmt: skip
    updates = [row for row in _audit(database, "user") if row[0] == "update"]
    assert updates == [
        ("update", {"team_id": [None, team_id], "manager_id": [None, ids["max"]]}, "Mutation")
    ]


def test_the_deactivation_preview_writes_nothing(database):
    ids = _people(database)
    ada = _actor(database, ids["ada"])
    playbook = parse(default_text())
    before = _audit(database, "user")
    preview = availability.preview_deactivation(
        database, user_id=ids["max"], actor=ada, playbook=playbook, now=NOW
    )
    assert (preview.email, preview.leads, preview.opportunities) == ("max@bascule.fr", [], [])
    with database.uow() as uow:
        assert uow.session.get_one(t.User, ids["max"]).is_active
    assert _audit(database, "user") == before
