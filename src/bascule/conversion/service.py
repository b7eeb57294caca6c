"""Conversion lead → opportunity (SPEC §5): one action, one transaction, idempotent."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime
from typing import Any

from bascule.accounts import service as accounts
from bascule.accounts.model import (
    AccountFacts,
    ContactFacts,
    email_domain,
    normalise_company_name,
)
from bascule.audit import service as audit
from bascule.conversion.plan import (
    ConversionRequest,
    LeadFacts,
    OpportunityFacts,
    plan_conversion,
)
from bascule.errors import AlreadyConverted
from bascule.leads import service as leads
from bascule.leads.model import Qualification, conversion_change
from bascule.leads.status import record_status_change
from bascule.opportunities import service as opportunities
from bascule.playbook.schema import Playbook
from bascule.privacy import consents
from bascule.signals import service as signals
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require


def request_fingerprint(request: dict[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _result(row: t.LeadConversion, *, replayed: bool) -> dict[str, Any]:
    return {
        "lead_id": row.lead_id,
        "account_id": row.account_id,
        "contact_id": row.contact_id,
        "opportunity_id": row.opportunity_id,
        "replayed": replayed,
    }


def convert(
    uow: UnitOfWork,
    *,
    lead_id: int,
    request: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> dict[str, Any]:
    """Convert a lead. The same request again returns the same records (``replayed``)."""
    require(actor, "lead.convert")
    session = uow.session
    # The row lock (PostgreSQL) or the write lock taken at BEGIN (SQLite) makes concurrent
    # conversions of one lead run one after the other; the second sees the first's result.
    lead = leads.editable(uow, lead_id, actor=actor, playbook=playbook)
    fingerprint = request_fingerprint(request)
    done = repo.lead_conversion(session, lead_id)
    if done is not None:
        if done.request_hash == fingerprint:
            return _result(done, replayed=True)
        raise AlreadyConverted(
            f"lead {lead_id} was already converted into opportunity {done.opportunity_id}",
            fields={"status": "converted"},
            **_result(done, replayed=False),
        )

    req = ConversionRequest(
        opportunity=request.get("opportunity"),
        account_id=request.get("account_id"),
        opportunity_id=request.get("opportunity_id"),
        contact_role=request.get("contact_role"),
        new_account=bool(request.get("new_account")),
    )
    contact_row = repo.contact_by_email(session, lead.email_key)
    target = None
    if req.opportunity_id is not None:
        opp = opportunities.editable(uow, req.opportunity_id, actor=actor, playbook=playbook)
        target = OpportunityFacts(opp.id, opp.account_id, opp.is_closed)
    if req.account_id is not None:
        accounts.read_account(uow, req.account_id, actor=actor, playbook=playbook)
    candidates: list[AccountFacts] = []
    needs_match = (
        target is None
        and req.account_id is None
        and not req.new_account
        and (contact_row is None or contact_row.account_id is None)
    )
    if needs_match:
        # Two leads of one new company converted at once must not create two accounts.
        domain = email_domain(lead.email)
        repo.serialize(session, "account", domain or normalise_company_name(lead.company))
        candidates = [
            AccountFacts(a.id, a.name, a.domain, a.is_customer)
            for a in repo.account_candidates(session, domain, normalise_company_name(lead.company))
        ]
    plan = plan_conversion(
        LeadFacts(
            id=lead.id,
            status=lead.status,
            kind=lead.kind,
            email=lead.email,
            company=lead.company,
            source=lead.source,
            campaign=lead.campaign,
            qualification=Qualification.from_dict(lead.qualification),
        ),
        req,
        contact=ContactFacts(contact_row.id, contact_row.email, contact_row.account_id)
        if contact_row
        else None,
        target=target,
        candidates=candidates,
        playbook=playbook,
    )

    # 1. Account
    if plan.account_id is not None:
        account = accounts.get_account(uow, plan.account_id)
    else:
        account = accounts.create_account(
            uow,
            data={
                "name": plan.new_account_name,
                "domain": plan.new_account_domain,
                "sector": lead.sector,
                "employees": lead.employees,
                "country": lead.country,
                "owner_id": lead.owner_id or actor.user_id,
            },
            actor=actor,
            now=now,
        )
    # 2. Contact
    if contact_row is None:
        contact_row = t.Contact(
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            email_key=lead.email_key,
            phone=lead.phone,
            job_title=lead.job_title,
            account_id=account.id,
            owner_id=lead.owner_id,
            do_not_contact=lead.do_not_contact,
            created_at=now,
            updated_at=now,
        )
        session.add(contact_row)
        session.flush()
        signals.attach_pending(
            uow, email_key=lead.email_key, contact_id=contact_row.id, account_id=account.id
        )
        audit.record(
            uow,
            actor=actor,
            entity="contact",
            entity_id=contact_row.id,
            action="create",
            changes={"from_lead": [None, lead.id]},
            now=now,
        )
    elif plan.attach_contact_to_account:
        contact_row.account_id = account.id
        contact_row.updated_at = now
    # 3. Opportunity
    if plan.new_opportunity is not None:
        new = plan.new_opportunity
        if new.account_id != account.id:
            new = dataclasses.replace(new, account_id=account.id)
        opp = opportunities.insert(
            uow,
            new,
            owner_id=lead.owner_id or actor.user_id,
            lead_id=lead.id,
            campaign=lead.campaign,
            qualification=lead.qualification,
            contacts=[
                {"contact_id": contact_row.id, "role": plan.contact_role, "is_primary": True}
            ],
            actor=actor,
            playbook=playbook,
            now=now,
            account_is_new=plan.account_id is None,
        )
    else:
        assert plan.opportunity_id is not None
        opp = opportunities.get(uow, plan.opportunity_id)
        if repo.opportunity_contact(session, opp.id, contact_row.id) is None:
            session.add(
                t.OpportunityContact(
                    opportunity_id=opp.id,
                    contact_id=contact_row.id,
                    role=plan.contact_role,
                    is_primary=False,
                )
            )
        audit.record(
            uow,
            actor=actor,
            entity="opportunity",
            entity_id=opp.id,
            action="lead_attached",
            changes={"lead_id": [None, lead.id], "contact_id": [None, contact_row.id]},
            now=now,
        )
    # The person's wishes follow them (SPEC §18): their consents where the contact has no
    # answer yet (one INSERT ... SELECT), and a do-not-contact on either record holds.
    consents.copy_to_contact(uow, lead_id=lead.id, contact_id=contact_row.id)
    if lead.do_not_contact and not contact_row.do_not_contact:
        contact_row.do_not_contact = True
    # 4. Lead
    lead.account_id = account.id
    lead.contact_id = contact_row.id
    lead.opportunity_id = opp.id
    lead.converted_at = now
    record_status_change(uow, lead, conversion_change(lead.status), actor=actor, now=now)
    row = t.LeadConversion(
        lead_id=lead.id,
        account_id=account.id,
        contact_id=contact_row.id,
        opportunity_id=opp.id,
        request_hash=fingerprint,
        converted_at=now,
        actor_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    return _result(row, replayed=False)
