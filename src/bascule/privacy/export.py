"""Export of everything held about a person (SPEC §18, RGPD right of access): their leads and
contacts with every stored field, activities, signals, consents, status history and audit
rows, as one JSON document. Admin only; the export itself is audited (who asked, when)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bascule.accounts.model import normalise_email
from bascule.audit import service as audit
from bascule.errors import ValidationFailed
from bascule.privacy.consents import as_read
from bascule.storage import privacy as store
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require

# Columns that are the database's own bookkeeping, not something held about the person.
_INTERNAL = frozenset({"search_text", "email_key", "name_key"})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _row(row: Any) -> dict[str, Any]:
    """Every column of an ORM row, as JSON values."""
    table = row.__table__
    return {c.key: _plain(getattr(row, c.key)) for c in table.columns if c.key not in _INTERNAL}


def export(uow: UnitOfWork, *, email: str, actor: Actor, now: datetime) -> dict[str, Any]:
    """The person's document; ``found`` is false when nothing is held about the address."""
    require(actor, "privacy.export")
    email_key = normalise_email(email)
    if not email_key or "@" not in email_key:
        raise ValidationFailed("an e-mail address is needed", fields={"email": "not an address"})
    session = uow.session
    found = store.person(session, email_key)
    lead_ids, contact_ids = found.lead_ids, found.contact_ids
    consents = store.consents(session, lead_ids=lead_ids, contact_ids=contact_ids)
    document = {
        "email": email_key,
        "exported_at": now.isoformat(),
        "found": bool(lead_ids or contact_ids),
        "leads": [_row(r) for r in found.leads],
        "contacts": [_row(r) for r in found.contacts],
        "consents": [
            {"lead_id": c.lead_id, "contact_id": c.contact_id, **_jsonable(as_read(c))}
            for c in consents
        ],
        "activities": [_row(r) for r in store.activities(session, lead_ids, contact_ids)],
        "signals": [_row(r) for r in store.signals(session, lead_ids, contact_ids, email_key)],
        "history": [_row(r) for r in store.history(session, lead_ids)],
        "audit": [_row(r) for r in store.audit_rows(session, lead_ids, contact_ids)],
    }
    for entity, ids in (("lead", lead_ids), ("contact", contact_ids)):
        for entity_id in ids:
            audit.record(
                uow, actor=actor, entity=entity, entity_id=entity_id, action="privacy_export",
                now=now,
            )  # fmt: skip
    return document


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in values.items()}
