"""Erasure of a person (SPEC §11, §18: the right to be forgotten), and the anonymisation
retention applies to old unconverted leads.

The person's rows stay, so that every count and amount of the reports stays what it was (a
lead still counts in its funnel stage, its signals in its score, its opportunity in the
pipeline); what says who they are goes: identity fields, free text, signals' properties, the
values of their audit rows, the messages and alerts about them and the addresses those were
sent to. Their consents are deleted and they are marked do-not-contact. Mentions of their
name or address in other free text of their records (notes, reasons) are replaced by
``[erased]``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bascule.accounts.model import normalise_email
from bascule.audit import service as audit
from bascule.errors import ValidationFailed
from bascule.leads.fields import search_text
from bascule.privacy.model import (
    ERASED,
    IDENTITY_FIELDS,
    erase_changes,
    erase_qualification,
    scrubber,
)
from bascule.privacy.model import fragments as identity_fragments
from bascule.storage import privacy as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require


@dataclass(frozen=True)
class Erased:
    """How many rows of each kind were anonymised."""

    leads: int = 0
    contacts: int = 0
    activities: int = 0
    signals: int = 0
    consents: int = 0
    audit_rows: int = 0
    alerts: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def erase(uow: UnitOfWork, *, email: str, reason: str, actor: Actor, now: datetime) -> Erased:
    """Anonymise everything held about the person with this e-mail (admin only; audited with
    the reason). Erasing someone already erased, or unknown, erases nothing."""
    require(actor, "privacy.erase")
    email_key = normalise_email(email)
    if not email_key or "@" not in email_key:
        raise ValidationFailed("an e-mail address is needed", fields={"email": "not an address"})
    if not reason.strip():
        raise ValidationFailed("say why the person is erased", fields={"reason": "required"})
    found = store.person(uow.session, email_key, for_update=True)
    return anonymise(
        uow, found, email_key=email_key, reason=reason, actor=actor, action="erase", now=now
    )


def anonymise(
    uow: UnitOfWork,
    found: store.PersonRows,
    *,
    email_key: str | None,
    reason: str,
    actor: Actor,
    action: str,
    now: datetime,
) -> Erased:
    """Anonymise these leads and contacts and everything about them, in the caller's
    transaction (``action``: ``erase`` on request, ``retention`` by the worker)."""
    session = uow.session
    values: list[str | None] = [email_key]
    for row in [*found.leads, *found.contacts]:
        values.extend(getattr(row, name) for name in IDENTITY_FIELDS)
    needles = identity_fragments(values)
    scrub = scrubber(needles)
    lead_ids, contact_ids = found.lead_ids, found.contact_ids

    for lead in found.leads:
        for name in IDENTITY_FIELDS:
            setattr(lead, name, None)
        lead.email_key = lead.external_id = lead.attributes = None
        lead.company = scrub(lead.company)
        lead.qualification = erase_qualification(lead.qualification, scrub)
        lead.conversion_reasons = scrub(lead.conversion_reasons)
        lead.disqualification_reason = scrub(lead.disqualification_reason)
        lead.search_text = search_text({"company": lead.company})
        lead.do_not_contact = True
        lead.anonymised_at = lead.anonymised_at or now
        lead.updated_at = now
    for contact in found.contacts:
        for name in IDENTITY_FIELDS:
            setattr(contact, name, None)
        contact.email_key = None
        contact.do_not_contact = True
        contact.anonymised_at = contact.anonymised_at or now
        contact.updated_at = now

    activities = store.activities(session, lead_ids, contact_ids)
    for activity in activities:
        # A note or a call summary is free text about the person: nothing of it is kept.
        activity.summary = ERASED if activity.summary else activity.summary
        activity.details = scrub(activity.details)
    signals = store.erase_signals(session, lead_ids, contact_ids, email_key or "")
    consents = store.delete_consents(session, lead_ids, contact_ids)
    store.forget_import_changes(session, lead_ids)
    store.scrub_rows(session, store.history(session, lead_ids), ["reason"], scrub)
    for opportunity in store.opportunities_of(session, lead_ids):
        # Born of the lead: its qualification is the lead's answers, its description free text.
        opportunity.qualification = erase_qualification(opportunity.qualification, scrub)
        opportunity.description = scrub(opportunity.description)
    store.scrub_rows(session, store.upsells_of(session, lead_ids, contact_ids), ["summary"], scrub)
    audit_rows = store.audit_rows(session, lead_ids, contact_ids)
    for row in audit_rows:
        row.changes = erase_changes(row.changes or {}, scrub)
        row.reason = scrub(row.reason)
    alerts = _erase_alerts(session, lead_ids, contact_ids, scrub)
    if needles:
        # Text elsewhere that quotes the address: an import's rejected rows.
        store.scrub_rows(
            session, store.rows_mentioning(session, t.ImportRowError, "reason", needles[:1]),
            ["reason"], scrub,
        )  # fmt: skip
    session.flush()
    said = scrub(reason.strip())[:2000]
    for entity, ids in (("lead", lead_ids), ("contact", contact_ids)):
        for entity_id in ids:
            audit.record(
                uow, actor=actor, entity=entity, entity_id=entity_id, action=action,
                changes={"erased": list(IDENTITY_FIELDS)}, reason=said, now=now,
            )  # fmt: skip
    return Erased(
        leads=len(lead_ids), contacts=len(contact_ids), activities=len(activities),
        signals=signals, consents=consents, audit_rows=len(audit_rows), alerts=alerts,
    )  # fmt: skip


def _erase_alerts(session: Any, lead_ids: list[int], contact_ids: list[int], scrub: Any) -> int:
    """Alerts and messages about the person: their words scrubbed, a message's subject and
    body gone, the address it was sent to gone from its deliveries."""
    alerts = store.alerts_about(session, lead_ids, contact_ids)
    for alert in alerts:
        payload = scrub(dict(alert.payload or {}))
        if alert.channel == "person_email":
            payload["subject"] = payload["body"] = ERASED
        alert.payload = payload
        alert.last_error = scrub(alert.last_error)
    deliveries, attempts = store.deliveries_of(session, [a.id for a in alerts])
    for delivery in deliveries:
        if delivery.channel == "person_email":
            delivery.target = ERASED
        delivery.last_error = scrub(delivery.last_error)
    store.scrub_rows(session, attempts, ["error"], scrub)
    return len(alerts)
