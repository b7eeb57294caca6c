"""CSV exports of the lists (SPEC §11): leads, contacts, accounts and opportunities, with the
filters of the list they export, through the same list services, page after page, so that
whatever those lists apply (filters, and the record-level access the access layer adds to
them) applies here too; rows outside ``bascule.access`` are left out as the lists' pages
leave them out. Every person's row says whether they asked not to be contacted. The file is
written by ``analytics.export`` (formula-looking cells neutralised)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bascule.access import service as access
from bascule.accounts import service as accounts
from bascule.analytics import export
from bascule.analytics.conditions import OpportunityFilters
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


# Given one page of records, the cells that are not plain attributes (tags, consents, computed
# amounts): read once per page so an export costs a fixed number of statements per 500 rows.
PageExtras = Callable[[list[Any]], Callable[[Any], dict[str, Any]]]


def _csv(
    columns: Sequence[str],
    fetch: Callable[[int], tuple[list[Any], int]],
    extras: PageExtras | None = None,
) -> str:
    def rows() -> Iterator[dict[str, Any]]:
        for items in _pages(fetch):
            more = extras(items) if extras else None
            for record in items:
                row = {c: _cell(getattr(record, c, None)) for c in columns}
                if more is not None:
                    row.update(more(record))
                yield row

    return export.rows_to_csv(columns, rows())


def leads(uow: UnitOfWork, *, flt: repo.LeadFilter, actor: Actor, playbook: Playbook) -> str:
    readable = replace(flt, readable=access.where(uow, actor, playbook, "lead"))

    def fetch(page: int) -> tuple[list[Any], int]:
        return repo.list_leads(uow.session, replace(readable, page=page, page_size=PAGE))

    def tags_and_consents(items: list[Any]) -> Callable[[Any], dict[str, Any]]:
        tags, held = consents.tags_and_consents(uow, [lead.id for lead in items])
        return lambda lead: {
            "tags": ";".join(tags[lead.id]),
            "consents": _consents_cell(held[lead.id]),
        }

    return _csv(LEAD_COLUMNS, fetch, tags_and_consents)


def contacts(
    uow: UnitOfWork, *, account_id: int | None, q: str | None, actor: Actor, playbook: Playbook
) -> str:
    def fetch(page: int) -> tuple[list[Any], int]:
        return accounts.list_contacts(
            uow, account_id=account_id, q=q, page=page, page_size=PAGE, actor=actor,
            playbook=playbook,
        )  # fmt: skip

    def held_consents(items: list[Any]) -> Callable[[Any], dict[str, Any]]:
        held = consents.of_contacts(uow, [c.id for c in items])
        return lambda contact: {"consents": _consents_cell(held.get(contact.id, []))}

    return _csv(CONTACT_COLUMNS, fetch, held_consents)


def accounts_csv(
    uow: UnitOfWork, *, q: str | None, is_customer: bool | None, actor: Actor, playbook: Playbook
) -> str:
    def fetch(page: int) -> tuple[list[Any], int]:
        return accounts.list_accounts(
            uow, q=q, is_customer=is_customer, page=page, page_size=PAGE, actor=actor,
            playbook=playbook,
        )  # fmt: skip

    return _csv(ACCOUNT_COLUMNS, fetch)


def opportunities_csv(
    uow: UnitOfWork, *, flt: OpportunityFilters, actor: Actor, playbook: Playbook, now: datetime
) -> str:
    # A role that reads no amounts (playbook ``[access]``) gets the file without those columns.
    amounts = access.sees_amounts(uow, actor, playbook)
    columns = tuple(c for c in OPPORTUNITY_COLUMNS if amounts or c not in AMOUNTS)

    def fetch(page: int) -> tuple[list[Any], int]:
        return opportunities.listed(
            uow, flt, page=page, page_size=PAGE, actor=actor, playbook=playbook, now=now
        )

    def weighted(items: list[Any]) -> Callable[[Any], dict[str, Any]]:
        return lambda opp: {"weighted_amount": weighted_amount(opp.amount, opp.probability)}

    return _csv(columns, fetch, weighted if amounts else None)
