"""What converting a lead would attach to, before anything is written (the web wizard):
what qualification still lacks, the contact found by e-mail, the accounts that match (same
domain, same or a close company name) with the one the conversion would pick by itself, and
the open opportunities of those accounts the lead could join instead of a new one.

``shown_accounts`` is pure; ``preview`` fetches the facts and calls it with the same matching
rule ``conversion.service.convert`` applies."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from bascule.accounts.model import (
    AccountFacts,
    AccountMatch,
    email_domain,
    match_account,
    normalise_company_name,
    normalise_domain,
)
from bascule.leads.model import Qualification
from bascule.leads.model import missing_for_conversion as qualification_gaps
from bascule.playbook.schema import Playbook
from bascule.storage import opportunity_pages as store
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork

# Names this close are worth showing for the user to choose, even below the automatic match.
SHOW_SIMILAR_FROM = 80


@dataclass(frozen=True)
class ShownAccount:
    account: AccountFacts
    matched_on: str  # domain, name, similar_name, contact


def shown_accounts(
    email: str | None, company: str | None, candidates: list[AccountFacts], threshold: int
) -> tuple[list[ShownAccount], AccountMatch]:
    """The candidates worth showing (best reasons first) and what the rule alone would do."""
    domain = email_domain(email)
    key = normalise_company_name(company)
    shown: list[tuple[int, ShownAccount]] = []
    for account in candidates:
        name_key = normalise_company_name(account.name)
        if domain and normalise_domain(account.domain) == domain:
            shown.append((0, ShownAccount(account, "domain")))
        elif key and name_key == key:
            shown.append((1, ShownAccount(account, "name")))
        elif key and fuzz.ratio(key, name_key) >= min(threshold, SHOW_SIMILAR_FROM):
            shown.append((2, ShownAccount(account, "similar_name")))
    shown.sort(key=lambda item: (item[0], item[1].account.name.casefold(), item[1].account.id))
    return [item for _, item in shown], match_account(
        email, company, candidates, threshold=threshold
    )


@dataclass(frozen=True)
class ConversionPreview:
    missing: dict[str, str]  # qualification still lacking; empty when ready
    contact: t.Contact | None
    accounts: list[ShownAccount]
    # The account the conversion picks by itself (None: it creates one, or must be told).
    suggested_account_id: int | None
    ambiguous: bool
    open_opportunities: list[store.OpportunityRow]
    conversion: t.LeadConversion | None  # already converted: what it produced


def preview(uow: UnitOfWork, *, lead: t.Lead, playbook: Playbook) -> ConversionPreview:
    session = uow.session
    missing: dict[str, str] = {}
    if playbook.conversion.require_ready_to_convert:
        missing = qualification_gaps(Qualification.from_dict(lead.qualification), playbook)
    contact = repo.contact_by_email(session, lead.email_key)
    if contact is not None and contact.account_id is not None:
        # The contact's account wins over any match (``conversion.plan.choose_account``).
        shown = [
            ShownAccount(AccountFacts(a.id, a.name, a.domain, a.is_customer), "contact")
            for a in store.accounts_by_id(session, [contact.account_id])
        ]
        match = AccountMatch("existing", contact.account_id, matched_on="contact")
    else:
        facts = [
            AccountFacts(a.id, a.name, a.domain, a.is_customer)
            for a in repo.account_candidates(
                session, email_domain(lead.email), normalise_company_name(lead.company)
            )
        ]
        shown, match = shown_accounts(
            lead.email, lead.company, facts, playbook.conversion.company_match_threshold
        )
    return ConversionPreview(
        missing=missing,
        contact=contact,
        accounts=shown,
        suggested_account_id=match.account_id if match.kind == "existing" else None,
        ambiguous=match.kind == "ambiguous",
        open_opportunities=store.open_on_accounts(session, [s.account.id for s in shown]),
        conversion=repo.lead_conversion(session, lead.id),
    )
