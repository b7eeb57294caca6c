"""Account and contact matching (SPEC §5) and the existing-customer rule (§6). Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

# Public mailbox providers: a shared domain says nothing about the company.
FREE_MAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com yahoo.com yahoo.fr ymail.com hotmail.com hotmail.fr
    outlook.com outlook.fr live.com live.fr msn.com icloud.com me.com mac.com aol.com
    orange.fr wanadoo.fr free.fr sfr.fr neuf.fr laposte.net bbox.fr numericable.fr
    gmx.com gmx.fr gmx.de web.de protonmail.com proton.me pm.me mail.com zoho.com
    yandex.com yandex.ru tutanota.com hey.com fastmail.com qq.com 163.com""".split()
)

# Legal forms that do not distinguish one company from another.
_LEGAL_FORMS = frozenset(
    """sa sas sasu sarl eurl sci snc scop gie se inc incorporated ltd limited llc llp plc
    corp corporation co company gmbh ag kg bv nv spa srl sl oy ab as group groupe holding""".split()
)


def normalise_company_name(name: str | None) -> str:
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    # "S.A.S." and "S.A.R.L." are written with dots: join the letters so they read as "sas".
    text = re.sub(
        r"(?<![a-z0-9])([a-z](?:\.[a-z])+)\.?", lambda m: m.group(1).replace(".", ""), text
    )
    words = re.findall(r"[a-z0-9]+", text)
    kept = [w for w in words if w not in _LEGAL_FORMS]
    return " ".join(kept or words)


def normalise_email(email: str | None) -> str | None:
    if not email:
        return None
    email = email.strip().casefold()
    return email or None


def email_domain(email: str | None) -> str | None:
    """The company domain of an address, or None for free-mail and malformed addresses."""
    email = normalise_email(email)
    if not email or email.count("@") != 1:
        return None
    domain = email.rsplit("@", 1)[1].strip(".")
    if "." not in domain or domain in FREE_MAIL_DOMAINS:
        return None
    return domain


def normalise_domain(domain: str | None) -> str | None:
    if not domain:
        return None
    domain = domain.strip().casefold()
    domain = re.sub(r"^[a-z]+://", "", domain).split("/", 1)[0]
    domain = domain.removeprefix("www.").strip(".")
    return domain or None


@dataclass(frozen=True)
class AccountFacts:
    id: int
    name: str
    domain: str | None
    is_customer: bool = False


@dataclass(frozen=True)
class AccountMatch:
    """``existing`` (account_id set), ``new`` (create one) or ``ambiguous`` (choices)."""

    kind: str
    account_id: int | None = None
    choices: tuple[AccountFacts, ...] = field(default_factory=tuple)
    matched_on: str | None = None


def match_account(
    email: str | None,
    company: str | None,
    candidates: Iterable[AccountFacts],
    *,
    threshold: int = 92,
) -> AccountMatch:
    """Domain first (never a free-mail domain), then normalised company name (fuzzy)."""
    candidates = list(candidates)
    domain = email_domain(email)
    if domain:
        by_domain = [a for a in candidates if normalise_domain(a.domain) == domain]
        if len(by_domain) == 1:
            return AccountMatch("existing", by_domain[0].id, matched_on="domain")
        if len(by_domain) > 1:
            return AccountMatch("ambiguous", choices=tuple(by_domain), matched_on="domain")
    key = normalise_company_name(company)
    if not key:
        return AccountMatch("new")
    exact = [a for a in candidates if normalise_company_name(a.name) == key]
    if len(exact) == 1:
        return AccountMatch("existing", exact[0].id, matched_on="name")
    if len(exact) > 1:
        return AccountMatch("ambiguous", choices=tuple(exact), matched_on="name")
    close = [a for a in candidates if fuzz.ratio(key, normalise_company_name(a.name)) >= threshold]
    if len(close) == 1:
        return AccountMatch("existing", close[0].id, matched_on="similar_name")
    if len(close) > 1:
        return AccountMatch("ambiguous", choices=tuple(close), matched_on="similar_name")
    return AccountMatch("new")


@dataclass(frozen=True)
class ContactFacts:
    id: int
    email: str | None
    account_id: int | None


def match_contact(email: str | None, candidates: Sequence[ContactFacts]) -> ContactFacts | None:
    """A contact is the same person when the e-mail matches, whatever the case."""
    key = normalise_email(email)
    if not key:
        return None
    for contact in candidates:
        if normalise_email(contact.email) == key:
            return contact
    return None


def is_existing_customer(contact_account: AccountFacts | None) -> bool:
    """SPEC §6: a person whose account is a customer is never handled as a lead."""
    return contact_account is not None and contact_account.is_customer
