"""An RFP through the public form: an opportunity directly (SPEC §7, §12 scenario 5).

On the known account when one matches (else a new one from the sender's company), with the
sender and every named contact attached with their role; the sender's open lead is linked and
converted. The same project again on the account answers the open opportunity: nothing new.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bascule.accounts import service as accounts
from bascule.accounts.model import AccountFacts, match_account, normalise_company_name
from bascule.errors import MissingFields
from bascule.intake.model import Submission
from bascule.intake.rfp_plan import Person, RfpPlan, choose_account, plan_rfp, rfp_description
from bascule.leads.model import conversion_change
from bascule.leads.status import record_status_change
from bascule.opportunities import service as opportunities
from bascule.opportunities.model import normalise_project_name, validate_new
from bascule.playbook.schema import Playbook
from bascule.sla import service as sla
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

ACTOR = Actor.for_rule("intake")
# On the opportunity, the RFP's fields are named as the form sent them.
_RFP_NAMES = {"name": "project", "amount": "budget"}


@dataclass(frozen=True)
class Made:
    opportunity: t.Opportunity
    account_id: int
    contact_id: int | None  # the sender's contact
    lead_id: int | None  # the sender's lead, linked and converted
    duplicate: bool  # the project was already open on the account: nothing was written


def create(
    uow: UnitOfWork,
    *,
    sub: Submission,
    source: str,
    owner_id: int | None,
    playbook: Playbook,
    now: datetime,
) -> Made:
    plan = plan_rfp(sub, playbook)
    session = uow.session
    account, note = _account(uow, sub, plan, owner_id, playbook, now)
    sender_key = plan.people[0].email_key
    project_key = normalise_project_name(plan.project)
    repo.serialize(session, "opportunity", account.id, project_key)
    existing = repo.open_opportunity_by_project(session, account.id, project_key)
    if existing is not None:
        # The same project again (another submission, another spelling): nothing new.
        sender = repo.contact_by_email(session, sender_key)
        return Made(existing, account.id, sender.id if sender else None, existing.lead_id, True)
    contacts = [_contact_for(uow, person, account, playbook, now) for person in plan.people]
    lead = repo.open_lead_by_email(session, sender_key) if sender_key else None
    try:
        new = validate_new(
            {
                "name": plan.project,
                "account_id": account.id,
                "amount": plan.amount,
                "expected_close_date": plan.expected_close_date,
                "stage": playbook.conversion.default_stage,
                "type": playbook.conversion.default_type,
                "lead_source": source,
            },
            playbook,
        )
    except MissingFields as exc:
        raise MissingFields({_RFP_NAMES.get(k, k): v for k, v in exc.fields.items()}) from None
    opp = opportunities.insert(
        uow,
        new,
        owner_id=account.owner_id or owner_id,
        lead_id=lead.id if lead else None,
        campaign=sub.lead.get("campaign") or (lead.campaign if lead else None),
        qualification=lead.qualification if lead else None,
        contacts=_opportunity_contacts(plan.people, contacts),
        actor=ACTOR,
        playbook=playbook,
        now=now,
        description=rfp_description(sub, account_note=note),
    )
    # The RFP's sender waits for a response from the opportunity's owner (SPEC §7).
    sla.on_opportunity_created(uow, opp, form_type="rfp", now=now, playbook=playbook)
    if lead is not None:
        _convert(uow, lead, account, contacts[0], opp, now)
    return Made(opp, account.id, contacts[0].id, lead.id if lead else None, False)


def _account(
    uow: UnitOfWork,
    sub: Submission,
    plan: RfpPlan,
    owner_id: int | None,
    playbook: Playbook,
    now: datetime,
) -> tuple[t.Account, str | None]:
    """The account the RFP is for: a known one when it matches (domain, then name), else a
    new one from the sender's company."""
    session = uow.session
    company = sub.lead.get("company")
    name_key = normalise_company_name(company)
    domain = plan.domains[0] if plan.domains else None
    # Two RFPs of one new company at once must not create two accounts.
    repo.serialize(session, "account", domain or name_key)
    candidates = [
        AccountFacts(a.id, a.name, a.domain, a.is_customer)
        for a in repo.account_candidates(session, domain, name_key)
    ]
    match = match_account(
        plan.matching_email,
        company,
        candidates,
        threshold=playbook.conversion.company_match_threshold,
    )
    account_id, note = choose_account(match)
    if account_id is not None:
        return accounts.get_account(uow, account_id), note
    if not company:
        raise MissingFields({"company": "required: no known account matches this RFP"})
    data = {
        "name": company,
        "domain": domain,
        "sector": sub.lead.get("sector"),
        "employees": sub.lead.get("employees"),
        "country": sub.lead.get("country"),
        "owner_id": owner_id,
    }
    return accounts.create_account(uow, data=data, actor=ACTOR, now=now), None


def _contact_for(
    uow: UnitOfWork, person: Person, account: t.Account, playbook: Playbook, now: datetime
) -> t.Contact:
    """The contact of a person named by the RFP: found by e-mail, or created on the account."""
    existing = repo.contact_by_email(uow.session, person.email_key)
    if existing is not None:
        if existing.account_id is None:
            existing.account_id = account.id
            existing.updated_at = now
        return existing
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "job_title": person.job_title,
        "account_id": account.id,
    }
    return accounts.create_contact(uow, data=data, actor=ACTOR, playbook=playbook, now=now)


def _opportunity_contacts(
    people: tuple[Person, ...], contacts: list[t.Contact]
) -> list[dict[str, Any]]:
    """Each contact once, with its role; the sender is the primary contact."""
    chosen: dict[int, dict[str, Any]] = {}
    for person, contact in zip(people, contacts, strict=True):
        if contact.id not in chosen:
            chosen[contact.id] = {
                "contact_id": contact.id,
                "role": person.role,
                "is_primary": not chosen,
            }
    return list(chosen.values())


def _convert(
    uow: UnitOfWork,
    lead: t.Lead,
    account: t.Account,
    contact: t.Contact,
    opp: t.Opportunity,
    now: datetime,
) -> None:
    """The sender's open lead becomes this opportunity (SPEC §7: an earlier lead is linked)."""
    lead.account_id = account.id
    lead.contact_id = contact.id
    lead.opportunity_id = opp.id
    lead.converted_at = now
    change = dataclasses.replace(conversion_change(lead.status), reason="RFP received")
    record_status_change(uow, lead, change, actor=ACTOR, now=now)
    uow.session.add(
        t.LeadConversion(
            lead_id=lead.id,
            account_id=account.id,
            contact_id=contact.id,
            opportunity_id=opp.id,
            request_hash=hashlib.sha256(f"intake:rfp:{opp.id}".encode()).hexdigest(),
            converted_at=now,
            actor_user_id=None,
        )
    )
    uow.session.flush()
