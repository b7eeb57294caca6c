"""The opportunity list's filters as an address asks for them, read the same way by
``GET /api/v1/opportunities`` and the ``/opportunities`` page. Pure.

Filters: ``account_id``, ``owner`` (a user id, ``me``, or ``none``: without owner), ``stage``
(one or more), ``type``, ``source`` (the lead source, or ``none``), ``state`` (open, won, lost,
all), ``is_closed``, ``close_month`` (``YYYY-MM`` of the expected close date), the report
filters the report pages link with (SPEC §16): ``expected_close_from``/``_to`` (days, both
included), ``closed_from``/``_to`` (days of the company's calendar, both included),
``loss_reason`` (or ``none``) and ``stalled`` (in its stage past the stall threshold).

A value that makes no sense is refused by name: the API answers 422 with it, the page shows
the list without it and says so."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bascule import list_query as query
from bascule.analytics.conditions import NONE, OpportunityFilters
from bascule.playbook.schema import Playbook

STATES = ("open", "won", "lost", "all")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
# Filter -> what it takes, for the API's 422 and the page's message.
EXPECTED = {
    "account_id": "an account id",
    "owner": "a user id, me or none",
    "state": f"one of {', '.join(STATES)}",
    "is_closed": "true or false",
    "close_month": "a month (YYYY-MM)",
    "expected_close_from": "a date (YYYY-MM-DD)",
    "expected_close_to": "a date (YYYY-MM-DD)",
    "closed_from": "a date (YYYY-MM-DD)",
    "closed_to": "a date (YYYY-MM-DD)",
    "stalled": "true or false",
}
# The filters an address may carry, in the order the page shows them as chips.
NAMES = (
    "account_id", "owner", "stage", "type", "source", "state", "is_closed", "close_month",
    "expected_close_from", "expected_close_to", "closed_from", "closed_to", "loss_reason",
    "stalled",
)  # fmt: skip


@dataclass
class Parsed:
    filters: OpportunityFilters
    # Filter -> the value refused (left out of ``filters``).
    refused: dict[str, str] = field(default_factory=dict)
    # Filter -> the value as asked, for chips and the form (only those understood).
    asked: dict[str, str] = field(default_factory=dict)


def month_days(text: str) -> tuple[date, date]:
    """``2026-12`` → (1 Dec 2026, 31 Dec 2026)."""
    found = MONTH.match(text)
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1900:
        raise ValueError(text)
    year, month = int(found[1]), int(found[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse(
    params: Mapping[str, Sequence[str]], *, playbook: Playbook, actor_id: int | None,
    default_state: str = "all",
) -> Parsed:  # fmt: skip
    """The filters of an address's query. ``default_state``: what a list without ``state``
    shows (the page: the open pipeline; the API: everything)."""
    refused: dict[str, str] = {}
    asked: dict[str, str] = {}
    values: dict[str, Any] = {}

    def keep(name: str, convert: Any, target: str | None = None) -> None:
        text = query.first(params, name)
        if text is None:
            return
        try:
            values[target or name] = convert(text)
            asked[name] = text
        except ValueError:
            refused[name] = text

    def choose(name: str, known: Iterable[str], many: bool = False) -> None:
        allowed = (*known, NONE) if name in ("source", "loss_reason") else tuple(known)
        chosen = query.many(params, name) if many else [v for v in [query.first(params, name)] if v]
        unknown = [v for v in chosen if v not in allowed]
        if unknown:
            refused[name] = ", ".join(unknown)
        kept = tuple(dict.fromkeys(v for v in chosen if v in allowed))
        if kept:
            values[name] = kept if many else kept[0]
            asked[name] = ",".join(kept)

    keep("account_id", query.record_id)
    owner = query.first(params, "owner")
    if owner == NONE:
        values["unowned"], asked["owner"] = True, NONE
    elif owner == "me" and actor_id is not None:
        values["owner_id"], asked["owner"] = actor_id, "me"
    elif owner is not None:
        keep("owner", query.record_id, "owner_id")
    choose("stage", playbook.stage_keys, many=True)
    choose("type", [t.key for t in playbook.opportunity_types])
    choose("source", playbook.lead_source_keys, many=True)
    choose("loss_reason", [r.key for r in playbook.loss_reasons])
    state = query.first(params, "state")
    if state is None:
        values["state"] = default_state
    elif state in STATES:
        values["state"] = asked["state"] = state
    else:
        refused["state"] = state
    keep("is_closed", query.flag)
    for name in ("expected_close_from", "expected_close_to", "closed_from", "closed_to"):
        keep(name, date.fromisoformat)
    keep("close_month", month_days)
    if "close_month" in values:  # the days of the month, unless asked otherwise
        first, last = values.pop("close_month")
        values.setdefault("expected_close_from", first)
        values.setdefault("expected_close_to", last)
    keep("stalled", query.flag)
    return Parsed(OpportunityFilters(**values), refused, asked)


def problems(refused: Mapping[str, str], playbook: Playbook) -> dict[str, str]:
    """The refused filters as the API's ``fields``: name -> what it takes."""
    expected = EXPECTED | {
        "stage": f"among {', '.join(playbook.stage_keys)}",
        "type": f"one of {', '.join(t.key for t in playbook.opportunity_types)}",
        "source": f"among {', '.join((*playbook.lead_source_keys, NONE))}",
        "loss_reason": f"one of {', '.join((*(r.key for r in playbook.loss_reasons), NONE))}",
    }
    return {k: f"{expected.get(k, 'not understood')}, not {v!r}" for k, v in refused.items()}
