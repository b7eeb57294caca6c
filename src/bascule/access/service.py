"""Record access where the records are: the actor's reach, loaded once per transaction, the
check on one record and the conditions for lists and reports (SPEC §18), both from the same
sets (``access.rules.owners``).

Every domain service fetching a record for someone asks ``check`` (or ``readable`` /
``editable``); every list and report adds ``where``. A record one may not read is reported
exactly like a missing one (``NotFound``); one read but not editable is ``Forbidden`` with
the reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_

from bascule.access import people as everyone
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
    """Where ``actor`` stands (cached in the transaction: a request asks several times; the
    rows it is worked out from are kept a few seconds by the process, ``access.people``)."""
    if actor.role is None or actor.user_id is None:
        return Reach(None, None)
    cache: dict[int, Reach] = uow.session.info.setdefault(_CACHE, {})
    found = cache.get(actor.user_id)
    if found is None:
        users, teams = everyone.people(uow)
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
    assert actor.user_id is not None and actor.role is not None  # ``everything`` otherwise
    scope = rules.scope_of(playbook.access, Reach(actor.user_id, actor.role.value), entity, "read")
    if scope == "all":
        return rules.ALL  # no need to know where the actor stands
    if scope == "none":
        return rules.NOTHING
    return rules.owners(playbook.access, reach_of(uow, actor, playbook), entity)


def readable_parts(
    uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, *, model: Any = None
) -> list[ColumnElement[bool]] | None:
    """What a list or a report of ``entity`` may read as disjoint SQL conditions (their union;
    None: every record), with the actor's owners and queues as literal ids: one statement
    (``reach_of``, once per transaction) unless the actor reads everything. A count adds one
    count per part, each served by an index."""
    found = owners(uow, actor, playbook, entity)
    return store.readable(
        entity, found.ids, queues=found.queues, unowned=found.unowned, model=model
    )


def where(
    uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, *, model: Any = None
) -> ColumnElement[bool] | None:
    """The one SQL condition a list or a report of ``entity`` adds (None: every record)."""
    parts = readable_parts(uow, actor, playbook, entity, model=model)
    if parts is None:
        return None
    return parts[0] if len(parts) == 1 else or_(*parts)


def where_owner(
    uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, column: Any
) -> ColumnElement[bool] | None:
    """A condition on another table's owner column (an SLA clock's, an import's user): the
    rows owned by someone whose ``entity`` records ``actor`` may read."""
    return store.owned_by(column, owners(uow, actor, playbook, entity).ids)


def sees_amounts(uow: UnitOfWork, actor: Actor, playbook: Playbook) -> bool:
    return amounts_visible(actor, playbook)


def amounts_visible(actor: Actor, playbook: Playbook) -> bool:
    """SPEC §18's field rule for one actor: a rule or system job (no role) sees every amount.
    Needs no database: pages decide with it while they render."""
    if actor.role is None:
        return True
    return rules.sees_amounts(playbook.access, Reach(actor.user_id, actor.role.value))


def reads_owner(
    uow: UnitOfWork, actor: Actor, playbook: Playbook, entity: str, owner_id: int | None
) -> bool:
    """Whether ``actor`` reads the ``entity`` records of ``owner_id`` (an import's user, say)."""
    found = owners(uow, actor, playbook, entity)
    return found.ids is None or (owner_id is not None and owner_id in found.ids)
