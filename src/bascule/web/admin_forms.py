"""What the admin pages share: who may open them (admin and sales ops; anyone else gets the
403 page, as ``/admin/audit``), who may change what (the services decide: users, teams,
tokens and form keys are the admin's, the playbook is sales ops' too), the optional reason
every change carries into its audit row, and a refusal in the reader's words, field by field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import Form

from bascule.errors import BasculeError, Conflict, Forbidden, NotFound, ValidationFailed
from bascule.users.model import PERMISSIONS, Actor, Role
from bascule.web import field_errors
from bascule.web.i18n import _

ADMIN_PAGES = frozenset({Role.ADMIN, Role.SALES_OPS})
# What a form shows beside its fields; a refusal of the person (Forbidden) is the 403 page.
Refused = (ValidationFailed, NotFound, Conflict)
Reason = Annotated[str, Form(max_length=500)]
Short = Annotated[str, Form(max_length=254)]


def open_to(actor: Actor) -> None:
    """The admin pages are for admin and sales ops (Forbidden: the 403 page)."""
    if actor.role is not None and actor.role not in ADMIN_PAGES:
        raise Forbidden("the admin pages are for admin and sales ops", fields={"role": "admin"})


def may(actor: Actor, action: str) -> bool:
    """Whether the page shows the forms of ``action`` (the service checks again)."""
    return actor.role is None or actor.role in PERMISSIONS.get(action, frozenset(Role))


def reason_of(text: str) -> str | None:
    return " ".join(text.split()) or None


Words = Callable[[re.Match[str]], str]
KNOWN: tuple[tuple[re.Pattern[str], Words], ...] = (
    (re.compile(r"^already exists$"), lambda m: _("A user with this e-mail exists already.")),
    (re.compile(r"^taken$"), lambda m: _("A team of that name exists already.")),
    (re.compile(r"^no such user$"), lambda m: _("Choose an existing user.")),
    (re.compile(r"^no such team$"), lambda m: _("Choose an existing team.")),
    (re.compile(r"^would make a loop of managers$"),
     lambda m: _("This user already stands above that manager.")),
    (re.compile(r"^must be one of "), lambda m: _("Choose one of the list.")),
    (re.compile(r"^a number and d, h or w"),
     lambda m: _("A duration such as 90d, 12h or 2w.")),
    (re.compile(r"^(in the past|must be in the future)$"), lambda m: _("Must be in the future.")),
    (re.compile(r"^your own account$"), lambda m: _("Not on your own account.")),
    (re.compile(r"^a date \("), lambda m: _("A date such as 2026-08-03.")),
    (re.compile(r" is not after "), lambda m: _("Must come after the first day.")),
    (re.compile(r"^a year from "), lambda m: _("A year from 2000 to 2999.")),
    (re.compile(r"^deactivated user$"), lambda m: _("This user is deactivated.")),
    (re.compile(r"^no such token of yours$"), lambda m: _("No such token.")),
    (re.compile(r"^no form with this id or key$"), lambda m: _("No such form key.")),
)  # fmt: skip


def faults(exc: BasculeError) -> dict[str, str]:
    """Form field -> the reader's words (a refusal naming no field: under ``""``)."""
    found = {}
    for name, text in exc.fields.items():
        words = next((say(hit) for pattern, say in KNOWN if (hit := pattern.search(text))), None)
        found[field_errors.field_name(name)] = words or field_errors.say(name, text)
    return found or {"": _(field_errors.GENERAL)}
