"""Words of the report rows that the playbook does not hold (it holds the statuses, stages,
sources, types and reasons): months, company-size segments, "none" and "total"."""

from __future__ import annotations

MONTHS = {
    "fr": (
        "janvier", "février", "mars", "avril", "mai", "juin",
        "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

WORDS = {
    "fr": {
        "total": "Total",
        "all": "Tous",
        "no_owner": "Sans propriétaire",
        "no_campaign": "Sans campagne",
        "no_source": "Sans source",
        "no_reason": "Sans motif",
        "unknown_size": "Taille inconnue",
        "size_range": "{min}–{max} salariés",
        "size_from": "{min} salariés et plus",
    },
    "en": {
        "total": "Total",
        "all": "All",
        "no_owner": "No owner",
        "no_campaign": "No campaign",
        "no_source": "No source",
        "no_reason": "No reason",
        "unknown_size": "Unknown size",
        "size_range": "{min}–{max} employees",
        "size_from": "{min}+ employees",
    },
}


def language(locale: str) -> str:
    return "fr" if locale.lower().startswith("fr") else "en"


def word(locale: str, key: str, **values: object) -> str:
    return WORDS[language(locale)][key].format(**values)


def month(locale: str, key: str) -> str:
    """``2026-03`` → ``mars 2026`` / ``March 2026``."""
    year, number = key.split("-")
    return f"{MONTHS[language(locale)][int(number) - 1]} {year}"
