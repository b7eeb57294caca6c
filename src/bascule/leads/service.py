"""Lead use cases: create (with dedupe), update, activities, qualification, status changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bascule.access import service as access
from bascule.accounts import service as accounts
from bascule.accounts.identity import check_email, check_phone
from bascule.accounts.model import normalise_email
from bascule.audit import service as audit
from bascule.errors import Conflict, DuplicateLead, ExistingCustomer, NotFound, ValidationFailed
from bascule.leads import assignment
from bascule.leads.fields import SEARCHED, WRITABLE, search_text
from bascule.leads.model import (
    LeadStatus,
    StatusChange,
    check_transition,
)
from bascule.leads.qualification import qualify_lead
from bascule.leads.status import record_creation, record_status_change
from bascule.playbook.schema import Playbook
from bascule.playbook.sla import RESPONSE_KINDS
from bascule.privacy import consents
from bascule.scoring import service as scoring
from bascule.signals import service as signals
from bascule.sla import followup
from bascule.sla import service as sla
from bascule.storage import people
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require

CLOSED = (LeadStatus.CONVERTED.value, LeadStatus.DISQUALIFIED.value)


def get(uow: UnitOfWork, lead_id: int, *, for_update: bool = False) -> t.Lead:
    """The lead, whoever asks (rules, jobs): a user's request goes through ``read`` or
    ``editable``, which check their access."""
    lead: t.Lead | None = repo.get(uow.session, t.Lead, lead_id, for_update=for_update)
    if lead is None:
        raise NotFound(f"lead {lead_id} not found", fields={"id": "no such lead"})
    return lead


def read(uow: UnitOfWork, lead_id: int, *, actor: Actor, playbook: Playbook) -> t.Lead:
    """The lead if ``actor`` may read it; else ``NotFound``, as if it did not exist."""
    lead = get(uow, lead_id)
    access.check(uow, actor, playbook, "lead", lead)
    return lead


def listed(
    uow: UnitOfWork,
    flt: repo.LeadFilter,
    *,
    actor: Actor,
    playbook: Playbook,
    count_up_to: int | None = None,
    with_tags: bool = False,
    with_consents: bool = False,
) -> repo.LeadRows:
    """A page of the leads ``actor`` may read that match ``flt``, and their total (counted up
    to ``count_up_to`` when given), with their tags and consents if asked
    (``storage.repositories.lead_page``)."""
    readable = access.readable_parts(uow, actor, playbook, "lead")
    return repo.lead_page(
        uow.session, replace(flt, readable=readable), with_tags=with_tags,
        with_consents=with_consents, count_up_to=count_up_to,
    )  # fmt: skip


def editable(uow: UnitOfWork, lead_id: int, *, actor: Actor, playbook: Playbook) -> t.Lead:
    """The lead, locked, if ``actor`` may change it: ``NotFound`` unless they may read it,
    ``Forbidden`` (with the reason) unless they may edit it."""
    lead = get(uow, lead_id, for_update=True)
    access.check(uow, actor, playbook, "lead", lead, edit=True)
    return lead


def _clean(data: dict[str, Any], playbook: Playbook, uow: UnitOfWork) -> dict[str, Any]:
    """Validate what the API schema cannot know: playbook keys, e-mail, phone, owner."""
    errors: dict[str, str] = {}
    clean = dict(data)
    if "email" in clean:
        clean["email"], err = check_email(clean["email"])
        if err:
            errors["email"] = err
    if "phone" in clean:
        clean["phone"], err = check_phone(clean["phone"], playbook.general.country)
        if err:
            errors["phone"] = err
    if clean.get("source") is not None and clean["source"] not in playbook.lead_source_keys:
        errors["source"] = f"must be one of {', '.join(playbook.lead_source_keys)}"
    if clean.get("country"):
        clean["country"] = str(clean["country"]).upper()
    for key in ("source", "kind", "do_not_contact"):
        if key in clean and clean[key] is None:
            errors[key] = "cannot be empty"
    owner_id = clean.get("owner_id")
    if owner_id is not None:
        owner = uow.session.get(t.User, owner_id)
        if owner is None or not owner.is_active:
            errors["owner_id"] = "no such active user"
    if errors:
        raise ValidationFailed("some lead fields are invalid", fields=errors)
    return clean


def _search_text(lead: t.Lead) -> str:
    return search_text({name: getattr(lead, name) for name in SEARCHED})


def lock_email(uow: UnitOfWork, email_key: str) -> None:
    """Two submissions of one address take turns: the second is merged into the first. Taken
    once per transaction, before the existing-customer check (``accounts.customer_of``); a lead
    being created takes it with the rest of ``look_up``."""
    repo.serialize(uow.session, "lead-email", email_key)


def look_up(uow: UnitOfWork, email_key: str) -> people.Known:
    """Take an e-mail's locks (``lock_email``'s and its pending signals'), then read what it
    already is: its contact and account (for ``accounts.customer_among``), its open lead,
    whether signals wait for it. Two statements, once per transaction, before ``take_in``."""
    people.lock_email(uow.session, email_key)
    return people.look_up(uow.session, email_key)


@dataclass(frozen=True)
class TakenIn:
    """A lead just created, or the open lead of its e-mail enriched, not scored yet unless
    ``scored`` (a new lead scored from its profile before its INSERT). ``read_signals`` and
    ``lock`` are what ``scoring.score_lead`` needs to know about it."""

    lead: t.Lead
    created: bool
    read_signals: bool | None
    scored: bool = False

    @property
    def lock(self) -> bool:
        # A merged lead was found by its e-mail, without a row lock: scoring takes it.
        return not self.created


def create(
    uow: UnitOfWork, *, data: dict[str, Any], actor: Actor, playbook: Playbook, now: datetime
) -> tuple[t.Lead, bool]:
    """Create a lead, or merge into the open lead with the same e-mail. Returns (lead, created)."""
    require(actor, "lead.write")
    # The key ``take_in`` will compute (an invalid address is its error to report).
    email, invalid = check_email(data.get("email"))
    email_key = None if invalid else normalise_email(email)
    known = look_up(uow, email_key) if email_key else None
    if known is not None:
        customer = accounts.customer_among(known.contact, known.account)
        if customer is not None:
            contact, account = customer
            raise ExistingCustomer(
                "this person is a contact of a customer account: no lead is created",
                fields={"email": f"contact {contact.id} of customer account {account.id}"},
                account_id=account.id,
                contact_id=contact.id,
            )
    taken = take_in(uow, data=data, actor=actor, playbook=playbook, now=now, known=known)
    if not taken.created and not access.decide(uow, actor, playbook, "lead", taken.lead).read:
        # The e-mail is an open lead the caller may not read: neither merged nor shown.
        raise Conflict(
            "an open lead with this e-mail exists and belongs to someone else",
            fields={"email": "already used by an open lead you may not read"},
        )
    if not taken.scored:
        scoring.score_lead(
            uow, taken.lead, now=now, playbook=playbook, read_signals=taken.read_signals,
            lock=taken.lock,
        )  # fmt: skip
    return taken.lead, taken.created


def take_in(
    uow: UnitOfWork,
    *,
    data: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
    known: people.Known | None = None,
    prefill: bool = True,
) -> TakenIn:
    """``create`` without its lock, its customer check and its scoring, for a caller that took
    the e-mail's lock (``look_up``, whose answer is ``known``), applied the customer rule and
    scores the lead once at its end. ``prefill``: a new lead is scored from its profile before
    its INSERT when it can be (``scoring.prefill``); a public form, which scores its own signal
    with the lead, says False."""
    require(actor, "lead.write")
    tags = data.pop("tags", None) or []
    # Set by intake, not by API clients: the public form that asked for contact, what SLA
    # and routing rules match (a later form on a known lead replaces it).
    form_type = data.pop("form_type", None)
    # Answers per purpose (SPEC §18), from a client ("api") or a public form.
    answers = data.pop("consents", None)
    source = f"form:{form_type}" if form_type else "api"
    data = {k: v for k, v in data.items() if v is not None}
    clean = _clean(data, playbook, uow)
    clean.setdefault("source", "other")
    email_key = normalise_email(clean.get("email"))
    if not email_key and not (clean.get("last_name") or clean.get("company")):
        raise ValidationFailed(
            "a lead needs at least an e-mail, a last name or a company",
            fields={"email": "required when last_name and company are empty"},
        )
    session = uow.session
    if email_key and known is None:
        known = look_up(uow, email_key)
    if known is not None:
        existing = known.open_lead
        if existing is not None:
            if form_type is not None:
                existing.form_type = form_type
            owner_id = clean.pop("owner_id", None)
            _merge(uow, existing, clean, tags, actor, now)
            consents.record(
                uow, items=answers, lead_id=existing.id, source=source, actor=actor,
                playbook=playbook, now=now,
            )  # fmt: skip
            if existing.owner_id is None:
                # Nobody owned it: asking again (a demo after a white paper) routes it now.
                assignment.assign_new(
                    uow, existing, owner_id=owner_id, actor=actor, playbook=playbook, now=now
                )
            return TakenIn(existing, created=False, read_signals=None)

    lead = t.Lead(
        **{k: v for k, v in clean.items() if k in WRITABLE and k != "owner_id"},
        email_key=email_key,
        status=LeadStatus.NEW.value,
        created_at=now,
        updated_at=now,
        score=0,
        score_explanation=[],
        form_type=form_type,
    )
    lead.search_text = _search_text(lead)
    # Its owner (the one given, else routing's, else the creating user's), its first-response
    # deadline and its score are decided before its INSERT: one write of the row and its
    # indexes rather than an INSERT and an UPDATE of owner and score right after.
    placed = assignment.place_new(
        uow, lead, owner_id=clean.get("owner_id"), actor=actor, playbook=playbook, now=now
    )
    pending = known is not None and known.pending
    # With signals waiting, the score needs them: ``score_lead`` reads them after the INSERT.
    scored = prefill and not pending and scoring.prefill(lead, now=now, playbook=playbook)
    session.add(lead)
    assignment.place_unwritten(uow, lead, placed, now=now, playbook=playbook)
    session.flush()
    # Signals that arrived for this e-mail before anyone knew the person are theirs now
    # (``look_up`` said whether there are any, under the lock that keeps new ones out).
    attached = signals.attach_pending(uow, email_key=email_key, lead_id=lead.id) if pending else 0
    record_creation(uow, lead, actor=actor, now=now)
    assignment.record_placed(uow, lead, placed, actor=actor, now=now)
    consents.record(
        uow, items=answers, lead_id=lead.id, source=source, actor=actor, playbook=playbook,
        now=now,
    )  # fmt: skip
    if tags:
        repo.set_lead_tags(session, lead.id, tags)
    audit.record(
        uow,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        action="create",
        changes={k: [None, audit.jsonable(v)] for k, v in clean.items() if v is not None},
        now=now,
    )
    return TakenIn(lead, created=True, read_signals=attached > 0, scored=scored)


def _merge(
    uow: UnitOfWork,
    lead: t.Lead,
    clean: dict[str, Any],
    tags: list[str],
    actor: Actor,
    now: datetime,
) -> None:
    """A second submission enriches the open lead (never blanks a field) and is kept as a signal."""
    before = {k: getattr(lead, k) for k in WRITABLE}
    for key, value in clean.items():
        if key in WRITABLE and value not in (None, "") and getattr(lead, key) in (None, ""):
            setattr(lead, key, value)
    lead.search_text = _search_text(lead)
    lead.updated_at = now
    if tags:
        current = repo.tags_by_lead(uow.session, [lead.id])[lead.id]
        repo.set_lead_tags(uow.session, lead.id, [*current, *tags])
    uow.session.add(
        t.Activity(
            kind="signal",
            direction="in",
            summary=f"submitted again (source: {clean.get('source')})",
            occurred_at=now,
            created_at=now,
            user_id=actor.user_id,
            lead_id=lead.id,
            details={"type": "duplicate_submission", "source": clean.get("source")},
        )
    )
    audit.record(
        uow,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        action="merge",
        changes=audit.diff(before, {k: getattr(lead, k) for k in WRITABLE}),
        now=now,
    )


def update(
    uow: UnitOfWork,
    *,
    lead_id: int,
    changes: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> t.Lead:
    require(actor, "lead.write")
    lead = editable(uow, lead_id, actor=actor, playbook=playbook)
    if lead.status == LeadStatus.CONVERTED:
        raise ValidationFailed(
            "a converted lead is read-only: edit its contact, account or opportunity",
            fields={"status": "converted"},
        )
    tags = changes.pop("tags", None)
    answers = changes.pop("consents", None)
    reason = audit.take_reason(changes)
    clean = _clean(changes, playbook, uow)
    new_owner = clean.pop("owner_id", lead.owner_id)
    if clean.get("email"):
        email_key = normalise_email(clean["email"]) or ""
        lock_email(uow, email_key)
        other = repo.open_lead_by_email(uow.session, email_key)
        if other is not None and other.id != lead.id and lead.status not in CLOSED:
            raise DuplicateLead(other.id)
    before = {k: getattr(lead, k) for k in clean}
    for key, value in clean.items():
        setattr(lead, key, value)
    attached = 0
    if "email" in clean:
        lead.email_key = normalise_email(lead.email)
        if lead.status not in CLOSED:
            attached = signals.attach_pending(uow, email_key=lead.email_key, lead_id=lead.id)
    if new_owner != lead.owner_id:
        owner = uow.session.get(t.User, new_owner) if new_owner is not None else None
        assignment.assign(
            uow, lead, owner_id=new_owner, actor=actor,
            reason=assignment.by_user_reason(owner, actor, why=reason), now=now,
            playbook=playbook,
        )  # fmt: skip
    identity = ("email", "last_name", "company")
    # Imported leads may be known by their external id (or first name) alone: only a change
    # that empties an identity field is checked.
    emptied = any(k in clean for k in identity)
    if emptied and not (lead.email_key or lead.last_name or lead.company or lead.external_id):
        raise ValidationFailed(
            "a lead keeps at least an e-mail, a last name or a company",
            fields={
                k: "cannot be emptied" for k in ("email", "last_name", "company") if k in clean
            },
        )
    lead.search_text = _search_text(lead)
    lead.updated_at = now
    if tags is not None:
        repo.set_lead_tags(uow.session, lead.id, tags)
    consents.record(
        uow, items=answers, lead_id=lead.id, source="api", actor=actor, playbook=playbook, now=now
    )
    audit.record(
        uow,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        action="update",
        changes=audit.diff(before, clean) | ({"tags": tags} if tags is not None else {}),
        reason=reason,
        now=now,
    )
    if lead.status != LeadStatus.CONVERTED:
        scoring.score_lead(uow, lead, now=now, playbook=playbook, read_signals=attached > 0 or None)
    return lead


def change_status(
    uow: UnitOfWork,
    *,
    lead_id: int,
    status: str,
    reason: str | None,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> t.Lead:
    require(actor, "lead.accept" if status == LeadStatus.SQL else "lead.write")
    lead = editable(uow, lead_id, actor=actor, playbook=playbook)
    change = check_transition(lead.status, status, reason, playbook)
    if change.kind == "recycling" and lead.email_key:
        other = repo.open_lead_by_email(uow.session, lead.email_key)
        if other is not None:
            raise DuplicateLead(other.id)
    record_status_change(uow, lead, change, actor=actor, now=now)
    return lead


def qualify(
    uow: UnitOfWork,
    *,
    lead_id: int,
    answers: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> t.Lead:
    require(actor, "lead.write")
    lead = editable(uow, lead_id, actor=actor, playbook=playbook)
    qualify_lead(uow, lead, answers=answers, actor=actor, playbook=playbook, now=now)
    return lead


def log_activity(
    uow: UnitOfWork,
    *,
    lead_id: int,
    data: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> t.Activity:
    require(actor, "lead.write")
    lead = editable(uow, lead_id, actor=actor, playbook=playbook)
    occurred_at = data.get("occurred_at") or now
    activity = t.Activity(
        kind=data["kind"],
        direction=data.get("direction"),
        outcome=data.get("outcome"),
        summary=data.get("summary"),
        occurred_at=occurred_at,
        created_at=now,
        user_id=actor.user_id,
        lead_id=lead.id,
        contact_id=lead.contact_id,
        account_id=lead.account_id,
    )
    uow.session.add(activity)
    # SPEC §1: the outbound activities (call, e-mail, meeting) reach out to the person.
    outbound = data["kind"] in RESPONSE_KINDS and data.get("direction") == "out"
    # SPEC §9: the first outbound call, e-mail or meeting is the first response (it stops the
    # first-response clock).
    sla.on_response(uow, lead, activity, now=now, playbook=playbook)
    if outbound and lead.status == LeadStatus.NEW:
        change = StatusChange(LeadStatus.NEW, LeadStatus.CONTACTED, "first outbound", "progress")
        record_status_change(uow, lead, change, actor=actor, now=now)
    # SPEC §9: consecutive failed attempts send the lead back to nurturing.
    followup.after_activity(uow, lead, activity, playbook=playbook, now=now)
    lead.updated_at = now
    uow.session.flush()
    return activity


def history(
    uow: UnitOfWork, lead_id: int, *, actor: Actor, playbook: Playbook
) -> list[t.LeadStatusHistory]:
    read(uow, lead_id, actor=actor, playbook=playbook)
    return repo.lead_history(uow.session, lead_id)
