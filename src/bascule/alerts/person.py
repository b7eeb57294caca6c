"""An e-mail to a lead or contact (SPEC §11): the one way Bascule writes to a person. Refused
at once when they asked not to be contacted; otherwise queued in the outbox, and checked again
by the worker when it is sent (``alerts.rules.plan_person``), so a flag set meanwhile holds."""

from __future__ import annotations

import secrets
from datetime import datetime

from bascule.alerts import outbox
from bascule.audit import service as audit
from bascule.errors import Conflict, NotFound, ValidationFailed
from bascule.storage import outbox as outbox_store
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require


class DoNotContact(Conflict):
    code = "do_not_contact"


def send(
    uow: UnitOfWork,
    *,
    lead_id: int | None = None,
    contact_id: int | None = None,
    subject: str,
    body: str,
    actor: Actor,
    now: datetime,
) -> int:
    """Queue the message; the outbox row's id."""
    require(actor, "lead.write" if lead_id is not None else "contact.write")
    model, entity, id_ = (t.Lead, "lead", lead_id) if lead_id is not None else (
        t.Contact, "contact", contact_id)  # fmt: skip
    person = repo.get(uow.session, model, int(id_ or 0))
    if person is None:
        raise NotFound(f"{entity} {id_} not found", fields={"id": f"no such {entity}"})
    if person.do_not_contact:
        raise DoNotContact(
            f"this {entity} asked not to be contacted", fields={"do_not_contact": "true"}
        )
    if not person.email:
        raise ValidationFailed(f"this {entity} has no e-mail address", fields={"email": "none"})
    key = f"message:{entity}:{person.id}:{secrets.token_hex(8)}"
    outbox.enqueue_message_to_person(
        uow, lead_id=lead_id, contact_id=contact_id, subject=subject, body=body,
        idempotency_key=key, now=now,
    )  # fmt: skip
    audit.record(
        uow, actor=actor, entity=entity, entity_id=person.id, action="message",
        changes={"subject": [None, subject]}, now=now,
    )  # fmt: skip
    return outbox_store.id_by_key(uow.session, key)
