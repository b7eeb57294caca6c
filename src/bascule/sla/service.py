"""First-response clocks (SPEC §9). In progress: the functions below are the hooks the lead
services call; their bodies land with the SLA clock work."""

from __future__ import annotations

from datetime import datetime

from bascule.playbook.schema import Playbook
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork


def on_assigned(uow: UnitOfWork, lead: t.Lead, *, now: datetime, playbook: Playbook) -> None:
    """The lead was just given to ``lead.owner_id`` (or taken from its owner: None): start,
    restart or stop its first-response clock. Called in the assignment's transaction."""
    return None
