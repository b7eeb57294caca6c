"""Which records an actor may see: the one place every list, page and queue asks (SPEC §18).

``Visibility`` is a plain description (everything, or the records of some owners plus the
unassigned leads); ``storage.visibility`` turns it into a query filter. Today's rule, until
the access issue makes it the playbook's ``[access]`` section: admin, sales_ops and marketing
see every lead; a manager sees their own records and those of the people they manage (directly
or as their team's manager); everyone else sees their own. All of them see unassigned leads,
so a queue nobody owns is never invisible."""

from __future__ import annotations

from dataclasses import dataclass

from bascule.storage import visibility as store
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, Role

SEE_EVERYTHING = frozenset({Role.ADMIN, Role.SALES_OPS, Role.MARKETING})


@dataclass(frozen=True)
class Visibility:
    """``everything``, or the records owned by ``owner_ids`` (and unassigned leads)."""

    everything: bool
    owner_ids: frozenset[int] = frozenset()
    unassigned_leads: bool = True

    @property
    def is_manager(self) -> bool:
        """Sees more than their own records."""
        return self.everything or len(self.owner_ids) > 1


def rule(actor: Actor, managed_ids: frozenset[int]) -> Visibility:
    """The rule itself (pure): the actor and the ids of the users they manage."""
    if actor.user_id is None or actor.role in SEE_EVERYTHING:
        return Visibility(everything=True)
    return Visibility(everything=False, owner_ids=frozenset({actor.user_id}) | managed_ids)


def visible_leads(uow: UnitOfWork, actor: Actor) -> Visibility:
    """What ``actor`` may see of leads (and, today, of opportunities too)."""
    if actor.user_id is None or actor.role in SEE_EVERYTHING:
        return rule(actor, frozenset())
    return rule(actor, frozenset(store.managed_user_ids(uow.session, actor.user_id)))
