"""A refused change in the reader's language, field by field, for the forms of the lead pages.

The services explain a refusal in English for the API (``fields``: ``{"budget.amount": "a
confirmed budget needs its amount"}``); a page shows each beside its field in the reader's
language. Known explanations are matched below; any other falls back to the field's general
words, so nothing is shown in a language the reader did not choose."""

from __future__ import annotations

import re
from collections.abc import Callable

from bascule.errors import BasculeError
from bascule.web.i18n import N_, _

Words = Callable[[re.Match[str]], str]
KNOWN: tuple[tuple[re.Pattern[str], Words], ...] = (
    (re.compile(r"^must not be negative$"), lambda m: _("Must not be negative.")),
    (re.compile(r"^must be at least budget\.min$"), lambda m: _("Must be at least the minimum.")),
    (re.compile(r"^a confirmed budget needs its amount$"),
     lambda m: _("A confirmed budget needs its amount.")),
    (re.compile(r"^a budget range needs min or max$"),
     lambda m: _("A budget range needs a minimum or a maximum.")),
    (re.compile(r"^describe the need that was confirmed$"),
     lambda m: _("Describe the need that was confirmed.")),
    (re.compile(r"^use the convert action$"),
     lambda m: _("A lead becomes converted through the Convert action.")),
    (re.compile(r"^unchanged$"), lambda m: _("The lead already has this status.")),
    (re.compile(r"^not allowed from "), lambda m: _("This status cannot follow the current one.")),
    (re.compile(r"^must start with one of "),
     lambda m: _("Choose why the lead is disqualified.")),
    (re.compile(r"^required when sending an SQL back to nurturing$"),
     lambda m: _("Say why the lead goes back to marketing.")),
    (re.compile(r"^already used by open lead (?P<id>\d+)$"),
     lambda m: _("Another open lead (#{number}) has this e-mail.").format(number=m["id"])),
    (re.compile(r"^no such active user$"), lambda m: _("Choose an active user.")),
    (re.compile(r"^managers only$"), lambda m: _("Only a manager reassigns a lead.")),
    (re.compile(r"^requires one of "), lambda m: _("Your role may not do this.")),
    (re.compile(r"^cannot be emptied$"),
     lambda m: _("A lead keeps at least an e-mail, a last name or a company.")),
    (re.compile(r"^(converted|disqualified)$"),
     lambda m: _("A converted or disqualified lead cannot be changed this way.")),
    (re.compile(r"^required$"), lambda m: _("Required.")),
    (re.compile(r"^taken$"), lambda m: _("You already have a view of that name.")),
    (re.compile(r"^at most (?P<n>\d+) characters$"),
     lambda m: _("At most {count} characters.").format(count=m["n"])),
    (re.compile(r"^at most (?P<n>\d+) (tags|views)$"),
     lambda m: _("At most {count}.").format(count=m["n"])),
)  # fmt: skip

# When the explanation is not one of the above: the field's own words.
BY_FIELD = {
    "email": N_("Not a valid e-mail address."),
    "phone": N_("Not a valid phone number."),
    "owner_id": N_("Choose an active user."),
}
GENERAL = N_("This value is not accepted.")


def field_name(service_field: str) -> str:
    """The form's name of a service's field: ``budget.amount`` -> ``budget_amount``."""
    return service_field.replace(".", "_")


def say(service_field: str, explanation: str) -> str:
    for pattern, words in KNOWN:
        found = pattern.match(explanation)
        if found:
            return words(found)
    return _(BY_FIELD.get(service_field, GENERAL))


def of(exc: BasculeError) -> dict[str, str]:
    """Form field -> the reader's words; a refusal naming no field is under ``""``."""
    found = {field_name(name): say(name, text) for name, text in exc.fields.items()}
    return found or {"": _(GENERAL)}
