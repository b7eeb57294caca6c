"""Privacy rules (SPEC §11, §18), pure: which consents are valid, how a person's traces are
scrubbed from text and JSON, when an unconverted lead has been kept long enough. No I/O, no
clock."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bascule.errors import ValidationFailed

# What an erased text becomes: the same everywhere, so that nobody mistakes it for data.
ERASED = "[erased]"
# Shorter fragments are not scrubbed from free text: "Li" would eat half the words of a note.
MIN_SCRUBBED = 3
# The fields of a lead or contact that say who the person is: blanked by erasure.
IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")


@dataclass(frozen=True)
class ConsentAnswer:
    """One purpose's latest answer: granted or refused, when, and where it came from."""

    purpose: str
    granted: bool
    at: datetime
    source: str | None


def check_consents(
    items: Sequence[Mapping[str, Any]],
    *,
    purposes: Sequence[str],
    default_source: str,
    now: datetime,
    where: str = "consents",
) -> list[ConsentAnswer]:
    """The answers of a request body: each purpose one of the playbook's, at most once; ``at``
    defaults to now and may not be in the future; ``source`` defaults to where the request
    came from (``api``, ``form:demo_request``...)."""
    errors: dict[str, str] = {}
    seen: set[str] = set()
    answers = []
    for i, item in enumerate(items):
        purpose = str(item.get("purpose") or "")
        if purpose not in purposes:
            errors[f"{where}.{i}.purpose"] = f"one of {', '.join(purposes)}"
        elif purpose in seen:
            errors[f"{where}.{i}.purpose"] = "given twice"
        seen.add(purpose)
        at = item.get("at") or now
        if isinstance(at, str):  # a body dumped as JSON (public forms)
            at = datetime.fromisoformat(at)
        if at > now + timedelta(minutes=5):
            errors[f"{where}.{i}.at"] = "cannot be in the future"
        source = item.get("source") or default_source
        answers.append(ConsentAnswer(purpose, bool(item.get("granted")), at, source))
    if errors:
        raise ValidationFailed("some consents are invalid", fields=errors)
    return answers


# --- erasure ----------------------------------------------------------------------------------


def fragments(values: Iterable[str | None]) -> list[str]:
    """What to look for in free text: each identity value, and each word of a name, longest
    first (so that "Jean Dupont" goes before "Jean")."""
    found: set[str] = set()
    for value in values:
        if not value:
            continue
        text = value.strip()
        if len(text) >= MIN_SCRUBBED:
            found.add(text)
        for word in re.split(r"[\s,;]+", text):
            if len(word) >= MIN_SCRUBBED:
                found.add(word)
        if "@" in text:
            local = text.split("@", 1)[0]
            if len(local) >= MIN_SCRUBBED:
                found.add(local)
    return sorted(found, key=lambda f: (-len(f), f))


def scrubber(needles: Sequence[str]) -> Any:
    """A function that replaces every needle (any case) in a text, a list or a mapping, keys
    and values, by ``ERASED``; other values are returned unchanged."""
    if not needles:
        return lambda value: value
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(ERASED, value)
        if isinstance(value, Mapping):
            return {scrub(k): scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [scrub(v) for v in value]
        return value

    return scrub


def erase_changes(changes: Mapping[str, Any], scrub: Any) -> dict[str, Any]:
    """An audit row's changes: identity fields' values gone, other texts scrubbed."""
    erased = {}
    for key, value in changes.items():
        if key in (*IDENTITY_FIELDS, "email_key", "search_text"):
            erased[key] = [None, None] if isinstance(value, list) else None
        else:
            erased[key] = scrub(value)
    return erased


def erase_qualification(qualification: Mapping[str, Any] | None, scrub: Any) -> Any:
    """The answers keep their levels (budget, authority, timing: what ready-to-convert and
    the reports read); the need's words and the MEDDIC notes are free text, and go."""
    if not qualification:
        return qualification
    erased = dict(scrub(qualification))
    need = erased.get("need")
    if isinstance(need, Mapping) and need.get("text"):
        erased["need"] = {**need, "text": ERASED}
    meddic = erased.get("meddic")
    if isinstance(meddic, Mapping):
        erased["meddic"] = {k: (ERASED if v else v) for k, v in meddic.items()}
    return erased


# --- retention --------------------------------------------------------------------------------


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Leads whose last activity is before this are past their retention."""
    return now - timedelta(days=retention_days)
