"""Demo records as table rows (plain dicts for bulk inserts), refs turned into database ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bascule.accounts.model import normalise_company_name, normalise_domain, normalise_email
from bascule.demo.records import (
    DemoAccount,
    DemoActivity,
    DemoClock,
    DemoContact,
    DemoLead,
    DemoOpportunity,
)
from bascule.leads.fields import SEARCHED, WRITABLE, search_text
from bascule.opportunities.model import normalise_project_name

Row = dict[str, Any]


@dataclass
class Ids:
    """Database ids of what was written: users by e-mail, records by ref."""

    users: dict[str, int] = field(default_factory=dict)
    accounts: dict[int, int] = field(default_factory=dict)
    contacts: dict[int, int] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)
    # Only the current batch's: nothing later points back at an earlier batch's leads or deals.
    leads: dict[int, int] = field(default_factory=dict)
    opportunities: dict[int, int] = field(default_factory=dict)
    activities: dict[int, int] = field(default_factory=dict)

    def user(self, email: str | None) -> int | None:
        return self.users[email] if email else None


def account_row(a: DemoAccount, ids: Ids) -> Row:
    # A customer since go-live is written as one; later customers are flipped by finish().
    customer = a.is_customer and a.became_customer_by is None
    return {
        "name": a.company.name,
        "name_key": normalise_company_name(a.company.name),
        "domain": normalise_domain(a.company.domain),
        "sector": a.company.sector,
        "employees": a.company.employees,
        "country": a.company.country,
        "is_customer": customer,
        "customer_since": a.customer_since if customer else None,
        "owner_id": ids.user(a.owner),
        "created_at": a.created_at,
        "updated_at": a.created_at,
    }


def contact_row(c: DemoContact, ids: Ids) -> Row:
    return {
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "email_key": normalise_email(c.email),
        "phone": c.phone,
        "job_title": c.job_title,
        "account_id": ids.accounts[c.account_ref],
        "owner_id": ids.user(c.owner),
        "do_not_contact": False,
        "created_at": c.created_at,
        "updated_at": c.created_at,
    }


def lead_row(lead: DemoLead, ids: Ids) -> Row:
    return {
        # The fields a client writes (``leads.fields``), the owner as a database id.
        **{name: getattr(lead, name) for name in WRITABLE if name != "owner_id"},
        "email_key": normalise_email(lead.email),
        "status": lead.status,
        "disqualification_reason": lead.disqualification_reason,
        "owner_id": ids.user(lead.owner),
        "score": lead.score,
        "score_explanation": lead.score_explanation,
        "qualification": lead.qualification,
        "ready_to_convert": lead.ready_to_convert,
        "search_text": search_text({name: getattr(lead, name) for name in SEARCHED}),
        "created_at": lead.created_at,
        "updated_at": lead.updated_at,
        "assigned_at": lead.assigned_at,
        "first_response_due_at": lead.first_response_due_at,
        "first_response_at": lead.first_response_at,
        "converted_at": lead.converted_at,
        "form_type": lead.form_type,
        "failed_attempts": lead.failed_attempts,
        "ready_since": lead.ready_since,
        "conversion_due_at": lead.conversion_due_at,
        "conversion_overdue": lead.overdue is not None,
        "conversion_overdue_at": lead.overdue.at if lead.overdue is not None else None,
    }


def opportunity_row(o: DemoOpportunity, ids: Ids, currency: str) -> Row:
    return {
        "name": o.name,
        "name_key": normalise_project_name(o.name),
        "account_id": ids.accounts[o.account_ref],
        "amount": o.amount,
        "currency": currency,
        "expected_close_date": o.expected_close_date,
        "stage": o.stage,
        "probability": o.probability,
        "type": o.type,
        "lead_source": o.lead_source,
        "campaign": o.campaign,
        "lead_id": ids.leads[o.lead_ref] if o.lead_ref is not None else None,
        "loss_reason": o.loss_reason,
        "owner_id": ids.user(o.owner),
        "is_closed": o.is_closed,
        "is_won": o.is_won,
        "closed_at": o.closed_at,
        "qualification": o.qualification,
        "description": o.description,
        "created_at": o.created_at,
        "updated_at": o.updated_at,
    }


def activity_row(a: DemoActivity, ids: Ids) -> Row:
    return {
        "kind": a.kind,
        "direction": a.direction,
        "outcome": a.outcome,
        "summary": a.summary,
        "occurred_at": a.occurred_at,
        "created_at": a.occurred_at,
        "user_id": ids.user(a.user),
        "lead_id": ids.leads[a.lead_ref] if a.lead_ref is not None else None,
        "contact_id": ids.contacts[a.contact_ref] if a.contact_ref is not None else None,
        "account_id": ids.accounts[a.account_ref] if a.account_ref is not None else None,
        "opportunity_id": ids.opportunities[a.opportunity_ref] if a.opportunity_ref else None,
        "details": a.details,
    }


def clock_row(c: DemoClock, lead_id: int, ids: Ids) -> Row:
    return {
        "lead_id": lead_id,
        "opportunity_id": None,
        "rule": c.rule,
        "owner_id": ids.user(c.owner),
        "started_at": c.started_at,
        "due_at": c.due_at,
        "stopped_at": c.stopped_at,
        "stopped_by": c.stopped_by,
        "activity_id": ids.activities[c.activity_ref] if c.activity_ref is not None else None,
        "breached_at": c.breached_at,
        "escalate_at": c.escalate_at,
        "escalated_at": c.escalated_at,
    }
