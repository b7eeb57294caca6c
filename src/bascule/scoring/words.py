"""The words of rule scoring (SPEC §8): titles, sectors and technologies read as whole words
whatever their accents and case (French and English), the matcher whose longest phrase is
found, the size band of a company, and the labels explanations show. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from bascule.playbook.scoring import EmployeeBand, Matcher

_WORD = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space and padded with spaces, so that
    " directeur general " is found in " directrice generale ..." only as whole words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace(".", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " + " ".join(_WORD.findall(plain)) + " "


@dataclass(frozen=True, slots=True)
class Entry:
    matcher: Matcher
    words: tuple[str, ...] = field(default=())


def table(matchers: Iterable[Matcher]) -> tuple[Entry, ...]:
    return tuple(
        Entry(m, tuple(w for w in (normalise(x) for x in m.words) if w.strip())) for m in matchers
    )


def first(table: tuple[Entry, ...], words: str) -> Matcher | None:
    """The entry whose longest phrase is found ("vice president" over "president",
    "directeur general" over "directeur"); among equals, the first listed."""
    best: Matcher | None = None
    longest = 0
    for entry in table:
        for phrase in entry.words:
            size = phrase.count(" ")  # a padded phrase of n words holds n + 1 spaces
            if size > longest and phrase in words:
                best, longest = entry.matcher, size
    return best


def band_of(bands: Iterable[EmployeeBand], employees: int | None) -> EmployeeBand | None:
    if employees is None:
        return None
    for b in bands:
        if b.min <= employees and (b.max is None or employees <= b.max):
            return b
    return None


def label(labels: Mapping[str, tuple[str, str]], key: str, french: bool) -> str:
    pair = labels.get(key)
    if pair is None:
        return key.replace("_", " ")
    return pair[0] if french else pair[1]


SIGNAL_LABELS: Final = {
    "page_view": ("Pages vues", "Page views"),
    "email_open": ("E-mails ouverts", "E-mails opened"),
    "email_click": ("Clics dans les e-mails", "E-mail clicks"),
    "form_submit": ("Formulaires envoyés", "Forms submitted"),
    "content_download": ("Contenus téléchargés", "Content downloads"),
    "pricing_view": ("Page tarifs consultée", "Pricing page viewed"),
    "product_login": ("Connexions au produit", "Product logins"),
    "feature_used": ("Fonctionnalités utilisées", "Features used"),
    "seats_used": ("Licences utilisées", "Seats used"),
    "seat_limit_reached": ("Limite de licences atteinte", "Seat limit reached"),
}
FORM_LABELS: Final = {
    "demo_request": ("Demande de démo", "Demo request"),
    "contact_expert": ("Demande à parler à un expert", "Talk to an expert"),
    "pricing_request": ("Demande de tarifs", "Pricing request"),
    "rfp": ("Appel d'offres", "RFP"),
    "support_request": ("Demande de support", "Support request"),
    "freemium_signup": ("Inscription freemium", "Freemium sign-up"),
}
LEVEL_LABELS: Final = {
    "executive": ("dirigeant", "executive"),
    "director": ("directeur", "director"),
    "manager": ("manager", "manager"),
    "junior": ("stagiaire ou alternant", "intern or student"),
}
FUNCTION_LABELS: Final = {
    "it": ("informatique", "IT"),
    "sales": ("commerciale", "sales"),
    "marketing": ("marketing", "marketing"),
    "general_management": ("direction générale", "general management"),
    "purchasing": ("achats", "purchasing"),
    "finance": ("finance", "finance"),
    "operations": ("opérations", "operations"),
    "hr": ("ressources humaines", "human resources"),
}
