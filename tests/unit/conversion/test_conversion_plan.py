"""Conversion planning (SPEC §5): what is linked, created, missing or refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bascule.accounts.model import AccountFacts, ContactFacts
from bascule.conversion.plan import (
    ConversionPlan,
    ConversionRequest,
    LeadFacts,
    OpportunityFacts,
    plan_conversion,
)
from bascule.errors import (
    AlreadyConverted,
    AmbiguousAccount,
    ClosedOpportunity,
    InvalidTransition,
    MissingFields,
    NotReadyToConvert,
    ValidationFailed,
)
from bascule.leads.model import Budget, Need, Qualification, Timing
from bascule.opportunities.model import NewOpportunity
from bascule.playbook import schema
from bascule.playbook.load import default_playbook

PLAYBOOK = default_playbook()

QUALIFIED = Qualification(
    budget=Budget(status="range", min=Decimal("15000"), max=Decimal("25000")),
    need=Need(text="CRM contract ends in 6 months", confirmed=True),
    timing=Timing(horizon="6_months"),
)
LEAD = LeadFacts(
    id=100,
    status="sql",
    kind="sales",
    email="it.director@acme.com",
    company="Acme",
    source="trade_show",
    campaign="salon-crm-2025",
    qualification=QUALIFIED,
)
OPPORTUNITY = {
    "name": "Projet de migration CRM – Acme",
    "amount": "18000",
    "expected_close_date": "2026-03-31",
}
ACME = AccountFacts(1, "Acme", "acme.com")


def _plan(
    lead: LeadFacts = LEAD,
    request: ConversionRequest | None = None,
    *,
    contact: ContactFacts | None = None,
    target: OpportunityFacts | None = None,
    candidates: list[AccountFacts] | None = None,
    playbook: schema.Playbook = PLAYBOOK,
) -> ConversionPlan:
    return plan_conversion(
        lead,
        request if request is not None else ConversionRequest(opportunity=dict(OPPORTUNITY)),
        contact=contact,
        target=target,
        candidates=candidates or [],
        playbook=playbook,
    )


def _request(**opportunity: Any) -> ConversionRequest:
    return ConversionRequest(opportunity={**OPPORTUNITY, **opportunity})


# --- the ordinary conversion -------------------------------------------------------------------


def test_new_lead_company_creates_account_contact_and_opportunity() -> None:
    plan = _plan()
    assert plan == ConversionPlan(
        account_id=None,
        new_account_name="Acme",
        new_account_domain="acme.com",
        contact_id=None,
        attach_contact_to_account=False,
        opportunity_id=None,
        new_opportunity=NewOpportunity(
            name="Projet de migration CRM – Acme",
            name_key="projet de migration crm acme",
            account_id=0,
            amount=Decimal("18000.00"),
            expected_close_date=date(2026, 3, 31),
            stage="qualification",
            probability=10,
            type="new_business",
            lead_source="trade_show",
            loss_reason=None,
        ),
        contact_role="decision_maker",
    )


def test_free_mail_lead_creates_an_account_without_domain() -> None:
    plan = _plan(replace(LEAD, email="jane@gmail.com"))
    assert (plan.new_account_name, plan.new_account_domain) == ("Acme", None)


def test_existing_account_by_domain_is_linked() -> None:
    plan = _plan(candidates=[AccountFacts(2, "Globex", "globex.fr"), ACME])
    assert (plan.account_id, plan.new_account_name, plan.new_account_domain) == (1, None, None)
    assert plan.new_opportunity is not None
    assert plan.new_opportunity.account_id == 1


def test_given_stage_type_and_role_are_used() -> None:
    request = replace(_request(stage="discovery", type="upsell"), contact_role="it")
    plan = _plan(request=request)
    assert plan.new_opportunity is not None
    assert (plan.new_opportunity.stage, plan.new_opportunity.probability) == ("discovery", 25)
    assert plan.new_opportunity.type == "upsell"
    assert plan.contact_role == "it"


def test_existing_contact_is_reused_and_its_account_wins() -> None:
    contact = ContactFacts(30, "IT.Director@acme.com", 5)
    plan = _plan(contact=contact, candidates=[ACME])
    assert (plan.contact_id, plan.account_id, plan.attach_contact_to_account) == (30, 5, False)


def test_existing_contact_without_account_is_attached_to_the_matched_account() -> None:
    plan = _plan(contact=ContactFacts(30, "it.director@acme.com", None), candidates=[ACME])
    assert (plan.contact_id, plan.account_id, plan.attach_contact_to_account) == (30, 1, True)


# --- readiness is enforced by the playbook -----------------------------------------------------


def test_unqualified_lead_is_not_ready_to_convert() -> None:
    with pytest.raises(NotReadyToConvert) as exc:
        _plan(replace(LEAD, qualification=Qualification()))
    assert exc.value.code == "not_ready_to_convert"
    assert exc.value.fields == {
        "qualification.need": "the need is not confirmed",
        "qualification.budget": "budget must be at least 'range'",
        "qualification.timing": "the timing is unknown",
    }


def test_partially_qualified_lead_names_only_what_is_missing() -> None:
    lead = replace(LEAD, qualification=replace(QUALIFIED, timing=Timing()))
    with pytest.raises(NotReadyToConvert) as exc:
        _plan(lead)
    assert list(exc.value.fields) == ["qualification.timing"]


def test_playbook_may_allow_converting_unqualified_leads() -> None:
    relaxed = PLAYBOOK.model_copy(
        update={
            "conversion": PLAYBOOK.conversion.model_copy(update={"require_ready_to_convert": False})
        }
    )
    plan = _plan(replace(LEAD, qualification=Qualification()), playbook=relaxed)
    assert plan.new_opportunity is not None


def test_meddic_playbook_checks_meddic_elements() -> None:
    meddic = PLAYBOOK.model_copy(update={"qualification": schema.Qualification(framework="meddic")})
    with pytest.raises(NotReadyToConvert) as exc:
        _plan(playbook=meddic)
    assert set(exc.value.fields) == {
        "qualification.meddic.metrics",
        "qualification.meddic.economic_buyer",
        "qualification.meddic.identify_pain",
        "qualification.meddic.champion",
    }


def test_converted_lead_is_already_converted() -> None:
    with pytest.raises(AlreadyConverted):
        _plan(replace(LEAD, status="converted"))


def test_disqualified_lead_cannot_be_converted() -> None:
    with pytest.raises(InvalidTransition) as exc:
        _plan(replace(LEAD, status="disqualified"))
    assert exc.value.fields == {"status": "disqualified"}


# --- support leads -----------------------------------------------------------------------------

SUPPORT_LEAD = replace(
    LEAD, kind="support_service", source="inbound_call", company="Cabinet Martin", email=None
)


def test_support_lead_produces_a_service_opportunity_by_default() -> None:
    plan = _plan(SUPPORT_LEAD, _request(name="Paramétrage CRM", amount="1200"))
    assert plan.new_opportunity is not None
    assert plan.new_opportunity.type == "service"
    assert plan.new_opportunity.amount == Decimal("1200.00")


@pytest.mark.parametrize("product_type", ["new_business", "upsell", "cross_sell", "renewal"])
def test_support_lead_never_produces_a_product_opportunity(product_type: str) -> None:
    with pytest.raises(MissingFields) as exc:
        _plan(SUPPORT_LEAD, _request(type=product_type))
    assert exc.value.fields == {"opportunity.type": "must be one of service"}


# --- accounts ----------------------------------------------------------------------------------


def test_ambiguous_accounts_are_returned_as_choices() -> None:
    acme_fr = AccountFacts(4, "Acme France", "acme.com")
    with pytest.raises(AmbiguousAccount) as exc:
        _plan(candidates=[ACME, acme_fr])
    assert exc.value.code == "ambiguous_account"
    assert exc.value.fields == {"account_id": "required: several accounts match"}
    assert exc.value.choices == [
        {"id": 1, "name": "Acme", "domain": "acme.com"},
        {"id": 4, "name": "Acme France", "domain": "acme.com"},
    ]
    assert exc.value.extra["choices"] == exc.value.choices


def test_chosen_account_resolves_the_ambiguity() -> None:
    acme_fr = AccountFacts(4, "Acme France", "acme.com")
    request = replace(_request(), account_id=4)
    plan = _plan(request=request, candidates=[ACME, acme_fr])
    assert plan.account_id == 4
    assert plan.new_opportunity is not None
    assert plan.new_opportunity.account_id == 4


def test_lead_without_company_and_no_match_needs_an_account() -> None:
    with pytest.raises(MissingFields) as exc:
        _plan(replace(LEAD, company="  ", email="jane@gmail.com"))
    assert exc.value.fields == {"company": "the lead has no company: give account_id"}


# --- opportunity fields ------------------------------------------------------------------------


def test_missing_opportunity_fields_are_named_inside_opportunity() -> None:
    with pytest.raises(MissingFields) as exc:
        _plan(request=ConversionRequest(opportunity={}))
    assert exc.value.fields == {
        "opportunity.name": "required",
        "opportunity.amount": "required",
        "opportunity.expected_close_date": "required",
    }


def test_no_opportunity_body_and_no_lead_source() -> None:
    with pytest.raises(MissingFields) as exc:
        _plan(replace(LEAD, source=None), ConversionRequest(), candidates=[ACME])
    assert set(exc.value.fields) == {
        "opportunity.name",
        "opportunity.amount",
        "opportunity.expected_close_date",
        "opportunity.lead_source",
    }


def test_invalid_opportunity_values_are_named_inside_opportunity() -> None:
    with pytest.raises(MissingFields) as exc:
        _plan(request=_request(amount=-5, expected_close_date="31/03/2026"))
    assert exc.value.fields == {
        "opportunity.amount": "must be greater than 0",
        "opportunity.expected_close_date": "must be a date (YYYY-MM-DD)",
    }


@pytest.mark.parametrize("stage", ["won", "lost"])
def test_conversion_cannot_create_a_closed_opportunity(stage: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        _plan(request=_request(stage=stage, loss_reason="price"))
    assert list(exc.value.fields) == ["opportunity.stage"]


def test_unknown_contact_role_is_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        _plan(request=replace(_request(), contact_role="ceo"))
    assert list(exc.value.fields) == ["contact_role"]


# --- attaching to an existing opportunity ------------------------------------------------------


def test_attach_to_an_existing_open_opportunity() -> None:
    target = OpportunityFacts(id=7, account_id=3, is_closed=False)
    plan = _plan(request=ConversionRequest(opportunity_id=7), target=target, candidates=[ACME])
    assert plan.opportunity_id == 7
    assert plan.new_opportunity is None
    assert plan.account_id == 3
    assert plan.new_account_name is None


def test_attach_to_a_closed_opportunity_is_refused() -> None:
    target = OpportunityFacts(id=7, account_id=3, is_closed=True)
    with pytest.raises(ClosedOpportunity) as exc:
        _plan(request=ConversionRequest(opportunity_id=7), target=target)
    assert exc.value.fields == {"opportunity_id": "opportunity 7 is closed"}


def test_attach_with_another_account_is_refused() -> None:
    target = OpportunityFacts(id=7, account_id=3, is_closed=False)
    with pytest.raises(ValidationFailed) as exc:
        _plan(request=ConversionRequest(opportunity_id=7, account_id=1), target=target)
    assert exc.value.fields == {"account_id": "opportunity 7 is on account 3"}


def test_attach_and_create_at_once_is_refused() -> None:
    target = OpportunityFacts(id=7, account_id=3, is_closed=False)
    request = ConversionRequest(opportunity=dict(OPPORTUNITY), opportunity_id=7)
    with pytest.raises(ValidationFailed) as exc:
        _plan(request=request, target=target)
    assert list(exc.value.fields) == ["opportunity_id"]


def test_attach_still_requires_a_ready_lead() -> None:
    target = OpportunityFacts(id=7, account_id=3, is_closed=False)
    with pytest.raises(NotReadyToConvert):
        _plan(
            replace(LEAD, qualification=Qualification()),
            ConversionRequest(opportunity_id=7),
            target=target,
        )


def test_plan_is_deterministic_for_a_retried_request() -> None:
    # a retried request with the same facts plans exactly the same thing
    assert _plan(candidates=[ACME]) == _plan(candidates=[ACME])


def test_new_account_is_created_even_when_one_matches() -> None:
    # The wizard showed Acme (same domain) and the user chose to create another account.
    plan = _plan(request=replace(_request(), new_account=True), candidates=[ACME])
    assert (plan.account_id, plan.new_account_name) == (None, LEAD.company)
    assert plan.new_opportunity is not None and plan.new_opportunity.account_id == 0


def test_new_account_and_a_chosen_account_at_once_are_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        _plan(request=replace(_request(), new_account=True, account_id=1), candidates=[ACME])
    assert exc.value.fields == {"new_account": "not allowed together with account_id"}
