"""What a column's first values say about the field its header suggests. Pure.

A header is a guess: "contact" may be a person's name or how they were reached ("telephone",
"cellular"); "campaign" may be a campaign's name or a count of calls. The values decide: a
guess they contradict is not made (the column stays in the lead's attributes, with a note),
and a column whose header says nothing may still be recognised by its values (every value an
e-mail address). Only the first rows of a file are looked at (the rows in its first 64 KB).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from bascule.imports.values import FULL_NAME, TEMPERATURES, shown

NAME_FIELDS = ("first_name", "last_name", FULL_NAME)
# Fields holding words: a column of numbers only is something else (a count, a code).
WORD_FIELDS = (*NAME_FIELDS, "company", "job_title", "sector", "technology", "source", "campaign")
# Below this many values, a column says too little to overrule its header.
MIN_VALUES = 5
# People's names repeat, but not to the point of two or three words across many rows.
MIN_VALUES_FOR_FEW_WORDS = 10
FEW_WORDS = 3
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?%?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def contradiction(field: str, values: Sequence[str], *, people_named: bool = False) -> str | None:
    """Why `values` (a column's non-blank first values) cannot be `field`, or None.

    `people_named`: another column of the file holds varied names, so the rows are people
    and a name column repeating one word is a family or a test file, not a category.
    """
    if len(values) < MIN_VALUES:
        return None
    if field in WORD_FIELDS and all(_NUMBER.fullmatch(v.strip()) for v in values):
        return f"its first {len(values)} values are all numbers ({_examples(values)})"
    if field in NAME_FIELDS and len(values) >= MIN_VALUES_FOR_FEW_WORDS and not people_named:
        distinct = Counter(v.strip().casefold() for v in values)
        if len(distinct) <= FEW_WORDS:
            return (
                f"its first {len(values)} values are only {_words(distinct)}: "
                "a category, not people's names"
            )
    if field == "email" and not any("@" in v for v in values):
        return f"none of its first {len(values)} values is an e-mail address ({_examples(values)})"
    if field == "phone" and not any(any(c.isdigit() for c in v) for v in values):
        return f"none of its first {len(values)} values has a digit ({_examples(values)})"
    return None


def varied_names(values: Sequence[str]) -> bool:
    """More distinct values than a category of a few words would have."""
    return len({v.strip().casefold() for v in values}) > FEW_WORDS


def field_from_values(values: Sequence[str]) -> str | None:
    """The field a column of unknown header holds, when its values leave no doubt."""
    if len(values) < 1:
        return None
    if all(_EMAIL.fullmatch(v.strip()) for v in values):
        return "email"
    if len(values) >= MIN_VALUES and all(v.strip().casefold() in TEMPERATURES for v in values):
        return "temperature"
    return None


def _words(distinct: Counter[str]) -> str:
    return ", ".join(shown(word) for word, _ in sorted(distinct.items()))


def _examples(values: Sequence[str]) -> str:
    seen = list(dict.fromkeys(v.strip() for v in values))
    more = ", ..." if len(seen) > 3 else ""
    return ", ".join(shown(v) for v in seen[:3]) + more
