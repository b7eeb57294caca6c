"""The opportunity forms' words and values: amounts typed as their readers write them
(``12 500,50`` in French, ``12,500.50`` in English), and the services' field errors (stable
English details such as ``must be greater than 0``) as one message per field in the reader's
language, keyed by the form's own field names."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from bascule.errors import BasculeError
from bascule.web.i18n import N_, _

SPACES = re.compile(r"[\s\u00a0\u202f']")
CURRENCY = re.compile(r"(?i)(€|eur|\$|usd|£|gbp)")


def parse_amount(text: str | None, locale: str) -> Decimal | str | None:
    """The amount typed, as a number when it reads as one; the text itself otherwise, so the
    service names the field (``must be a number``); None when empty."""
    raw = (text or "").strip()
    if not raw:
        return None
    value = CURRENCY.sub("", SPACES.sub("", raw))
    if "," in value and "." in value:
        # Both separators: the last one is the decimal point, the other groups thousands.
        grouping = "." if value.rfind(",") > value.rfind(".") else ","
        value = value.replace(grouping, "").replace(",", ".")
    elif "," in value:
        # French writes the decimal point as a comma; English uses it to group thousands.
        value = value.replace(",", ".") if locale == "fr" else value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return raw
    return amount if amount.is_finite() else raw


def parse_day(text: str | None) -> dt.date | str | None:
    """A ``<input type=date>`` value; the text itself when it is not a date (the service
    names the field), None when empty."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return raw


def amount_input(value: Decimal | None, locale: str) -> str:
    """An amount as an editable value: no grouping, the reader's decimal point."""
    if value is None:
        return ""
    text = f"{value:.2f}".removesuffix(".00")
    return text.replace(".", ",") if locale == "fr" else text


# Service details (their start) and what the reader is told.
DETAILS: tuple[tuple[str, str], ...] = (
    ("required: one of", N_("Choose a reason from the list.")),
    ("required: several accounts match", N_("Several accounts match: choose one.")),
    ("required", N_("Required.")),
    ("must be a number", N_("Enter an amount, for example 12500.")),
    ("must be greater than 0", N_("Must be greater than 0.")),
    ("too large", N_("Too large.")),
    ("must be a date", N_("Enter a date.")),
    ("not a month", N_("Enter a month.")),
    ("must be one of", N_("Choose a value from the list.")),
    ("at most 500 characters", N_("Too long: at most 500 characters.")),
    ("at most", N_("Too long: at most 200 characters.")),
    ("must contain letters or digits", N_("Must contain letters or digits.")),
    ("already open as opportunity", N_("This account already has an open opportunity "
                                       "with this name.")),
    ("unchanged", N_("The opportunity is already in this stage.")),
    ("closed as", N_("This opportunity is closed and can no longer change.")),
    ("allowed only with the lost stage", N_("Only a lost opportunity has a loss reason.")),
    ("no such", N_("Not found: choose again.")),
    ("the lead has no company", N_("The lead has no company: choose an account.")),
)  # fmt: skip


def message(detail: str) -> str:
    for start, words in DETAILS:
        if detail.startswith(start):
            return _(words)
    return _("Invalid value.")


def field_errors(exc: BasculeError, names: dict[str, str]) -> dict[str, str]:
    """One message per form field: ``names`` maps the service's field names to the form's;
    a field the form does not show is reported under ``""`` (the form as a whole)."""
    errors: dict[str, str] = {}
    for field, detail in exc.fields.items():
        errors.setdefault(names.get(field, ""), message(detail))
    if not errors:
        errors[""] = _("Invalid value.")
    return errors
