"""The active filters of the lead and opportunity lists as chips: what the list holds in the
reader's words ("Reached: MQL", "Owner: none"), each with a link to the same list without it.
A list opened from a report's number says which records it shows and how to widen it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bascule.leads.listing import NONE, LeadQuery
from bascule.playbook.schema import Playbook
from bascule.web import formats
from bascule.web.i18n import N_, _
from bascule.web.labels import value_label

WORDS = {
    "mine": N_("My leads"),
    "owner": N_("Owner"),
    "status": N_("Status"),
    "source": N_("Source"),
    "tag": N_("Tag"),
    "temperature": N_("Temperature"),
    "min_score": N_("Score at least"),
    "ready": N_("Ready to convert"),
    "overdue": N_("Conversion overdue"),
    "q": N_("Search"),
    "created_from": N_("Created from"),
    "created_to": N_("Created until"),
    "campaign": N_("Campaign"),
    "segment": N_("Company size"),
    "employees_min": N_("Employees from"),
    "employees_max": N_("Employees up to"),
    "reached": N_("Reached in its history"),
    "outcome": N_("Outcome of its opportunity"),
    "stalled": N_("Stalled"),
    "account_id": N_("Account"),
    "stage": N_("Stage"),
    "type": N_("Type"),
    "state": N_("State"),
    "is_closed": N_("Closed"),
    "close_month": N_("Close month"),
    "expected_close_from": N_("Expected close from"),
    "expected_close_to": N_("Expected close until"),
    "closed_from": N_("Closed from"),
    "closed_to": N_("Closed until"),
    "loss_reason": N_("Loss reason"),
}
STATES = {"open": N_("Open"), "won": N_("Won"), "lost": N_("Lost"), "all": N_("All")}
DATES = frozenset({"created_from", "created_to", "expected_close_from", "expected_close_to",
                   "closed_from", "closed_to"})  # fmt: skip
KINDS = {"status": "status", "reached": "status", "source": "source", "stage": "stage",
         "loss_reason": "loss_reason", "type": "opportunity_type",
         "temperature": "temperature"}  # fmt: skip


def word(name: str) -> str:
    """The reader's word for a filter."""
    return _(WORDS[name]) if name in WORDS else name


@dataclass(frozen=True)
class Chip:
    text: str
    remove_href: str


def _value(name: str, value: Any, playbook: Playbook, names: Mapping[int, str]) -> str:
    if isinstance(value, bool) or value in ("true", "false"):
        return _("yes") if value in (True, "true") else _("no")
    if value == NONE:
        return _("none")
    if name == "owner":
        return _("me") if value == "me" else names.get(int(value), f"#{value}")
    if name in DATES:
        return formats.date(date.fromisoformat(value) if isinstance(value, str) else value)
    if name == "state":
        return _(STATES[value])
    if name == "outcome":
        return _(STATES.get(value, value))
    if name == "segment":
        low, _sep, high = str(value).rstrip("+").partition("-")
        if high:
            return _("{min} to {max} employees").format(min=low, max=high)
        return _("{min} employees and more").format(min=low)
    if name in KINDS:
        return value_label(playbook, KINDS[name], str(value))
    return str(value)


def _text(name: str, value: Any, playbook: Playbook, names: Mapping[int, str]) -> str:
    if name in ("mine", "overdue") and value is True:
        return _(WORDS[name])
    values = value if isinstance(value, list | tuple) else [value]
    shown = ", ".join(_value(name, v, playbook, names) for v in values)
    return _("{filter}: {value}").format(filter=word(name), value=shown)


# Lead list: the fields a filter's chip clears.
CLEARED: dict[str, dict[str, Any]] = {
    "mine": {"mine": False},
    "owner": {"owner": None, "unowned": False},
    "status": {"status": ()},
    "source": {"source": ()},
}


def lead_chips(
    query: LeadQuery, playbook: Playbook, names: Mapping[int, str],
    url: Callable[..., str],
) -> list[Chip]:  # fmt: skip
    """``url(query, **changes)``: the list's address with some fields changed."""
    chips = []
    for name, value in query.filters().items():
        cleared = CLEARED.get(name, {name: None})
        chips.append(Chip(_text(name, value, playbook, names), url(query, **cleared, page=1)))
    return chips


def opportunity_chips(
    asked: Mapping[str, str], playbook: Playbook, names: Mapping[int, str],
    url: Callable[[dict[str, object]], str],
) -> list[Chip]:  # fmt: skip
    """``asked``: the filters understood, as written; ``url(changes)``: the list's address
    with some parameters changed (an empty value drops one)."""
    chips = []
    for name, value in asked.items():
        values = value.split(",") if name in ("stage", "source") else value
        text = _text(name, values, playbook, names)
        chips.append(Chip(text, url({name: "", "page": ""})))
    return chips
