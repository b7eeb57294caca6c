"""CSV exports of the lists (SPEC §11): leads, contacts, accounts and opportunities, with the
filters of the list they export, through the same list services, page after page, so that
whatever those lists apply (filters, and the record-level access the access layer adds to
them) applies here too; rows outside ``bascule.access`` are left out as the lists' pages
leave them out. Every person's row says whether they asked not to be contacted. The file is
written by ``analytics.export`` (formula-looking cells neutralised)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from bascule.access import service as access
from bascule.accounts import service as accounts
from bascule.analytics import export
from bascule.opportunities import service as opportunities
from bascule.opportunities.model import weighted_amount
from bascule.playbook.schema import Playbook
from bascule.privacy import consents
from bascule.storage import repositories as repo
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

# Rows read per page of the underlying list: memory stays flat whatever the export's size.
PAGE = 500

LEAD_COLUMNS = (
    "id", "first_name", "last_name", "email", "phone", "company", "job_title", "employees",
    "sector", "country", "source", "campaign", "kind", "status", "temperature", "score",
    "ready_to_convert", "owner_id", "tags", "do_not_contact", "consents", "created_at",
    "updated_at", "first_response_due_at", "account_id", "contact_id", "opportunity_id",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "first_name", "last_name", "email", "phone", "job_title", "account_id", "owner_id",
    "do_not_contact", "consents", "created_at",
)  # fmt: skip
ACCOUNT_COLUMNS = (
    "id", "name", "domain", "sector", "employees", "country", "is_customer", "customer_since",
    "owner_id", "created_at",
)  # fmt: skip
OPPORTUNITY_COLUMNS = (
    "id", "name", "account_id", "amount", "currency", "weighted_amount", "expected_close_date",
    "stage", "probability", "type", "lead_source", "campaign", "lead_id", "loss_reason",
    "owner_id", "is_closed", "is_won", "closed_at", "created_at",
)  # fmt: skip
# SPEC §18: marketing reads no opportunity amounts.
AMOUNTS = ("amount", "weighted_amount")


def _pages(fetch: Callable[[int], tuple[list[Any], int]]) -> Iterator[list[Any]]:
    page = 1
    while True:
        items, _total = fetch(page)
        if items:
            yield items
        if len(items) < PAGE:
            return
        page += 1


def _consents_cell(items: Sequence[dict[str, Any]]) -> str:
    return ";".join(f"{c['purpose']}={'yes' if c['granted'] else 'no'}" for c in items)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def leads(uow: UnitOfWork, *, flt: repo.LeadFilter, actor: Actor, playbook: Playbook) -> str:
    readable = replace(flt, readable=access.where(uow, actor, playbook, "lead"))

    def rows() -> Iterator[dict[str, Any]]:
        fetch = lambda page: repo.list_leads(  # noqa: E731
            uow.session, replace(readable, page=page, page_size=PAGE)
        )
        for items in _pages(fetch):
            tags, held = consents.tags_and_consents(uow, [lead.id for lead in items])
            for lead in items:
                row = {c: _cell(getattr(lead, c, None)) for c in LEAD_COLUMNS}
                row["tags"] = ";".join(tags[lead.id])
                row["consents"] = _consents_cell(held[lead.id])
                yield row

    return export.rows_to_csv(LEAD_COLUMNS, rows())


def contacts(
    uow: UnitOfWork, *, account_id: int | None, q: str | None, actor: Actor, playbook: Playbook
) -> str:
    def rows() -> Iterator[dict[str, Any]]:
        fetch = lambda page: accounts.list_contacts(  # noqa: E731
            uow,
            account_id=account_id,
            q=q,
            page=page,
            page_size=PAGE,
            actor=actor,
            playbook=playbook,
        )
        for items in _pages(fetch):
            held = consents.of_contacts(uow, [c.id for c in items])
            for contact in items:
                row = {c: _cell(getattr(contact, c, None)) for c in CONTACT_COLUMNS}
                row["consents"] = _consents_cell(held.get(contact.id, []))
                yield row

    return export.rows_to_csv(CONTACT_COLUMNS, rows())


def accounts_csv(
    uow: UnitOfWork, *, q: str | None, is_customer: bool | None, actor: Actor, playbook: Playbook
) -> str:
    def rows() -> Iterator[dict[str, Any]]:
        fetch = lambda page: accounts.list_accounts(  # noqa: E731
            uow,
            q=q,
            is_customer=is_customer,
            page=page,
            page_size=PAGE,
            actor=actor,
            playbook=playbook,
        )
        for items in _pages(fetch):
            for account in items:
                yield {c: _cell(getattr(account, c, None)) for c in ACCOUNT_COLUMNS}

    return export.rows_to_csv(ACCOUNT_COLUMNS, rows())


def opportunities_csv(
    uow: UnitOfWork, *, filters: dict[str, Any], actor: Actor, playbook: Playbook
) -> str:
    # A role that reads no amounts (playbook ``[access]``) gets the file without those columns.
    amounts = access.sees_amounts(uow, actor, playbook)
    columns = tuple(c for c in OPPORTUNITY_COLUMNS if amounts or c not in AMOUNTS)

    def rows() -> Iterator[dict[str, Any]]:
        fetch = lambda page: opportunities.list_opportunities(  # noqa: E731
            uow, **filters, page=page, page_size=PAGE, actor=actor, playbook=playbook
        )
        for items in _pages(fetch):
            for opp in items:
                row = {c: _cell(getattr(opp, c, None)) for c in columns if c in OPPORTUNITY_COLUMNS}
                if "weighted_amount" in columns:
                    row["weighted_amount"] = weighted_amount(opp.amount, opp.probability)
                yield row

    return export.rows_to_csv(columns, rows())
