"""Who is in the demo: people and companies with unique names, e-mails and domains. Pure."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from bascule.demo import vocabulary as v
from bascule.demo.records import DemoCompany

COUNTRIES = (("FR", 86), ("BE", 6), ("CH", 4), ("LU", 2), ("CA", 2))
# Employees by size band: (low, high, weight).
# Country code and first digit of a mobile or landline number, then the digits that follow.
PHONE_PLANS = {
    "FR": ("+33", 8),
    "BE": ("+324", 8),
    "CH": ("+417", 8),
    "LU": ("+3526", 8),
    "CA": ("+1514", 7),
}
SIZE_BANDS = ((5, 19, 18), (20, 49, 24), (50, 249, 30), (250, 999, 18), (1000, 8000, 10))


def slug(text: str, sep: str = "") -> str:
    """ASCII, lower case, only letters and digits (joined by ``sep``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return sep.join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in pairs], weights=[w for _, w in pairs])[0]


@dataclass(frozen=True, slots=True)
class Person:
    first_name: str
    last_name: str
    female: bool
    job_title: str
    seniority: str


class Identities:
    """Hands out people and companies, never the same e-mail, company name or domain twice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._emails: set[str] = set()
        self._company_names: set[str] = set()
        self._domains: set[str] = set()

    def reserve_email(self, email: str) -> None:
        self._emails.add(email.lower())

    def person(self, *, support: bool = False) -> Person:
        rng = self.rng
        female = rng.random() < 0.47
        first = rng.choice(v.FIRST_NAMES_F if female else v.FIRST_NAMES_M)
        titles = v.SUPPORT_TITLES if support else v.JOB_TITLES
        masc, fem, seniority = rng.choice(titles)
        return Person(first, rng.choice(v.LAST_NAMES), female, fem if female else masc, seniority)

    def email(self, person: Person, domain: str) -> str:
        first, last = slug(person.first_name, "-"), slug(person.last_name, "-")
        styles = (f"{first}.{last}", f"{first[0]}{last}", f"{first}.{last}", f"{first}")
        base = self.rng.choice(styles) if domain not in v.FREE_MAIL else f"{first}.{last}"
        candidate = f"{base}@{domain}"
        n = 1
        while candidate in self._emails:
            n += 1
            candidate = f"{first}.{last}{n}@{domain}"
        self._emails.add(candidate)
        return candidate

    def free_mail_domain(self) -> str:
        return self.rng.choice(v.FREE_MAIL)

    def phone(self, country: str) -> str | None:
        """An E.164 number, as the services store them (or None: not every lead gives one)."""
        rng = self.rng
        if rng.random() < 0.15:
            return None
        prefix, length = PHONE_PLANS.get(country, PHONE_PLANS["FR"])
        if country == "FR":
            prefix += rng.choice("6677712345")
        return prefix + "".join(str(rng.randrange(10)) for _ in range(length))

    def company(self) -> DemoCompany:
        rng = self.rng
        for attempt in range(50):
            pattern, sector = rng.choice(v.COMPANY_PATTERNS)
            coined = rng.choice(v.COMPANY_PREFIXES) + rng.choice(v.COMPANY_SUFFIXES)
            city = rng.choice(v.CITIES)
            base = pattern.format(surname=rng.choice(v.LAST_NAMES), coined=coined, city=city)
            if attempt > 20:
                base = f"{base} {city}" if city not in base else f"{base} {attempt}"
            if slug(base) not in self._company_names:
                break
        self._company_names.add(slug(base))
        legal = rng.choice(v.LEGAL_FORMS)
        name = f"{base} {legal}" if legal else base
        domain = self._domain(base)
        low, high, _ = rng.choices(SIZE_BANDS, weights=[b[2] for b in SIZE_BANDS])[0]
        employees = round(rng.uniform(low, high))
        country = weighted(rng, COUNTRIES)
        return DemoCompany(
            name=name,
            domain=domain,
            sector=sector or rng.choice(v.SECTORS),
            employees=employees,
            country=country,
            city=city,
        )

    def _domain(self, base: str) -> str:
        rng = self.rng
        stem = slug(base, "-")
        tld = rng.choices((".fr", ".com", ".eu"), weights=(70, 25, 5))[0]
        candidate = stem + tld
        n = 1
        while candidate in self._domains:
            n += 1
            candidate = f"{stem}-{n}{tld}"
        self._domains.add(candidate)
        return candidate
