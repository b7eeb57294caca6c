"""Privacy queries (SPEC §11, §18): consents, a person's rows by e-mail, what erasure rewrites,
and the leads retention anonymises. Rows that only need a value blanked are updated in place
with one statement each; rows whose JSON or text must be scrubbed are read, passed through the
caller's pure ``scrub`` and written back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, null, or_, select, union_all, update
from sqlalchemy.orm import Session

from bascule.storage import tables as t

Scrub = Callable[[Any], Any]


# --- consents ---------------------------------------------------------------------------------


def consents(
    session: Session, *, lead_ids: Iterable[int] = (), contact_ids: Iterable[int] = ()
) -> list[t.Consent]:
    """Consent rows of these leads and contacts, by purpose."""
    leads, contacts = sorted(set(lead_ids)), sorted(set(contact_ids))
    if not leads and not contacts:
        return []
    c = t.Consent
    return list(
        session.scalars(
            select(c)
            .where(or_(c.lead_id.in_(leads), c.contact_id.in_(contacts)))
            .order_by(c.purpose, c.id)
        )
    )


def consent_for(
    session: Session, *, lead_id: int | None, contact_id: int | None, purpose: str
) -> t.Consent | None:
    c = t.Consent
    person = c.lead_id == lead_id if lead_id is not None else c.contact_id == contact_id
    return session.execute(select(c).where(person, c.purpose == purpose)).scalar_one_or_none()


def copy_consents_to_contact(session: Session, lead_id: int, contact_id: int) -> None:
    """A converted lead's consents become its contact's, where the contact has no answer for
    that purpose yet (one INSERT ... SELECT)."""
    c = t.Consent
    mine = select(c.purpose).where(c.contact_id == contact_id)
    rows = select(
        literal(contact_id).label("contact_id"), c.purpose, c.granted, c.at, c.source,
        c.recorded_at,
    ).where(c.lead_id == lead_id, c.purpose.not_in(mine))  # fmt: skip
    session.execute(
        insert(t.Consent).from_select(
            ["contact_id", "purpose", "granted", "at", "source", "recorded_at"], rows
        )
    )


def held_purposes(session: Session, lead_ids: Sequence[int]) -> set[tuple[int, str]]:
    """(lead id, purpose) of the answers these leads hold."""
    if not lead_ids:
        return set()
    c = t.Consent
    found = session.execute(select(c.lead_id, c.purpose).where(c.lead_id.in_(sorted(lead_ids))))
    return {(int(lead_id or 0), purpose) for lead_id, purpose in found}


def delete_from_source(session: Session, source: str) -> int:
    """The answers still as a source (an import, ``import:<id>``) wrote them."""
    result = session.execute(delete(t.Consent).where(t.Consent.source == source))
    return int(getattr(result, "rowcount", 0) or 0)


def tags_and_consents(
    session: Session, lead_ids: Sequence[int]
) -> tuple[dict[int, list[str]], dict[int, list[dict[str, Any]]]]:
    """Tags and consents of a page of leads in one statement (a list stays at three)."""
    tags: dict[int, list[str]] = {i: [] for i in lead_ids}
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in lead_ids}
    if not lead_ids:
        return tags, found
    ids = list(lead_ids)
    c = t.Consent
    # The consent rows first: the union's columns take their types (times in UTC, booleans).
    consent_rows = select(
        c.lead_id.label("lead_id"), literal("consent").label("what"), c.purpose.label("name"),
        c.granted.label("granted"), c.at.label("at"), c.source.label("source"),
    ).where(c.lead_id.in_(ids))  # fmt: skip
    tag_rows = (
        select(t.LeadTag.lead_id, literal("tag"), t.Tag.name, null(), null(), null())
        .join(t.Tag, t.Tag.id == t.LeadTag.tag_id)
        .where(t.LeadTag.lead_id.in_(ids))
    )
    both = union_all(consent_rows, tag_rows).subquery()
    rows = session.execute(select(both).order_by(both.c.what, both.c.name))
    for lead_id, what, name, granted, at, source in rows:
        if what == "tag":
            tags[lead_id].append(name)
        else:
            found[lead_id].append(
                {"purpose": name, "granted": bool(granted), "at": at, "source": source}
            )
    return tags, found


# --- a person ---------------------------------------------------------------------------------


@dataclass
class PersonRows:
    """Every lead and contact of one e-mail address, and those tied to them by conversion."""

    leads: list[t.Lead] = field(default_factory=list)
    contacts: list[t.Contact] = field(default_factory=list)

    @property
    def lead_ids(self) -> list[int]:
        return [lead.id for lead in self.leads]

    @property
    def contact_ids(self) -> list[int]:
        return [contact.id for contact in self.contacts]


def person(session: Session, email_key: str, *, for_update: bool = False) -> PersonRows:
    """Leads and contacts with this e-mail, plus the contact a lead became and the leads a
    contact came from (their e-mail may have been changed since)."""
    lead_q = select(t.Lead).where(t.Lead.email_key == email_key)
    contact_q = select(t.Contact).where(t.Contact.email_key == email_key)
    if for_update:
        lead_q = lead_q.with_for_update()
        contact_q = contact_q.with_for_update()
    leads = {lead.id: lead for lead in session.scalars(lead_q)}
    contacts = {contact.id: contact for contact in session.scalars(contact_q)}
    linked_contacts = {lead.contact_id for lead in leads.values() if lead.contact_id} - set(
        contacts
    )
    if linked_contacts:
        q = select(t.Contact).where(t.Contact.id.in_(sorted(linked_contacts)))
        contacts.update({c.id: c for c in session.scalars(q)})
    if contacts:
        more = select(t.Lead).where(
            t.Lead.contact_id.in_(sorted(contacts)), t.Lead.id.not_in(sorted(leads) or [0])
        )
        leads.update({lead.id: lead for lead in session.scalars(more)})
    return PersonRows([leads[i] for i in sorted(leads)], [contacts[i] for i in sorted(contacts)])


def _of_person(model: Any, lead_ids: Sequence[int], contact_ids: Sequence[int]) -> Any:
    parts = []
    if lead_ids and hasattr(model, "lead_id"):
        parts.append(model.lead_id.in_(lead_ids))
    if contact_ids and hasattr(model, "contact_id"):
        parts.append(model.contact_id.in_(contact_ids))
    return or_(*parts) if parts else literal(False)


def activities(session: Session, lead_ids: Sequence[int], contact_ids: Sequence[int]) -> list[Any]:
    q = select(t.Activity).where(_of_person(t.Activity, lead_ids, contact_ids))
    return list(session.scalars(q.order_by(t.Activity.occurred_at, t.Activity.id)))


def signals(
    session: Session, lead_ids: Sequence[int], contact_ids: Sequence[int], email_key: str
) -> list[Any]:
    where = or_(_of_person(t.Signal, lead_ids, contact_ids), t.Signal.email_key == email_key)
    return list(session.scalars(select(t.Signal).where(where).order_by(t.Signal.occurred_at)))


def history(session: Session, lead_ids: Sequence[int]) -> list[Any]:
    h = t.LeadStatusHistory
    return list(session.scalars(select(h).where(h.lead_id.in_(lead_ids)).order_by(h.id)))


def audit_rows(session: Session, lead_ids: Sequence[int], contact_ids: Sequence[int]) -> list[Any]:
    a = t.AuditLog
    where = or_(
        and_(a.entity == "lead", a.entity_id.in_(lead_ids)),
        and_(a.entity == "contact", a.entity_id.in_(contact_ids)),
    )
    return list(session.scalars(select(a).where(where).order_by(a.id)))


def alerts_about(
    session: Session, lead_ids: Sequence[int], contact_ids: Sequence[int]
) -> list[Any]:
    """Outbox rows whose payload names one of these leads or contacts."""
    o = t.Outbox
    parts = []
    if lead_ids:
        parts.append(o.payload["lead_id"].as_integer().in_(lead_ids))
    if contact_ids:
        parts.append(o.payload["contact_id"].as_integer().in_(contact_ids))
    if not parts:
        return []
    return list(session.scalars(select(o).where(or_(*parts)).order_by(o.id)))


# --- erasure ----------------------------------------------------------------------------------


def scrub_rows(session: Session, rows: Iterable[Any], columns: Sequence[str], scrub: Scrub) -> int:
    """Pass these columns of ORM rows through ``scrub``; how many rows changed."""
    changed = 0
    for row in rows:
        touched = False
        for name in columns:
            value = getattr(row, name)
            new = scrub(value)
            if new != value:
                setattr(row, name, new)
                touched = True
        changed += touched
    return changed


def erase_signals(
    session: Session, lead_ids: Sequence[int], contact_ids: Sequence[int], email_key: str
) -> int:
    """A person's signals keep their type and time (scores and reports count them), lose
    their properties (pages, answers, free text) and the address they were sent under."""
    s = t.Signal
    where = or_(_of_person(s, lead_ids, contact_ids), s.email_key == email_key)
    result = session.execute(
        update(s).where(where).values(properties={}, email_key=None, workspace=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def delete_consents(session: Session, lead_ids: Sequence[int], contact_ids: Sequence[int]) -> int:
    result = session.execute(delete(t.Consent).where(_of_person(t.Consent, lead_ids, contact_ids)))
    return int(getattr(result, "rowcount", 0) or 0)


def forget_import_changes(session: Session, lead_ids: Sequence[int]) -> None:
    """What an import changed on these leads (their old values): an undo can no longer
    restore them."""
    if lead_ids:
        session.execute(
            update(t.ImportChange).where(t.ImportChange.lead_id.in_(lead_ids)).values(before=None)
        )


def rows_mentioning(session: Session, model: Any, column: str, needles: Sequence[str]) -> list[Any]:
    """Rows of ``model`` whose text ``column`` contains one of ``needles`` (any case)."""
    target = getattr(model, column)
    parts = [func.lower(target).contains(n.lower(), autoescape=True) for n in needles if n]
    if not parts:
        return []
    return list(session.scalars(select(model).where(or_(*parts))))


def deliveries_of(session: Session, outbox_ids: Sequence[int]) -> tuple[list[Any], list[Any]]:
    if not outbox_ids:
        return [], []
    d, a = t.AlertDelivery, t.AlertDeliveryAttempt
    found = list(session.scalars(select(d).where(d.outbox_id.in_(outbox_ids))))
    ids = [row.id for row in found]
    attempts = list(session.scalars(select(a).where(a.delivery_id.in_(ids)))) if ids else []
    return found, attempts


def opportunities_of(session: Session, lead_ids: Sequence[int]) -> list[Any]:
    if not lead_ids:
        return []
    o = t.Opportunity
    return list(session.scalars(select(o).where(o.lead_id.in_(lead_ids))))


def upsells_of(session: Session, lead_ids: Sequence[int], contact_ids: Sequence[int]) -> list[Any]:
    u = t.UpsellSuggestion
    return list(session.scalars(select(u).where(_of_person(u, lead_ids, contact_ids))))


# --- retention --------------------------------------------------------------------------------


def last_activity(session: Session) -> Any:
    """Per lead, the last time anything happened to it: its last update, its last activity,
    its last signal (a subquery: lead_id, last_at)."""
    activity = select(t.Activity.lead_id.label("lead_id"), t.Activity.occurred_at.label("at"))
    signal = select(t.Signal.lead_id.label("lead_id"), t.Signal.occurred_at.label("at"))
    own = select(t.Lead.id.label("lead_id"), t.Lead.updated_at.label("at"))
    every = union_all(own, activity.where(t.Activity.lead_id.is_not(None)),
                      signal.where(t.Signal.lead_id.is_not(None))).subquery()  # fmt: skip
    return (
        select(every.c.lead_id, func.max(every.c.at).label("last_at"))
        .group_by(every.c.lead_id)
        .subquery()
    )


def stale_leads(session: Session, before: datetime, limit: int | None = None) -> list[Any]:
    """Unconverted leads not anonymised yet whose last activity is older than ``before``:
    rows of (id, status, company, created_at, last_at), oldest first."""
    last = last_activity(session)
    lead = t.Lead
    q = (
        select(lead.id, lead.status, lead.company, lead.created_at, last.c.last_at)
        .join(last, last.c.lead_id == lead.id)
        .where(
            lead.anonymised_at.is_(None),
            lead.converted_at.is_(None),
            lead.status != "converted",
            last.c.last_at < before,
        )
        .order_by(last.c.last_at, lead.id)
    )
    if limit is not None:
        q = q.limit(limit)
    return list(session.execute(q))


def leads_by_id(session: Session, ids: Sequence[int]) -> list[t.Lead]:
    if not ids:
        return []
    q = select(t.Lead).where(t.Lead.id.in_(ids)).order_by(t.Lead.id).with_for_update()
    return list(session.scalars(q))
