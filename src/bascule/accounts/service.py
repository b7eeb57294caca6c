"""Account and contact use cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bascule.access import service as access
from bascule.accounts.identity import check_email, check_phone
from bascule.accounts.model import (
    AccountFacts,
    is_existing_customer,
    normalise_company_name,
    normalise_domain,
    normalise_email,
)
from bascule.audit import service as audit
from bascule.errors import Conflict, NotFound, ValidationFailed
from bascule.playbook.schema import Playbook
from bascule.privacy import consents
from bascule.signals import service as signals
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require

ACCOUNT_FIELDS = ("name", "domain", "sector", "employees", "country", "owner_id")
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "job_title", "account_id")


def get_account(uow: UnitOfWork, account_id: int, *, for_update: bool = False) -> t.Account:
    account: t.Account | None = repo.get(uow.session, t.Account, account_id, for_update=for_update)
    if account is None:
        raise NotFound(f"account {account_id} not found", fields={"account_id": "no such account"})
    return account


def get_contact(uow: UnitOfWork, contact_id: int) -> t.Contact:
    contact: t.Contact | None = uow.session.get(t.Contact, contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} not found", fields={"contact_id": "no such contact"})
    return contact


def read_account(
    uow: UnitOfWork, account_id: int, *, actor: Actor, playbook: Playbook
) -> t.Account:
    """The account if ``actor`` may read it; else ``NotFound``, as if it did not exist."""
    account = get_account(uow, account_id)
    access.check(uow, actor, playbook, "account", account)
    return account


def read_contact(
    uow: UnitOfWork, contact_id: int, *, actor: Actor, playbook: Playbook
) -> t.Contact:
    """The contact if ``actor`` may read it; else ``NotFound``, as if it did not exist."""
    contact = get_contact(uow, contact_id)
    access.check(uow, actor, playbook, "contact", contact)
    return contact


def customer_of(uow: UnitOfWork, email_key: str | None) -> tuple[t.Contact, t.Account] | None:
    """The contact with this e-mail and its account, when that account is a customer: such a
    person is handled on the account, never as a lead (SPEC §6)."""
    contact = repo.contact_by_email(uow.session, email_key)
    if contact is None or contact.account_id is None:
        return None
    return customer_among(contact, uow.session.get(t.Account, contact.account_id))


def customer_among(
    contact: t.Contact | None, account: t.Account | None
) -> tuple[t.Contact, t.Account] | None:
    """``customer_of`` on a contact and its account already read (``leads.service.look_up``
    reads them with the open lead, in one statement)."""
    if contact is None or account is None or contact.account_id != account.id:
        return None
    facts = AccountFacts(account.id, account.name, account.domain, bool(account.is_customer))
    return (contact, account) if is_existing_customer(facts) else None


def _check_owner(uow: UnitOfWork, owner_id: int | None) -> None:
    if owner_id is not None and uow.session.get(t.User, owner_id) is None:
        raise ValidationFailed("unknown owner", fields={"owner_id": "no such user"})


def create_account(
    uow: UnitOfWork, *, data: dict[str, Any], actor: Actor, now: datetime
) -> t.Account:
    require(actor, "account.write")
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValidationFailed("an account needs a name", fields={"name": "required"})
    _check_owner(uow, data.get("owner_id"))
    account = t.Account(
        name=name,
        name_key=normalise_company_name(name),
        domain=normalise_domain(data.get("domain")),
        sector=data.get("sector"),
        employees=data.get("employees"),
        country=(data.get("country") or None) and str(data["country"]).upper(),
        owner_id=data.get("owner_id", actor.user_id),
        is_customer=False,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(account)
    uow.session.flush()
    audit.record(
        uow,
        actor=actor,
        entity="account",
        entity_id=account.id,
        action="create",
        changes={k: [None, audit.jsonable(getattr(account, k))] for k in ACCOUNT_FIELDS},
        now=now,
    )
    return account


def update_account(
    uow: UnitOfWork,
    *,
    account_id: int,
    changes: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> t.Account:
    require(actor, "account.write")
    account = get_account(uow, account_id, for_update=True)
    access.check(uow, actor, playbook, "account", account, edit=True)
    reason = audit.take_reason(changes)
    if "name" in changes and not str(changes["name"] or "").strip():
        raise ValidationFailed("an account needs a name", fields={"name": "required"})
    if "owner_id" in changes:
        _check_owner(uow, changes["owner_id"])
    before = {k: getattr(account, k) for k in changes}
    for key, value in changes.items():
        if key == "domain":
            value = normalise_domain(value)
        setattr(account, key, value)
    account.name_key = normalise_company_name(account.name)
    account.updated_at = now
    audit.record(
        uow,
        actor=actor,
        entity="account",
        entity_id=account.id,
        action="update",
        changes=audit.diff(before, {k: getattr(account, k) for k in changes}),
        reason=reason,
        now=now,
    )
    return account


def mark_customer(uow: UnitOfWork, account: t.Account, *, actor: Actor, now: datetime) -> None:
    """An account becomes a customer on its first won opportunity (SPEC §1)."""
    if account.is_customer:
        return
    account.is_customer = True
    account.customer_since = now
    account.updated_at = now
    audit.record(
        uow,
        actor=actor,
        entity="account",
        entity_id=account.id,
        action="became_customer",
        changes={"is_customer": [False, True]},
        now=now,
    )


def list_accounts(
    uow: UnitOfWork,
    *,
    q: str | None,
    is_customer: bool | None,
    page: int,
    page_size: int,
    actor: Actor,
    playbook: Playbook,
) -> tuple[list[t.Account], int]:
    readable = access.where(uow, actor, playbook, "account")
    where = [] if readable is None else [readable]
    if q:
        where.append(t.Account.name_key.contains(normalise_company_name(q)))
    if is_customer is not None:
        where.append(t.Account.is_customer.is_(is_customer))
    return repo.list_page(
        uow.session, t.Account, where=where, order=[t.Account.name], page=page, page_size=page_size
    )


def _clean_contact(data: dict[str, Any], playbook: Playbook, uow: UnitOfWork) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean = dict(data)
    if "email" in clean:
        clean["email"], err = check_email(clean["email"])
        if err:
            errors["email"] = err
    if "phone" in clean:
        clean["phone"], err = check_phone(clean["phone"], playbook.general.country)
        if err:
            errors["phone"] = err
    if (
        clean.get("account_id") is not None
        and uow.session.get(t.Account, clean["account_id"]) is None
    ):
        errors["account_id"] = "no such account"
    if "do_not_contact" in clean and clean["do_not_contact"] is None:
        errors["do_not_contact"] = "cannot be empty"
    if errors:
        raise ValidationFailed("some contact fields are invalid", fields=errors)
    return clean


def create_contact(
    uow: UnitOfWork, *, data: dict[str, Any], actor: Actor, playbook: Playbook, now: datetime
) -> t.Contact:
    require(actor, "contact.write")
    answers = data.pop("consents", None)
    clean = _clean_contact(data, playbook, uow)
    if not (clean.get("last_name") or clean.get("email")):
        raise ValidationFailed(
            "a contact needs a last name or an e-mail", fields={"last_name": "required"}
        )
    email_key = normalise_email(clean.get("email"))
    existing = repo.contact_by_email(uow.session, email_key)
    if existing is not None:
        raise Conflict(
            f"a contact with this e-mail already exists: #{existing.id}",
            fields={"email": f"already used by contact {existing.id}"},
            existing_id=existing.id,
        )
    contact = t.Contact(
        **{k: clean.get(k) for k in CONTACT_FIELDS},
        email_key=email_key,
        owner_id=actor.user_id,
        do_not_contact=bool(clean.get("do_not_contact")),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(contact)
    uow.session.flush()
    consents.record(
        uow, items=answers, contact_id=contact.id, source="api", actor=actor, playbook=playbook,
        now=now,
    )  # fmt: skip
    signals.attach_pending(
        uow, email_key=email_key, contact_id=contact.id, account_id=contact.account_id
    )
    audit.record(
        uow,
        actor=actor,
        entity="contact",
        entity_id=contact.id,
        action="create",
        changes={k: [None, clean.get(k)] for k in CONTACT_FIELDS if clean.get(k) is not None},
        now=now,
    )
    return contact


def update_contact(
    uow: UnitOfWork,
    *,
    contact_id: int,
    changes: dict[str, Any],
    actor: Actor,
    playbook: Playbook,
    now: datetime,
) -> t.Contact:
    require(actor, "contact.write")
    contact = get_contact(uow, contact_id)
    access.check(uow, actor, playbook, "contact", contact, edit=True)
    answers = changes.pop("consents", None)
    reason = audit.take_reason(changes)
    clean = _clean_contact(changes, playbook, uow)
    if "email" in clean:
        email_key = normalise_email(clean["email"])
        other = repo.contact_by_email(uow.session, email_key)
        if other is not None and other.id != contact.id:
            raise Conflict(
                f"a contact with this e-mail already exists: #{other.id}",
                fields={"email": f"already used by contact {other.id}"},
                existing_id=other.id,
            )
        contact.email_key = email_key
    before = {k: getattr(contact, k) for k in clean}
    for key, value in clean.items():
        setattr(contact, key, value)
    if "email" in clean:
        signals.attach_pending(
            uow, email_key=contact.email_key, contact_id=contact.id, account_id=contact.account_id
        )
    if not (contact.last_name or contact.email):
        raise ValidationFailed(
            "a contact keeps a last name or an e-mail",
            fields={k: "cannot be emptied" for k in ("last_name", "email") if k in clean},
        )
    contact.updated_at = now
    consents.record(
        uow, items=answers, contact_id=contact.id, source="api", actor=actor, playbook=playbook,
        now=now,
    )  # fmt: skip
    audit.record(
        uow,
        actor=actor,
        entity="contact",
        entity_id=contact.id,
        action="update",
        changes=audit.diff(before, clean),
        reason=reason,
        now=now,
    )
    return contact


def list_contacts(
    uow: UnitOfWork,
    *,
    account_id: int | None,
    q: str | None,
    page: int,
    page_size: int,
    actor: Actor,
    playbook: Playbook,
) -> tuple[list[t.Contact], int]:
    readable = access.where(uow, actor, playbook, "contact")
    where = [] if readable is None else [readable]
    if account_id is not None:
        where.append(t.Contact.account_id == account_id)
    if q:
        like = repo.like_pattern(q)
        where.append(
            t.Contact.last_name.ilike(like, escape="\\")
            | t.Contact.first_name.ilike(like, escape="\\")
            | t.Contact.email.ilike(like, escape="\\")
        )
    return repo.list_page(
        uow.session,
        t.Contact,
        where=where,
        order=[t.Contact.last_name],
        page=page,
        page_size=page_size,
    )


def account_to_read(account: t.Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "name": account.name,
        "domain": account.domain,
        "sector": account.sector,
        "employees": account.employees,
        "country": account.country,
        "is_customer": account.is_customer,
        "customer_since": account.customer_since,
        "owner_id": account.owner_id,
        "created_at": account.created_at,
    }


def contact_to_read(contact: t.Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "job_title": contact.job_title,
        "account_id": contact.account_id,
        "do_not_contact": contact.do_not_contact,
        "anonymised_at": contact.anonymised_at,
        "created_at": contact.created_at,
    }
