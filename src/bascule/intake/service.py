"""Public form submissions (SPEC §6-7): one transaction per submission, nothing half-written.

``submit`` answers a form: a lead (new, or the open lead of that e-mail enriched), an
opportunity directly (RFP), or, for a customer's contact, an activity and an upsell
suggestion on the account. The form itself is kept as a signal (origin "form") with its free
answers, and alerts are outbox rows written in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bascule.accounts import service as accounts
from bascule.accounts.model import normalise_email
from bascule.alerts import outbox
from bascule.audit import service as audit
from bascule.errors import IdempotencyConflict
from bascule.intake import model, rfp
from bascule.intake.forms import FormRef
from bascule.intake.model import Outcome, Route, Submission
from bascule.leads import qualification
from bascule.leads import service as leads
from bascule.leads.model import Qualification
from bascule.playbook.schema import IntakeForm, Playbook
from bascule.privacy import consents as privacy_consents
from bascule.routing import service as routing
from bascule.routing.rules import LeadFacts
from bascule.scoring import service as scoring
from bascule.sla import service as sla
from bascule.storage import intake as store
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.people import Known
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

log = logging.getLogger("bascule.intake")
ACTOR = Actor.for_rule("intake")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def choose_owner(
    uow: UnitOfWork,
    *,
    form_type: str,
    rule: IntakeForm,
    fields: Mapping[str, Any],
    playbook: Playbook,
    now: datetime,
) -> int | None:
    """Who owns what a form creates directly (an RFP's opportunity), by the routing rules
    (SPEC §9); None: nobody. A lead is routed by ``leads.create`` itself, only when it is new
    (or nobody owns it yet): a second submission must not move the rotation on."""
    employees = fields.get("employees")
    facts = LeadFacts(
        country=str(fields.get("country") or "").upper() or None,
        employees=employees if isinstance(employees, int) else None,
        source=rule.source,
        form_type=form_type,
        kind=rule.kind,
    )
    return routing.route(uow, facts=facts, now=now, playbook=playbook).owner_id


def submit(
    uow: UnitOfWork,
    *,
    form: FormRef,
    body: dict[str, Any],
    idempotency_key: str | None,
    playbook: Playbook,
    now: datetime,
) -> Answer:
    """Answer one submission, its body checked by the API (``model.check_text``, the form's
    schema). With an Idempotency-Key, the same body again gets the first answer back (nothing
    done twice) and another body under that key a 409."""
    rule = playbook.intake.form(form.form_type)
    if idempotency_key is None:
        return _process(uow, form, rule, body, playbook, now)
    session = uow.session
    scope = f"intake-form:{form.id}"
    repo.serialize(session, "idempotency", scope, idempotency_key)
    fingerprint = model.fingerprint(form.form_type, body)
    record = store.idempotency_record(session, scope, idempotency_key)
    if record is not None:
        if record.request_hash != fingerprint:
            raise IdempotencyConflict(
                "this Idempotency-Key was used with another body",
                fields={"Idempotency-Key": "already used for a different request"},
            )
        return Answer(record.status_code, dict(record.response), {"Idempotent-Replayed": "true"})
    answer = _process(uow, form, rule, body, playbook, now)
    session.add(
        t.IdempotencyRecord(
            scope=scope,
            key=idempotency_key,
            request_hash=fingerprint,
            status_code=answer.status,
            response=answer.body,
            created_at=now,
        )
    )
    session.flush()
    return answer


def decoy(*, form: FormRef, playbook: Playbook) -> Answer:
    """What a bot gets for a filled honeypot (``model.is_bot``): a believable success, with
    nothing stored."""
    log.info("honeypot filled on form %s: nothing stored", form.id)
    return Answer(201, model.decoy(playbook.intake.form(form.form_type)))


def _process(
    uow: UnitOfWork,
    form: FormRef,
    rule: IntakeForm,
    body: dict[str, Any],
    playbook: Playbook,
    now: datetime,
) -> Answer:
    # The person's answers per purpose are no free answer: they go to ``consent`` rows.
    answers = body.get("consents")
    sub = model.split(form.form_type, {k: v for k, v in body.items() if k != "consents"})
    model.check_free_answers(sub.answers, model.DECLARED_ANSWERS)
    sub = model.clean_identity(sub, playbook.general.country)
    email_key = normalise_email(sub.email)
    # Two submissions of one address take turns, once for the whole submission; what the
    # address already is (contact, open lead, waiting signals) is read once, with the lock.
    known = leads.look_up(uow, email_key) if email_key else None
    customer = accounts.customer_among(known.contact, known.account) if known else None
    today = _local_date(now, playbook)
    match model.route(rule, is_customer_contact=customer is not None):
        case Route.CUSTOMER:
            assert customer is not None
            privacy_consents.record(
                uow, items=answers, contact_id=customer[0].id, source=f"form:{form.form_type}",
                actor=ACTOR, playbook=playbook, now=now,
            )  # fmt: skip
            return _for_customer(uow, form, rule, sub, *customer, today=today, now=now)
        case Route.OPPORTUNITY:
            return _rfp(uow, form, rule, sub, playbook, today=today, now=now, consents=answers)
        case _:
            return _lead(
                uow, form, rule, sub, playbook, known, today=today, now=now, consents=answers
            )


def _local_date(now: datetime, playbook: Playbook) -> date:
    try:
        return now.astimezone(ZoneInfo(playbook.general.timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


def _answer(outcome: Outcome, headers: dict[str, str] | None = None, **ids: int | None) -> Answer:
    body: dict[str, Any] = {"outcome": outcome.value}
    body.update({k: v for k, v in ids.items() if v is not None})
    return Answer(201, body, headers or {})


def _signal(
    uow: UnitOfWork,
    form: FormRef,
    sub: Submission,
    *,
    today: date,
    now: datetime,
    lead_id: int | None = None,
    contact_id: int | None = None,
    account_id: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> t.Signal:
    """The submission itself, kept with its free answers. A form naming a freemium
    workspace ties that workspace to the person (product usage is attached to them)."""
    row = t.Signal(
        type=model.signal_type(form.form_type),
        occurred_at=now,
        received_at=now,
        lead_id=lead_id,
        contact_id=contact_id,
        account_id=account_id,
        email_key=normalise_email(sub.email),
        workspace=model.workspace(sub.answers),
        origin="form",
        properties=model.signal_properties(sub, form_id=form.id, today=today, extra=extra),
    )
    uow.session.add(row)
    uow.session.flush()
    return row


# --- a lead -----------------------------------------------------------------------------------


def _lead(
    uow: UnitOfWork,
    form: FormRef,
    rule: IntakeForm,
    sub: Submission,
    playbook: Playbook,
    known: Known | None,
    *,
    today: date,
    now: datetime,
    consents: list[dict[str, Any]] | None = None,
) -> Answer:
    # No owner given: leads.take_in routes a new lead (and an unowned one asking again).
    data = dict(sub.lead) | {
        "source": rule.source,
        "kind": rule.kind,
        "temperature": rule.temperature,
        "form_type": form.form_type,
        "consents": consents,
    }
    taken = leads.take_in(
        uow, data=data, actor=ACTOR, playbook=playbook, now=now, known=known, prefill=False
    )
    lead = taken.lead
    if not taken.created:
        _warm_up(uow, lead, rule.temperature, form.form_type, now)
        # A known lead asking again waits for a response again (SPEC §9), answered or not.
        sla.on_request(uow, lead, now=now, playbook=playbook)
    # The signal first: its flush (for its id) then finds the lead as written, and the
    # qualification and the score below change it in one UPDATE at commit, not two.
    signal = _signal(uow, form, sub, today=today, now=now, lead_id=lead.id)
    if form.form_type == "demo_request":
        current = Qualification.from_dict(lead.qualification)
        answers = model.demo_answers(current, sub.answers, today)
        if answers:
            qualification.qualify_lead(
                uow, lead, answers=answers, actor=ACTOR, playbook=playbook, now=now
            )
    # Scored once, its profile and this form together: the form's points, an MQL promotion,
    # and for a strong form (rule.strong_signal) the "opportunity suggested" alert, once per
    # lead, form type and day.
    scoring.score_lead(
        uow, lead, now=now, playbook=playbook, new_signals=[signal],
        read_signals=taken.read_signals, lock=taken.lock,
    )  # fmt: skip
    outcome = Outcome.LEAD_CREATED if taken.created else Outcome.LEAD_UPDATED
    return _answer(outcome, lead_id=lead.id)


def _warm_up(
    uow: UnitOfWork, lead: t.Lead, temperature: str | None, form_type: str, now: datetime
) -> None:
    warmer = model.warmer(lead.temperature, temperature)
    if warmer == lead.temperature:
        return
    before, lead.temperature = lead.temperature, warmer
    audit.record(
        uow,
        actor=ACTOR,
        entity="lead",
        entity_id=lead.id,
        action="warm_up",
        changes={"temperature": [before, warmer]},
        reason=f"form {form_type}",
        now=now,
    )


# --- a customer's contact (SPEC §6) -----------------------------------------------------------


def _for_customer(
    uow: UnitOfWork,
    form: FormRef,
    rule: IntakeForm,
    sub: Submission,
    contact: t.Contact,
    account: t.Account,
    *,
    today: date,
    now: datetime,
) -> Answer:
    session = uow.session
    signal = _signal(
        uow, form, sub, today=today, now=now, contact_id=contact.id, account_id=account.id
    )
    text = model.summary(form.form_type, sub.answers)
    session.add(
        t.Activity(
            kind="signal",
            direction="in",
            summary=text,
            occurred_at=now,
            created_at=now,
            contact_id=contact.id,
            account_id=account.id,
            details={"type": "form", "form_type": form.form_type, "signal_id": signal.id},
        )
    )
    if rule.commercial_intent:
        _suggest_upsell(uow, form.form_type, text, contact, account, signal, now)
    return _answer(Outcome.EXISTING_CUSTOMER, account_id=account.id, contact_id=contact.id)


def _suggest_upsell(
    uow: UnitOfWork,
    intent: str,
    text: str,
    contact: t.Contact,
    account: t.Account,
    signal: t.Signal,
    now: datetime,
) -> None:
    """One open suggestion per account, contact and intent: asking twice is one suggestion."""
    session = uow.session
    if store.open_upsell_suggestion(session, account.id, contact.id, intent) is not None:
        return
    suggestion = t.UpsellSuggestion(
        account_id=account.id,
        contact_id=contact.id,
        signal_id=signal.id,
        intent=intent,
        summary=text,
        status="open",
        created_at=now,
    )
    session.add(suggestion)
    session.flush()
    audit.record(
        uow,
        actor=ACTOR,
        entity="upsell_suggestion",
        entity_id=suggestion.id,
        action="create",
        changes={"account_id": [None, account.id], "intent": [None, intent]},
        now=now,
    )
    outbox.enqueue(
        uow,
        kind="upsell_suggested",
        recipient_user_id=account.owner_id,
        payload={
            "account_id": account.id,
            "contact_id": contact.id,
            "suggestion_id": suggestion.id,
            "intent": intent,
            "signal_id": signal.id,
        },
        idempotency_key=f"upsell_suggested:suggestion:{suggestion.id}",
        now=now,
    )


# --- an RFP: an opportunity directly ----------------------------------------------------------


def _rfp(
    uow: UnitOfWork,
    form: FormRef,
    rule: IntakeForm,
    sub: Submission,
    playbook: Playbook,
    *,
    today: date,
    now: datetime,
    consents: list[dict[str, Any]] | None = None,
) -> Answer:
    owner = choose_owner(
        uow, form_type=form.form_type, rule=rule, fields=sub.lead, playbook=playbook, now=now
    )
    made = rfp.create(uow, sub=sub, source=rule.source, owner_id=owner, playbook=playbook, now=now)
    if made.contact_id is not None:
        # The sender's own answers, on the sender's contact (created or found): the other
        # people the RFP names gave none, so theirs stay unknown.
        privacy_consents.record(
            uow, items=consents, contact_id=made.contact_id, source=f"form:{form.form_type}",
            actor=ACTOR, playbook=playbook, now=now,
        )  # fmt: skip
    extra: dict[str, Any] = {"opportunity_id": made.opportunity.id}
    if made.duplicate:
        extra["duplicate"] = True
    _signal(
        uow, form, sub, today=today, now=now, lead_id=made.lead_id, contact_id=made.contact_id,
        account_id=made.account_id, extra=extra,
    )  # fmt: skip
    return _answer(
        Outcome.OPPORTUNITY_CREATED,
        {"X-Bascule-Duplicate": "true"} if made.duplicate else None,
        opportunity_id=made.opportunity.id,
        account_id=made.account_id,
        contact_id=made.contact_id,
        lead_id=made.lead_id,
    )
