"""Opportunity use cases: create, update, move through stages, win and lose."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bascule.access import service as access
from bascule.accounts import service as accounts
from bascule.analytics import conditions
from bascule.analytics.conditions import OpportunityFilters
from bascule.audit import service as audit
from bascule.errors import ClosedOpportunity, DuplicateOpportunity, NotFound, ValidationFailed
from bascule.opportunities.model import (
    NewOpportunity,
    StageChange,
    check_amount,
    check_stage_change,
    normalise_project_name,
    validate_new,
    weighted_amount,
)
from bascule.playbook.schema import Playbook
from bascule.sla import service as sla
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require

UPDATABLE = ("name", "amount", "expected_close_date", "type", "owner_id", "description")


def get(uow: UnitOfWork, opportunity_id: int, *, for_update: bool = False) -> t.Opportunity:
    opp: t.Opportunity | None = repo.get(
        uow.session, t.Opportunity, opportunity_id, for_update=for_update
    )
    if opp is None:
        raise NotFound(
            f"opportunity {opportunity_id} not found",
            fields={"opportunity_id": "no such opportunity"},
        )
    return opp


def read(
    uow: UnitOfWork, opportunity_id: int, *, actor: Actor, playbook: Playbook
) -> t.Opportunity:
    """The opportunity if ``actor`` may read it; else ``NotFound``, as if it did not exist."""
    opp = get(uow, opportunity_id)
    access.check(uow, actor, playbook, "opportunity", opp)
    return opp


def editable(
    uow: UnitOfWork, opportunity_id: int, *, actor: Actor, playbook: Playbook
) -> t.Opportunity:
    """The opportunity, locked, if ``actor`` may change it (``NotFound`` / ``Forbidden``)."""
    opp = get(uow, opportunity_id, for_update=True)
    access.check(uow, actor, playbook, "opportunity", opp, edit=True)
    return opp


def _refuse_duplicate(uow: UnitOfWork, account_id: int, name_key: str, name: str) -> None:
    existing = repo.open_opportunity_by_project(uow.session, account_id, name_key)
    if existing is not None:
        raise DuplicateOpportunity(existing.id, name)


def _check_contacts(
    uow: UnitOfWork, contacts: list[dict[str, Any]], playbook: Playbook
) -> list[dict[str, Any]]:
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for i, item in enumerate(contacts):
        contact_id = item.get("contact_id")
        if not isinstance(contact_id, int) or uow.session.get(t.Contact, contact_id) is None:
            errors[f"contacts.{i}.contact_id"] = "no such contact"
        elif contact_id in seen:
            errors[f"contacts.{i}.contact_id"] = "listed twice"
        else:
            seen.add(contact_id)
        if item.get("role", "decision_maker") not in playbook.contact_role_keys:
            errors[f"contacts.{i}.role"] = f"must be one of {', '.join(playbook.contact_role_keys)}"
    if errors:
        raise ValidationFailed("some opportunity contacts are invalid", fields=errors)
    if contacts and not any(c.get("is_primary") for c in contacts):
        contacts = [{**contacts[0], "is_primary": True}, *contacts[1:]]
    return contacts


def insert(
    uow: UnitOfWork,
    new: NewOpportunity,
    *,
    owner_id: int | None,
    lead_id: int | None,
    campaign: str | None,
    qualification: dict[str, Any] | None,
    contacts: list[dict[str, Any]],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
    description: str | None = None,
    account_is_new: bool = False,
) -> t.Opportunity:
    """Store a validated opportunity with its contacts, first stage history and audit row.

    ``account_is_new``: the account was created by this transaction, so no other transaction
    can see it and it has no opportunity yet: the duplicate check is skipped.
    """
    if not account_is_new:
        # Two requests for one project take turns: the second sees the first and is refused.
        repo.serialize(uow.session, "opportunity", new.account_id, new.name_key)
        _refuse_duplicate(uow, new.account_id, new.name_key, new.name)
    outcome = playbook.stage(new.stage).outcome
    opp = t.Opportunity(
        name=new.name,
        name_key=new.name_key,
        account_id=new.account_id,
        amount=new.amount,
        currency=playbook.general.currency,
        expected_close_date=new.expected_close_date,
        stage=new.stage,
        probability=new.probability,
        type=new.type,
        lead_source=new.lead_source,
        campaign=campaign,
        lead_id=lead_id,
        loss_reason=new.loss_reason,
        owner_id=owner_id,
        is_closed=outcome != "open",
        is_won=outcome == "won",
        closed_at=now if outcome != "open" else None,
        qualification=qualification,
        description=description,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(opp)
    uow.session.flush()
    for item in contacts:
        uow.session.add(
            t.OpportunityContact(
                opportunity_id=opp.id,
                contact_id=item["contact_id"],
                role=item.get("role") or playbook.conversion.default_contact_role,
                is_primary=bool(item.get("is_primary")),
            )
        )
    uow.session.flush()
    uow.append(
        t.OpportunityStageHistory,
        {
            "opportunity_id": opp.id,
            "from_stage": None,
            "to_stage": opp.stage,
            "probability": opp.probability,
            "amount": opp.amount,
            "changed_at": now,
            "actor_user_id": actor.user_id,
            "reason": None,
        },
    )
    if outcome == "won":
        accounts.mark_customer(uow, accounts.get_account(uow, opp.account_id), actor=actor, now=now)
    audit.record(
        uow,
        actor=actor,
        entity="opportunity",
        entity_id=opp.id,
        action="create",
        changes={
            "name": [None, opp.name],
            "account_id": [None, opp.account_id],
            "amount": [None, str(opp.amount)],
            "stage": [None, opp.stage],
            "type": [None, opp.type],
            "lead_id": [None, lead_id],
        },
        now=now,
    )
    return opp


def create(
    uow: UnitOfWork, *, data: dict[str, Any], actor: Actor, playbook: Playbook, now: datetime
) -> t.Opportunity:
    require(actor, "opportunity.write")
    fields = dict(data)
    fields.setdefault("stage", playbook.conversion.default_stage)
    lead_id = data.get("lead_id")
    if lead_id is not None:
        lead = uow.session.get(t.Lead, lead_id)
        if lead is None or not access.decide(uow, actor, playbook, "lead", lead).read:
            raise ValidationFailed("unknown lead", fields={"lead_id": "no such lead"})
        # SPEC §3: the original lead source is copied from the lead when not given.
        fields["lead_source"] = fields.get("lead_source") or lead.source
    new = validate_new(fields, playbook)
    account = accounts.read_account(uow, new.account_id, actor=actor, playbook=playbook)
    contacts = _check_contacts(uow, list(data.get("contacts") or []), playbook)
    return insert(
        uow,
        new,
        owner_id=data.get("owner_id") or account.owner_id or actor.user_id,
        lead_id=lead_id,
        campaign=data.get("campaign"),
        qualification=None,
        contacts=contacts,
        actor=actor,
        playbook=playbook,
        now=now,
        description=data.get("description"),
    )


def update(
    uow: UnitOfWork,
    *,
    opportunity_id: int,
    changes: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> t.Opportunity:
    require(actor, "opportunity.write")
    opp = editable(uow, opportunity_id, actor=actor, playbook=playbook)
    if opp.is_closed:
        raise ClosedOpportunity(
            f"the opportunity is closed ({opp.stage}) and cannot change",
            fields={"stage": f"closed as {opp.stage}"},
        )
    reason = audit.take_reason(changes)
    errors: dict[str, str] = {}
    if "name" in changes:
        name = str(changes["name"] or "").strip()
        if not normalise_project_name(name):
            errors["name"] = "required"
        else:
            changes["name"] = name
    if "amount" in changes:
        amount, amount_error = check_amount(changes["amount"])
        if amount_error:
            errors["amount"] = amount_error
        else:
            changes["amount"] = amount
    if "expected_close_date" in changes and not isinstance(changes["expected_close_date"], date):
        errors["expected_close_date"] = "required"
    if "type" in changes and changes["type"] not in playbook.type_keys:
        errors["type"] = f"must be one of {', '.join(playbook.type_keys)}"
    if errors:
        raise ValidationFailed("some opportunity fields are invalid", fields=errors)
    contacts = changes.pop("contacts", None)
    if "name" in changes:
        key = normalise_project_name(changes["name"])
        if key != opp.name_key:
            repo.serialize(uow.session, "opportunity", opp.account_id, key)
            _refuse_duplicate(uow, opp.account_id, key, changes["name"])
        opp.name_key = key
    before = {k: getattr(opp, k) for k in changes}
    for key, value in changes.items():
        setattr(opp, key, value)
    if "owner_id" in changes:
        # A running first-response clock (an RFP's) moves to the new owner.
        sla.on_opportunity_assigned(uow, opp, now=now, playbook=playbook)
    if contacts is not None:
        checked = _check_contacts(uow, contacts, playbook)
        for row in repo.opportunity_contacts(uow.session, [opp.id])[opp.id]:
            uow.session.delete(row)
        uow.session.flush()
        for item in checked:
            uow.session.add(
                t.OpportunityContact(
                    opportunity_id=opp.id,
                    contact_id=item["contact_id"],
                    role=item.get("role") or playbook.conversion.default_contact_role,
                    is_primary=bool(item.get("is_primary")),
                )
            )
        uow.session.flush()
    opp.updated_at = now
    audit.record(
        uow,
        actor=actor,
        entity="opportunity",
        entity_id=opp.id,
        action="update",
        changes=audit.diff(before, changes) | ({"contacts": contacts} if contacts else {}),
        reason=reason,
        now=now,
    )
    return opp


def record_stage_change(
    uow: UnitOfWork, opp: t.Opportunity, change: StageChange, *, actor: Actor, now: datetime,
    reason: str | None = None,
) -> None:  # fmt: skip
    """The one place an opportunity changes stage: the change, its history and audit rows.
    ``reason``: the mover's words, the audit's reason (else the loss reason, as before)."""
    opp.stage = change.to_stage
    opp.probability = change.probability
    opp.loss_reason = change.loss_reason
    opp.is_closed = change.outcome != "open"
    opp.is_won = change.outcome == "won"
    opp.closed_at = now if opp.is_closed else None
    opp.updated_at = now
    if opp.is_closed:
        sla.on_closed(uow, opp, now=now)
    uow.append(
        t.OpportunityStageHistory,
        {
            "opportunity_id": opp.id,
            "from_stage": change.from_stage,
            "to_stage": change.to_stage,
            "probability": change.probability,
            "amount": opp.amount,
            "changed_at": now,
            "actor_user_id": actor.user_id,
            "reason": change.loss_reason,
        },
    )
    if change.outcome == "won":
        accounts.mark_customer(
            uow, accounts.get_account(uow, opp.account_id, for_update=True), actor=actor, now=now
        )
    audit.record(
        uow,
        actor=actor,
        entity="opportunity",
        entity_id=opp.id,
        action="stage",
        changes={"stage": [change.from_stage, change.to_stage]}
        | ({"loss_reason": [None, change.loss_reason]} if reason and change.loss_reason else {}),
        reason=reason or change.loss_reason,
        now=now,
    )


def change_stage(
    uow: UnitOfWork,
    *,
    opportunity_id: int,
    stage: str,
    loss_reason: str | None,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
    reason: str | None = None,
) -> t.Opportunity:
    require(actor, "opportunity.write")
    opp = editable(uow, opportunity_id, actor=actor, playbook=playbook)
    change = check_stage_change(opp.stage, stage, loss_reason, playbook)
    note = audit.clean_reason(reason)
    record_stage_change(uow, opp, change, actor=actor, now=now, reason=note)
    return opp


def listed(
    uow: UnitOfWork, flt: OpportunityFilters, *, page: int, page_size: int, actor: Actor,
    playbook: Playbook, now: datetime,
) -> tuple[list[t.Opportunity], int]:  # fmt: skip
    """A page of the opportunities ``actor`` may read that ``flt`` keeps (the list's filters,
    ``opportunities.listing``, the reports' definitions), and their total."""
    readable = access.where(uow, actor, playbook, "opportunity")
    where = [] if readable is None else [readable]
    where += conditions.opportunity_conditions(flt, playbook=playbook, now=now)
    return repo.list_page(
        uow.session,
        t.Opportunity,
        where=where,
        order=[t.Opportunity.expected_close_date],
        page=page,
        page_size=page_size,
    )


def to_read(
    opp: t.Opportunity, contacts: list[t.OpportunityContact], *, amounts: bool = True
) -> dict[str, Any]:
    """The opportunity as read; without its amounts for a role that may not see them
    (``access.service.sees_amounts``)."""
    return {
        "id": opp.id,
        "name": opp.name,
        "account_id": opp.account_id,
        "amount": opp.amount if amounts else None,
        "currency": opp.currency,
        "weighted_amount": weighted_amount(opp.amount, opp.probability) if amounts else None,
        "expected_close_date": opp.expected_close_date,
        "stage": opp.stage,
        "probability": opp.probability,
        "type": opp.type,
        "lead_source": opp.lead_source,
        "campaign": opp.campaign,
        "lead_id": opp.lead_id,
        "loss_reason": opp.loss_reason,
        "owner_id": opp.owner_id,
        "is_closed": opp.is_closed,
        "is_won": opp.is_won,
        "closed_at": opp.closed_at,
        "qualification": opp.qualification,
        "description": opp.description,
        "created_at": opp.created_at,
        "updated_at": opp.updated_at,
        "contacts": [
            {"contact_id": c.contact_id, "role": c.role, "is_primary": c.is_primary}
            for c in contacts
        ],
    }
