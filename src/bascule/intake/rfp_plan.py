"""The RFP form (SPEC §7, §12 scenario 5): what an RFP must carry to be an opportunity. Pure.

The sender and every named contact become contacts of the account with their role; the
budget gives the amount; the account is a known one when it matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bascule.accounts.identity import check_email, check_phone
from bascule.accounts.model import AccountMatch, email_domain, normalise_email
from bascule.errors import MissingFields
from bascule.intake.model import Submission
from bascule.intake.parse import parse_amount
from bascule.playbook.schema import Playbook


@dataclass(frozen=True)
class Person:
    email: str | None  # validated and normalised, or None
    first_name: str | None
    last_name: str | None
    role: str
    job_title: str | None = None
    phone: str | None = None

    @property
    def email_key(self) -> str | None:
        return normalise_email(self.email)


@dataclass(frozen=True)
class RfpPlan:
    project: str
    amount: Decimal
    expected_close_date: date
    people: tuple[Person, ...]  # the sender first, then each named contact once
    domains: tuple[str, ...] = field(default_factory=tuple)  # company domains, sender's first

    @property
    def matching_email(self) -> str | None:
        """The address whose domain names the company: the sender's, else a named contact's
        (an RFP sent from a personal mailbox still names colleagues at the company)."""
        for person in self.people:
            if email_domain(person.email):
                return person.email
        return self.people[0].email


def _text_or_none(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def plan_rfp(sub: Submission, playbook: Playbook) -> RfpPlan:
    """Check an RFP: project, budget (an amount > 0), expected close date, named contacts."""
    errors: dict[str, str] = {}
    answers = sub.answers
    project = _text_or_none(answers.get("project"))
    if project is None:
        errors["project"] = "required: the name of the project (the opportunity's name)"
    amount = parse_amount(answers.get("budget"))
    if answers.get("budget") in (None, ""):
        errors["budget"] = 'required: an RFP states its budget (e.g. 150000 or "150 k€")'
    elif amount is None:
        errors["budget"] = 'not an amount greater than 0 (e.g. 150000 or "150 k€")'
    close = answers.get("expected_close_date")
    if isinstance(close, str):
        try:
            close = date.fromisoformat(close)
        except ValueError:
            close = None
            errors["expected_close_date"] = "must be a date (YYYY-MM-DD)"
    if close is None and "expected_close_date" not in errors:
        errors["expected_close_date"] = "required: when the buyer will decide (YYYY-MM-DD)"
    default_role = playbook.conversion.default_contact_role
    people: list[Person] = []
    sender_email = sub.email
    named = answers.get("contacts") or []
    roles = {
        normalise_email(c.get("email")): c.get("role")
        for c in named
        if isinstance(c, Mapping) and isinstance(c.get("email"), str)
    }
    sender = Person(
        email=sender_email,
        first_name=sub.lead.get("first_name"),
        last_name=sub.lead.get("last_name"),
        role=roles.get(normalise_email(sender_email)) or default_role,
        job_title=sub.lead.get("job_title"),
        phone=sub.lead.get("phone"),
    )
    if sender.role not in playbook.contact_role_keys:
        sender = replace(sender, role=default_role)
    if not (sender.email or sender.last_name):
        errors["email"] = "required: the e-mail of the person sending the RFP"
    people.append(sender)
    seen = {sender.email_key} if sender.email_key else set()
    for i, item in enumerate(named):
        person = _named_person(i, item, playbook, errors)
        if person is None or (person.email_key and person.email_key in seen):
            continue
        if person.email_key:
            seen.add(person.email_key)
        people.append(person)
    if errors:
        raise MissingFields(errors)
    assert project is not None and amount is not None and isinstance(close, date)
    domains = [d for d in (email_domain(p.email) for p in people) if d]
    return RfpPlan(project, amount, close, tuple(people), tuple(dict.fromkeys(domains)))


def _named_person(
    index: int, item: Any, playbook: Playbook, errors: dict[str, str]
) -> Person | None:
    where = f"contacts.{index}"
    if not isinstance(item, Mapping):
        errors[where] = "must be an object {first_name, last_name, email, role}"
        return None
    email, error = check_email(item.get("email") if isinstance(item.get("email"), str) else None)
    if error:
        errors[f"{where}.email"] = error
    role = item.get("role") or playbook.conversion.default_contact_role
    if role not in playbook.contact_role_keys:
        errors[f"{where}.role"] = f"must be one of {', '.join(playbook.contact_role_keys)}"
    raw_phone = item.get("phone")
    phone, phone_error = check_phone(
        raw_phone if isinstance(raw_phone, str) else None, playbook.general.country
    )
    if phone_error:
        errors[f"{where}.phone"] = phone_error
    last_name = _text_or_none(item.get("last_name"))
    if not (email or last_name or error):
        errors[where] = "a contact needs an e-mail or a last name"
    return Person(
        email=email,
        first_name=_text_or_none(item.get("first_name")),
        last_name=last_name,
        role=str(role),
        job_title=_text_or_none(item.get("job_title")),
        phone=phone,
    )


def rfp_description(sub: Submission, *, account_note: str | None) -> str | None:
    """The opportunity's description: the RFP's message, and a word on an uncertain account."""
    parts = []
    message = _text_or_none(sub.answers.get("message"))
    if message:
        parts.append(message)
    if account_note:
        parts.append(account_note)
    return "\n\n".join(parts) or None


def choose_account(match: AccountMatch) -> tuple[int | None, str | None]:
    """(account id or None to create one, a note for the opportunity's description).

    Several matching accounts: the oldest one is taken, deterministically, so a second
    submission of the same RFP finds the same account and the same opportunity; the others
    are named in the description for the salesperson to check."""
    if match.kind == "existing":
        return match.account_id, None
    if match.kind == "ambiguous" and match.choices:
        chosen = min(match.choices, key=lambda a: a.id)
        return chosen.id, ambiguous_account_note([(a.id, a.name) for a in match.choices])
    return None, None


def ambiguous_account_note(choices: list[tuple[int, str]]) -> str:
    listed = ", ".join(f"#{i} {name}" for i, name in choices)
    return f"Compte à vérifier : plusieurs comptes correspondent à l'appel d'offres ({listed})."
