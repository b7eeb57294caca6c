"""What the account and contact pages show, read within what the reader may see
(``bascule.access``): the record, its people, opportunities (open, then closed), converted
leads, upsell suggestions and latest signals, with the owners' names. A bounded number of
statements whatever the account's size: each part is one query with a limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bascule.access import service as access
from bascule.accounts import service as accounts
from bascule.audit import reading as audit
from bascule.playbook.schema import Playbook
from bascule.storage import account_pages as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

# Enough for a page; an account with more shows the first ones and says how many are listed.
CONTACTS_SHOWN = 100
OPPORTUNITIES_SHOWN = 100
LEADS_SHOWN = 50
SUGGESTIONS_SHOWN = 20
SIGNALS_SHOWN = 20


@dataclass
class AccountOverview:
    account: t.Account
    contacts: list[t.Contact]
    open_opportunities: list[t.Opportunity]
    closed_opportunities: list[t.Opportunity]
    leads: list[t.Lead]
    suggestions: list[t.UpsellSuggestion]
    signals: list[t.Signal]
    names: dict[int, str] = field(default_factory=dict)  # user id -> name
    audit: list[dict[str, Any]] = field(default_factory=list)  # ``audit.reading.of_record``


@dataclass
class ContactOverview:
    contact: t.Contact
    account: t.Account | None
    open_opportunities: list[t.Opportunity]
    closed_opportunities: list[t.Opportunity]
    leads: list[t.Lead]
    signals: list[t.Signal]
    names: dict[int, str] = field(default_factory=dict)
    audit: list[dict[str, Any]] = field(default_factory=list)


def _owner_filters(uow: UnitOfWork, actor: Actor, playbook: Playbook) -> tuple[Any, Any]:
    """The WHERE clauses on the leads and opportunities this reader may read."""
    return (
        access.where(uow, actor, playbook, "lead"),
        access.where(uow, actor, playbook, "opportunity"),
    )


def account_overview(
    uow: UnitOfWork, account_id: int, *, actor: Actor, playbook: Playbook
) -> AccountOverview:
    """NotFound for an unknown account. Accounts and contacts are readable by every role
    (SPEC §18); opportunities and leads only as far as the reader may see them."""
    account = accounts.get_account(uow, account_id)
    session = uow.session
    lead_owner, opportunity_owner = _owner_filters(uow, actor, playbook)
    opportunities = store.opportunities_of(
        session, account_id=account_id, owner=opportunity_owner, limit=OPPORTUNITIES_SHOWN
    )
    overview = AccountOverview(
        account=account,
        contacts=store.contacts_of(session, account_id, CONTACTS_SHOWN),
        open_opportunities=[o for o in opportunities if not o.is_closed],
        closed_opportunities=[o for o in opportunities if o.is_closed],
        leads=store.leads_of(session, account_id=account_id, owner=lead_owner, limit=LEADS_SHOWN),
        suggestions=store.upsell_of(session, account_id, SUGGESTIONS_SHOWN),
        signals=store.signals_of(session, account_id=account_id, limit=SIGNALS_SHOWN),
    )
    owners = [account.owner_id, *(o.owner_id for o in opportunities)]
    owners += [lead.owner_id for lead in overview.leads]
    overview.names = store.user_names(session, owners)
    overview.audit = audit.of_record(uow, "account", account_id, actor=actor, playbook=playbook)
    return overview


def contact_overview(
    uow: UnitOfWork, contact_id: int, *, actor: Actor, playbook: Playbook
) -> ContactOverview:
    contact = accounts.get_contact(uow, contact_id)
    session = uow.session
    lead_owner, opportunity_owner = _owner_filters(uow, actor, playbook)
    opportunities = store.opportunities_of(
        session, contact_id=contact_id, owner=opportunity_owner, limit=OPPORTUNITIES_SHOWN
    )
    leads = store.leads_of(session, contact_id=contact_id, owner=lead_owner, limit=LEADS_SHOWN)
    account = session.get(t.Account, contact.account_id) if contact.account_id else None
    names = store.user_names(
        session,
        [contact.owner_id, *(o.owner_id for o in opportunities), *(x.owner_id for x in leads)],
    )
    return ContactOverview(
        contact=contact,
        account=account,
        open_opportunities=[o for o in opportunities if not o.is_closed],
        closed_opportunities=[o for o in opportunities if o.is_closed],
        leads=leads,
        signals=store.signals_of(session, contact_id=contact_id, limit=SIGNALS_SHOWN),
        names=names,
        audit=audit.of_record(uow, "contact", contact_id, actor=actor, playbook=playbook),
    )


@dataclass
class AccountRow:
    account: t.Account
    owner_name: str | None
    open_count: int
    open_amount: Any


def account_rows(
    uow: UnitOfWork, items: list[t.Account], *, actor: Actor, playbook: Playbook
) -> list[AccountRow]:
    """One page of the account list with owners and open pipeline: two statements."""
    _, opportunity_owner = _owner_filters(uow, actor, playbook)
    session = uow.session
    names = store.user_names(session, [a.owner_id for a in items])
    counts = store.open_opportunity_counts(session, [a.id for a in items], opportunity_owner)
    return [
        AccountRow(
            a,
            names.get(a.owner_id) if a.owner_id else None,
            *counts.get(a.id, (0, None)),
        )
        for a in items
    ]


def account_names(uow: UnitOfWork, items: list[t.Contact]) -> dict[int, str]:
    """The accounts of one page of contacts, by id: one statement."""
    return store.account_names(uow.session, [c.account_id for c in items])
