"""What the lead page's buttons do beyond the API's one call each (issue 11): reassigning a
lead, which the page offers to managers only, and adding or removing one tag. Both go through
``leads.service.update``, the API's ``PATCH /leads/{id}``: same checks, history and audit."""

from __future__ import annotations

from datetime import datetime

from bascule.errors import Forbidden, ValidationFailed
from bascule.leads import service as leads
from bascule.leads.fields import MAX_TAG_LENGTH, MAX_TAGS
from bascule.playbook.schema import Playbook
from bascule.storage import lead_page as store
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, Role

# Roles that give leads to people whoever they manage; anyone else only if they manage a team
# or people (SPEC §9: a manager hands work out).
ASSIGNING_ROLES = frozenset({Role.ADMIN, Role.SALES_OPS})


def may_reassign(role: Role | None, manages_others: bool) -> bool:
    """Pure: who may give a lead to someone else from the lead page."""
    return role in ASSIGNING_ROLES or manages_others


def can_reassign(uow: UnitOfWork, actor: Actor) -> bool:
    if actor.role in ASSIGNING_ROLES or actor.user_id is None:
        return actor.role in ASSIGNING_ROLES  # without a query
    return may_reassign(actor.role, store.manages_anyone(uow.session, actor.user_id))


def reassign(
    uow: UnitOfWork,
    *,
    lead_id: int,
    owner_id: int | None,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> t.Lead:
    if not can_reassign(uow, actor):
        raise Forbidden(
            "only a manager, sales operations or an administrator reassigns a lead",
            fields={"owner_id": "managers only"},
        )
    changes = {"owner_id": owner_id}
    return leads.update(
        uow, lead_id=lead_id, changes=changes, actor=actor, playbook=playbook, now=now
    )


def _tags(uow: UnitOfWork, lead_id: int) -> list[str]:
    leads.get(uow, lead_id)  # a lead that does not exist answers 404, not an empty list
    return repo.tags_by_lead(uow.session, [lead_id])[lead_id]


def add_tag(
    uow: UnitOfWork, *, lead_id: int, tag: str, actor: Actor, playbook: Playbook, now: datetime
) -> t.Lead:
    name = " ".join((tag or "").split()).lower()
    if not name:
        raise ValidationFailed("a tag needs a name", fields={"tag": "required"})
    if len(name) > MAX_TAG_LENGTH:
        raise ValidationFailed(
            "the tag is too long", fields={"tag": f"at most {MAX_TAG_LENGTH} characters"}
        )
    current = _tags(uow, lead_id)
    if name not in current and len(current) >= MAX_TAGS:
        raise ValidationFailed("too many tags", fields={"tag": f"at most {MAX_TAGS} tags"})
    changes = {"tags": [*current, name]}
    return leads.update(
        uow, lead_id=lead_id, changes=changes, actor=actor, playbook=playbook, now=now
    )


def remove_tag(
    uow: UnitOfWork, *, lead_id: int, tag: str, actor: Actor, playbook: Playbook, now: datetime
) -> t.Lead:
    changes = {"tags": [name for name in _tags(uow, lead_id) if name != tag]}
    return leads.update(
        uow, lead_id=lead_id, changes=changes, actor=actor, playbook=playbook, now=now
    )
