"""Consents per purpose on leads and contacts (SPEC §18): recorded from the API, the public
forms and conversion, read with the lead or contact. One row per person and purpose holds the
latest answer; every change is an audit row (``consent``), so the history stays."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bascule.audit import service as audit
from bascule.playbook.schema import Playbook
from bascule.privacy.model import check_consents
from bascule.storage import privacy as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor


def as_read(row: t.Consent) -> dict[str, Any]:
    return {"purpose": row.purpose, "granted": row.granted, "at": row.at, "source": row.source}


def record(
    uow: UnitOfWork,
    *,
    items: Sequence[Mapping[str, Any]] | None,
    lead_id: int | None = None,
    contact_id: int | None = None,
    source: str,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> None:
    """Set the answers given for these purposes (the others are kept). An answer older than
    the one held does not replace it: a form replayed late cannot undo a withdrawal."""
    if not items:
        return
    answers = check_consents(
        items, purposes=playbook.privacy.consent_purposes, default_source=source, now=now
    )
    changes: dict[str, Any] = {}
    for answer in answers:
        row = store.consent_for(
            uow.session, lead_id=lead_id, contact_id=contact_id, purpose=answer.purpose
        )
        if row is not None and row.at > answer.at:
            continue
        if row is None:
            row = t.Consent(lead_id=lead_id, contact_id=contact_id, purpose=answer.purpose)
            uow.session.add(row)
            before = None
        else:
            before = row.granted
        row.granted, row.at, row.source, row.recorded_at = (
            answer.granted, answer.at, answer.source, now,
        )  # fmt: skip
        if before != answer.granted:
            changes[answer.purpose] = [before, answer.granted]
    uow.session.flush()
    if changes:
        entity, entity_id = ("lead", lead_id) if lead_id is not None else ("contact", contact_id)
        audit.record(
            uow, actor=actor, entity=entity, entity_id=int(entity_id or 0), action="consent",
            changes=changes, reason=source, now=now,
        )  # fmt: skip


def of_lead(uow: UnitOfWork, lead_id: int) -> list[dict[str, Any]]:
    return [as_read(r) for r in store.consents(uow.session, lead_ids=[lead_id])]


def of_contacts(uow: UnitOfWork, contact_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in contact_ids}
    for row in store.consents(uow.session, contact_ids=contact_ids):
        found.setdefault(row.contact_id or 0, []).append(as_read(row))
    return found


def tags_and_consents(
    uow: UnitOfWork, lead_ids: Sequence[int]
) -> tuple[dict[int, list[str]], dict[int, list[dict[str, Any]]]]:
    """A page of leads' tags and consents in one statement."""
    return store.tags_and_consents(uow.session, lead_ids)


def copy_to_contact(uow: UnitOfWork, *, lead_id: int, contact_id: int) -> None:
    """Conversion: the person's answers follow them from the lead to the contact."""
    store.copy_consents_to_contact(uow.session, lead_id, contact_id)
