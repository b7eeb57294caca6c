"""Record access where the records are: the actor's reach, loaded once per transaction, the
check on one record and the condition for lists and reports (SPEC §18).

Every domain service fetching a record for someone asks ``check`` (or ``readable`` /
``editable``); every list and report adds ``where``. A record one may not read is reported
exactly like a missing one (``NotFound``); one read but not editable is ``Forbidden`` with
the reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from bascule.access import rules
from bascule.access.rules import Decision, Owners, Reach, Record
from bascule.errors import Forbidden, NotFound
from bascule.playbook.access import Access
from bascule.playbook.schema import Playbook
from bascule.storage import access as store
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

_CACHE = "bascule.access.reach"


def everything(policy: Access, actor: Actor) -> bool:
    """Reads every record of every kind: no need to know where the actor stands."""
    if actor.role is None or actor.user_id is None:
        return True
    grants = policy.of(actor.role.value)
    return all(
        grants.grant(e).read == "all" and grants.grant(e).edit == "all" for e in rules.ENTITIES
    )


def reach_of(uow: UnitOfWork, actor: Actor, playbook: Playbook) -> Reach:
    """Where ``actor`` stands (cached in the transaction: a request asks several times)."""
    if actor.role is None or actor.user_id is None:
        return Reach(None, None)
    cache: dict[int, Reach] = uow.session.info.setdefault(_CACHE, {})
    found = cache.get(actor.user_id)
    if found is None:
        users, teams = store.people(uow.session)
        found = rules.reach(
            actor.user_id, actor.role.value, users, teams,
            hierarchy=playbook.access.managers_see_their_people,
        )  # fmt: skip
        cache[actor.user_id] = found
    return found


def record_of(entity: str, row: Any) -> Record:
    return Record(entity, row.owner_id, getattr(row, "team_id", None))


def decide(uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, row: Any) -> Decision:
    policy = playbook.access
    record = record_of(entity, row)
    if actor.role is None or actor.user_id is None:
        return Decision(True, True, "")
    if record.owner_id is not None and record.owner_id == actor.user_id:
        # One's own record: no need to know who one manages (saves a read per request).
        shallow = Reach(actor.user_id, actor.role.value)
        return rules.decide(policy, shallow, record)
    if everything(policy, actor):
        return Decision(True, True, "")
    return rules.decide(policy, reach_of(uow, actor, playbook), record)


def check(
    uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, row: Any, *, edit: bool = False
) -> None:
    """``NotFound`` (as if it did not exist) unless ``actor`` may read ``row``; with ``edit``,
    ``Forbidden`` with the reason unless they may change it too."""
    decision = decide(uow, actor, playbook, entity, row)
    if not decision.read:
        raise NotFound(f"{entity} {row.id} not found", fields={"id": f"no such {entity}"})
    if edit and not decision.edit:
        raise Forbidden(decision.reason, fields={"owner_id": decision.reason})


def owners(uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str) -> Owners:
    """The records of ``entity`` ``actor`` may read, as sets (for lists and reports)."""
    if everything(playbook.access, actor):
        return rules.ALL
    return rules.owners(playbook.access, reach_of(uow, actor, playbook), entity)


def where(
    uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, *, model: Any = None
) -> ColumnElement[bool] | None:
    """The one SQL condition a list or a report of ``entity`` adds (None: every record). The
    actor's place rides in it as subqueries: no statement of its own."""
    if actor.role is None or actor.user_id is None:
        return None
    scope = rules.scope_of(playbook.access, Reach(actor.user_id, actor.role.value), entity, "read")
    return store.condition(
        entity, scope, actor.user_id, hierarchy=playbook.access.managers_see_their_people,
        model=model, postgresql=not uow.is_sqlite,
    )  # fmt: skip


def where_owner(
    uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, column: Any
) -> ColumnElement[bool] | None:
    """A condition on another table's owner column (an SLA clock's, an import's user): the
    rows owned by someone whose ``entity`` records ``actor`` may read."""
    if actor.role is None or actor.user_id is None:
        return None
    scope = rules.scope_of(playbook.access, Reach(actor.user_id, actor.role.value), entity, "read")
    if scope in ("all", "none"):
        return (
            None
            if scope == "all"
            else store.condition(entity, scope, actor.user_id, hierarchy=False)
        )
    hierarchy = playbook.access.managers_see_their_people
    people = store.managed(actor.user_id) if hierarchy else None
    return store.owned_within(
        column, actor.user_id, scope, people=people, postgresql=not uow.is_sqlite
    )


def sees_amounts(uow: UnitOfWork, actor: Actor, playbook: Playbook) -> bool:
    if actor.role is None:
        return True
    return rules.sees_amounts(playbook.access, Reach(actor.user_id, actor.role.value))


def reads_owner(
    uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, owner_id: int | None
) -> bool:
    """Whether ``actor`` reads the ``entity`` records of ``owner_id`` (an import's user, say)."""
    found = owners(uow, actor, playbook, entity)
    return found.ids is None or (owner_id is not None and owner_id in found.ids)
