"""Conversion planning (SPEC §5): what to link, what to create, what is missing. Pure.

The service fetches the facts (lead, candidate accounts, contact, target opportunity), calls
``plan_conversion`` and then carries the plan out in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bascule.accounts.model import (
    AccountFacts,
    AccountMatch,
    ContactFacts,
    email_domain,
    match_account,
)
from bascule.errors import (
    AmbiguousAccount,
    ClosedOpportunity,
    MissingFields,
    NotReadyToConvert,
    ValidationFailed,
)
from bascule.leads.model import LeadKind, Qualification, check_conversion_allowed
from bascule.leads.model import missing_for_conversion as qualification_gaps
from bascule.opportunities.model import NewOpportunity, validate_new
from bascule.playbook.schema import Playbook

# A support/service lead may only produce service work, never a product sale (SPEC §7, §12.4).
SUPPORT_TYPES = ("service",)


@dataclass(frozen=True)
class LeadFacts:
    id: int
    status: str
    kind: str
    email: str | None
    company: str | None
    source: str | None
    campaign: str | None
    qualification: Qualification


@dataclass(frozen=True)
class OpportunityFacts:
    id: int
    account_id: int
    is_closed: bool


@dataclass(frozen=True)
class ConversionRequest:
    opportunity: dict[str, Any] | None = None
    account_id: int | None = None
    opportunity_id: int | None = None
    contact_role: str | None = None
    # The user saw the matching accounts and chose to create another one (the wizard's
    # "new account"): no matching, the lead's company becomes a new account.
    new_account: bool = False


@dataclass(frozen=True)
class ConversionPlan:
    account_id: int | None  # None: create the account below
    new_account_name: str | None
    new_account_domain: str | None
    contact_id: int | None  # None: create the contact from the lead
    attach_contact_to_account: bool  # an existing contact without account gets this one
    opportunity_id: int | None  # attach to this open opportunity
    new_opportunity: NewOpportunity | None  # or create this one
    contact_role: str


def choose_account(
    lead: LeadFacts,
    request: ConversionRequest,
    contact: ContactFacts | None,
    target: OpportunityFacts | None,
    candidates: list[AccountFacts],
    playbook: Playbook,
) -> AccountMatch:
    """Explicit choice, then the target opportunity's account, then the contact's, then a match."""
    if target is not None:
        if request.account_id is not None and request.account_id != target.account_id:
            raise ValidationFailed(
                "the opportunity belongs to another account",
                fields={"account_id": f"opportunity {target.id} is on account {target.account_id}"},
            )
        return AccountMatch("existing", target.account_id, matched_on="opportunity")
    if request.account_id is not None:
        if request.new_account:
            raise ValidationFailed(
                "give either account_id or new_account, not both",
                fields={"new_account": "not allowed together with account_id"},
            )
        return AccountMatch("existing", request.account_id, matched_on="chosen")
    if request.new_account:
        return AccountMatch("new")
    if contact is not None and contact.account_id is not None:
        return AccountMatch("existing", contact.account_id, matched_on="contact")
    return match_account(
        lead.email,
        lead.company,
        candidates,
        threshold=playbook.conversion.company_match_threshold,
    )


def plan_conversion(
    lead: LeadFacts,
    request: ConversionRequest,
    *,
    contact: ContactFacts | None,
    target: OpportunityFacts | None,
    candidates: list[AccountFacts],
    playbook: Playbook,
) -> ConversionPlan:
    check_conversion_allowed(lead.status)
    if playbook.conversion.require_ready_to_convert:
        gaps = qualification_gaps(lead.qualification, playbook)
        if gaps:
            raise NotReadyToConvert(
                "the lead is not ready to convert: qualify it first",
                fields={f"qualification.{k}": v for k, v in gaps.items()},
            )
    role = request.contact_role or playbook.conversion.default_contact_role
    if role not in playbook.contact_role_keys:
        raise ValidationFailed(
            "unknown contact role",
            fields={"contact_role": f"must be one of {', '.join(playbook.contact_role_keys)}"},
        )
    if request.opportunity_id is not None and request.opportunity:
        raise ValidationFailed(
            "give either opportunity_id (attach) or opportunity (create), not both",
            fields={"opportunity_id": "not allowed together with opportunity"},
        )
    if target is not None and target.is_closed:
        raise ClosedOpportunity(
            "a lead can only be attached to an open opportunity",
            fields={"opportunity_id": f"opportunity {target.id} is closed"},
        )

    match = choose_account(lead, request, contact, target, candidates, playbook)
    if match.kind == "ambiguous":
        raise AmbiguousAccount(
            [{"id": a.id, "name": a.name, "domain": a.domain} for a in match.choices]
        )
    new_name = None
    if match.kind == "new":
        new_name = (lead.company or "").strip()
        if not new_name:
            raise MissingFields({"company": "the lead has no company: give account_id"})

    new_opportunity = None
    if target is None:
        new_opportunity = _validate_opportunity(lead, request, match, playbook)

    return ConversionPlan(
        account_id=match.account_id,
        new_account_name=new_name,
        new_account_domain=email_domain(lead.email) if match.kind == "new" else None,
        contact_id=contact.id if contact else None,
        attach_contact_to_account=contact is not None and contact.account_id is None,
        opportunity_id=target.id if target else None,
        new_opportunity=new_opportunity,
        contact_role=role,
    )


def _validate_opportunity(
    lead: LeadFacts, request: ConversionRequest, match: AccountMatch, playbook: Playbook
) -> NewOpportunity:
    given = dict(request.opportunity or {})
    support = lead.kind == LeadKind.SUPPORT_SERVICE
    fields = {
        "name": given.get("name"),
        "account_id": match.account_id,
        "amount": given.get("amount"),
        "expected_close_date": given.get("expected_close_date"),
        "stage": given.get("stage") or playbook.conversion.default_stage,
        "type": given.get("type") or ("service" if support else playbook.conversion.default_type),
        "lead_source": given.get("lead_source") or lead.source,
    }
    stage = fields["stage"]
    if stage in playbook.stage_keys and playbook.stage(stage).outcome != "open":
        raise ValidationFailed(
            "a conversion creates an open opportunity",
            fields={"opportunity.stage": f"must be one of {', '.join(playbook.open_stage_keys)}"},
        )
    try:
        return validate_new(
            fields,
            playbook,
            allowed_types=SUPPORT_TYPES if support else None,
            account_known=match.kind == "existing",
        )
    except MissingFields as exc:
        # Name the fields as the client sent them: inside the "opportunity" object.
        raise MissingFields({f"opportunity.{k}": v for k, v in exc.fields.items()}) from None
