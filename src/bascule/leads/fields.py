"""The lead's own fields (SPEC §13.1): one list, with each field's kind and who may fill it.
Pure.

Every other list of lead fields derives from this one: what an API client writes
(``leads.service``), what a public form fills (``intake.model``), what a file fills
(``imports.values``), the demo's rows (``demo.rows``). The API's bodies stay written out for
a readable OpenAPI document; a unit test holds them equal to this list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class FieldKind(StrEnum):
    NAME = "name"  # a person's or a sector's name
    TEXT = "text"  # a longer free text: company, job title, campaign
    CODE = "code"  # a playbook key (the lead source)
    EMAIL = "email"
    PHONE = "phone"
    COUNT = "count"  # a head count
    COUNTRY = "country"  # ISO 3166 alpha-2
    CHOICE = "choice"  # one of a fixed vocabulary (``leads.vocabulary``)
    TAGS = "tags"  # a list of labels, kept in their own table
    USER = "user"  # a user's id
    FLAG = "flag"
    CONSENTS = "consents"  # answers per purpose, kept in their own table (``privacy``)


# Longest text per kind: the database columns' sizes, the same in the API and in imports.
MAX_LENGTH = {
    FieldKind.NAME: 120,
    FieldKind.TEXT: 200,
    FieldKind.CODE: 40,
    FieldKind.EMAIL: 254,
    FieldKind.PHONE: 40,
}
MAX_EMPLOYEES = 10_000_000
MAX_TAGS = 50
MAX_TAG_LENGTH = 100


@dataclass(frozen=True)
class LeadField:
    """One field an API client may write. ``by_form``: a public form's sender may give it
    (what a form creates, source, kind, temperature, owner, is the playbook's call);
    ``by_file``: an import may fill it."""

    name: str
    kind: FieldKind
    by_form: bool = False
    by_file: bool = False

    @property
    def max_length(self) -> int | None:
        return MAX_LENGTH.get(self.kind)

    @property
    def is_column(self) -> bool:
        """Stored on the lead's row (tags have their own table)."""
        return self.kind not in (FieldKind.TAGS, FieldKind.CONSENTS)


FIELDS = (
    LeadField("first_name", FieldKind.NAME, by_form=True, by_file=True),
    LeadField("last_name", FieldKind.NAME, by_form=True, by_file=True),
    LeadField("email", FieldKind.EMAIL, by_form=True, by_file=True),
    LeadField("phone", FieldKind.PHONE, by_form=True, by_file=True),
    LeadField("company", FieldKind.TEXT, by_form=True, by_file=True),
    LeadField("job_title", FieldKind.TEXT, by_form=True, by_file=True),
    LeadField("employees", FieldKind.COUNT, by_form=True, by_file=True),
    LeadField("sector", FieldKind.NAME, by_form=True, by_file=True),
    LeadField("country", FieldKind.COUNTRY, by_form=True, by_file=True),
    LeadField("technology", FieldKind.TEXT, by_form=True, by_file=True),
    LeadField("source", FieldKind.CODE, by_file=True),
    LeadField("campaign", FieldKind.TEXT, by_form=True, by_file=True),
    LeadField("kind", FieldKind.CHOICE),
    LeadField("tags", FieldKind.TAGS, by_form=True, by_file=True),
    LeadField("temperature", FieldKind.CHOICE, by_file=True),
    LeadField("owner_id", FieldKind.USER),
    LeadField("do_not_contact", FieldKind.FLAG),
    # Forms send them too; intake takes them out before the identity (``privacy.consents``).
    LeadField("consents", FieldKind.CONSENTS, by_form=True),
)
BY_NAME = {f.name: f for f in FIELDS}

# Everything an API client may send (tags included), in this order.
CLIENT_FIELDS = tuple(f.name for f in FIELDS)
# What is stored on the lead's row: a create, an update and a merge write these.
WRITABLE = tuple(f.name for f in FIELDS if f.is_column)
FORM_FIELDS = tuple(f.name for f in FIELDS if f.by_form)
FILE_FIELDS = tuple(f.name for f in FIELDS if f.by_file)

# What the lead list's text search looks in (the lead's ``search_text`` column).
SEARCHED = ("first_name", "last_name", "company", "email")


def search_text(values: Mapping[str, Any]) -> str:
    """The searched fields, folded: written on every create, update, merge, import and demo."""
    parts = (values.get(name) for name in SEARCHED)
    return " ".join(p for p in parts if p).casefold()
