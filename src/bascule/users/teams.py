"""Teams and who is in them: create a team, rename it, name its manager; change a user's role,
team or manager. For who manages users (``user.manage``); every change audited, with the
reason given.

A manager sees the records of the users they manage, down the line (SPEC §18), so a chain of
managers must end: a user cannot be placed under themselves, directly or further up.
Routing rules name teams by name: a rename answers the playbook fields that still name the
old one, as a deactivation does for a user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bascule.audit import service as audit
from bascule.errors import Conflict, NotFound, ValidationFailed
from bascule.playbook.schema import Playbook
from bascule.routing import check as routing_check
from bascule.storage import repositories as repo
from bascule.storage import staff
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, Role, require

NAME_LENGTH = 120


@dataclass
class Renamed:
    team: t.Team
    # Playbook fields naming the old name (to update before the next apply).
    named_in: dict[str, str] = field(default_factory=dict)


def _name(text: str) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise ValidationFailed("a team needs a name", fields={"name": "required"})
    if len(name) > NAME_LENGTH:
        raise ValidationFailed(
            "the name is too long", fields={"name": f"at most {NAME_LENGTH} characters"}
        )
    return name


def _free(uow: UnitOfWork, name: str, team_id: int | None = None) -> None:
    found = repo.team_by_name(uow.session, name)
    if found is not None and found.id != team_id:
        raise Conflict(f"a team named {name!r} exists", fields={"name": "taken"})


def _team(uow: UnitOfWork, team_id: int) -> t.Team:
    team = repo.get(uow.session, t.Team, team_id, for_update=True)
    if team is None:
        raise NotFound(f"team {team_id} not found", fields={"team_id": "no such team"})
    return team  # type: ignore[no-any-return]


def _user(uow: UnitOfWork, user_id: int, name: str) -> t.User:
    user = uow.session.get(t.User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", fields={name: "no such user"})
    return user


def create(
    uow: UnitOfWork, *, name: str, actor: Actor, now: datetime, reason: str | None = None
) -> t.Team:
    require(actor, "user.manage")
    name = _name(name)
    _free(uow, name)
    team = t.Team(name=name)
    uow.session.add(team)
    uow.session.flush()
    audit.record(
        uow, actor=actor, entity="team", entity_id=team.id, action="create",
        changes={"name": [None, name]}, reason=reason, now=now,
    )  # fmt: skip
    return team


def rename(
    uow: UnitOfWork, *, team_id: int, name: str, actor: Actor, playbook: Playbook,
    now: datetime, reason: str | None = None,
) -> Renamed:  # fmt: skip
    require(actor, "user.manage")
    team = _team(uow, team_id)
    name = _name(name)
    if name == team.name:
        return Renamed(team)
    _free(uow, name, team.id)
    before = team.name
    team.name = name
    uow.session.flush()
    audit.record(
        uow, actor=actor, entity="team", entity_id=team.id, action="update",
        changes={"name": [before, name]}, reason=reason, now=now,
    )  # fmt: skip
    named = {
        where: message
        for where, message in routing_check.problems(uow, playbook.routing).items()
        if repr(before) in message
    }
    return Renamed(team, named)


def set_manager(
    uow: UnitOfWork, *, team_id: int, manager_id: int | None, actor: Actor, now: datetime,
    reason: str | None = None,
) -> t.Team:  # fmt: skip
    require(actor, "user.manage")
    team = _team(uow, team_id)
    if manager_id is not None:
        _user(uow, manager_id, "manager_id")
    if team.manager_id != manager_id:
        audit.record(
            uow, actor=actor, entity="team", entity_id=team.id, action="update",
            changes={"manager_id": [team.manager_id, manager_id]}, reason=reason, now=now,
        )  # fmt: skip
        team.manager_id = manager_id
    return team


def manages_up(managers: dict[int, int | None], user_id: int, manager_id: int) -> bool:
    """Whether ``user_id`` already stands above ``manager_id`` in the chain (or is them):
    placing the user under that manager would make a loop. Pure."""
    seen: set[int] = set()
    current: int | None = manager_id
    while current is not None and current not in seen:
        if current == user_id:
            return True
        seen.add(current)
        current = managers.get(current)
    return False


def change_user(
    uow: UnitOfWork, *, user_id: int, role: str, team_id: int | None, manager_id: int | None,
    actor: Actor, now: datetime, reason: str | None = None,
) -> t.User:  # fmt: skip
    """Set a user's role, team and manager (each may stay as it was); one audit row lists
    what changed, none if nothing did."""
    require(actor, "user.manage")
    user: t.User | None = repo.get(uow.session, t.User, user_id, for_update=True)
    if user is None:
        raise NotFound(f"user {user_id} not found", fields={"id": "no such user"})
    try:
        new_role = Role(role).value
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            f"unknown role {role!r}", fields={"role": f"must be one of {roles}"}
        ) from None
    if actor.user_id == user.id and new_role != user.role:
        raise Conflict("you cannot change your own role", fields={"role": "your own account"})
    if team_id is not None and uow.session.get(t.Team, team_id) is None:
        raise NotFound(f"team {team_id} not found", fields={"team_id": "no such team"})
    if manager_id is not None:
        _user(uow, manager_id, "manager_id")
        if manages_up(staff.managers_of(uow.session), user.id, manager_id):
            raise ValidationFailed(
                "a user cannot be placed under themselves",
                fields={"manager_id": "would make a loop of managers"},
            )
    changes = {
        name: [old, new]
        for name, old, new in (
            ("role", user.role, new_role),
            ("team_id", user.team_id, team_id),
            ("manager_id", user.manager_id, manager_id),
        )
        if old != new
    }
    if changes:
        user.role, user.team_id, user.manager_id = new_role, team_id, manager_id
        audit.record(
            uow, actor=actor, entity="user", entity_id=user.id, action="update",
            changes=changes, reason=reason, now=now,
        )  # fmt: skip
    return user
