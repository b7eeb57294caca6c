"""Signals (SPEC §1): the event types and the check of one submitted item. Pure.

A batch of 10,000 items is checked here item by item, so the check is plain Python on the
decoded JSON (no model per item): it returns either a ``SignalItem`` ready to store or the
reasons the item is refused, by field.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

MAX_BATCH: Final = 10_000
MAX_PROPERTIES_BYTES: Final = 4096  # the properties of one item, as compact UTF-8 JSON
MAX_WORKSPACE_LENGTH: Final = 120
MAX_EMAIL_LENGTH: Final = 254
MAX_ID: Final = 2_147_483_647
# Clocks drift and time zones get mislabelled: a day ahead is tolerated, more is an error.
FUTURE_TOLERANCE: Final = timedelta(days=1)
OLDEST: Final = datetime(1970, 1, 1, tzinfo=UTC)

_BEHAVIOUR: Final = (
    "page_view", "email_open", "email_click", "form_submit", "content_download", "pricing_view"
)  # fmt: skip
# Product usage of a freemium workspace: may be identified by ``properties.workspace`` alone.
_PRODUCT: Final = ("product_login", "feature_used", "seats_used", "seat_limit_reached")
BEHAVIOUR_TYPES: Final = frozenset(_BEHAVIOUR)
PRODUCT_TYPES: Final = frozenset(_PRODUCT)
SIGNAL_TYPES: Final = BEHAVIOUR_TYPES | PRODUCT_TYPES
# Every type in a stable order, as the API documents them.
LISTED_SIGNAL_TYPES: Final = (*_BEHAVIOUR, *_PRODUCT)
IDENTIFIERS: Final = ("email", "lead_id", "contact_id")
FIELDS: Final = frozenset({"type", "occurred_at", "properties", *IDENTIFIERS})

_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f.]+(?:\.[^@\s\x00-\x1f\x7f.]+)+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TYPES_TEXT = ", ".join(sorted(SIGNAL_TYPES))
_ONE_OF = "give exactly one of email, lead_id, contact_id"


@dataclass(frozen=True, slots=True)
class SignalItem:
    """One valid item: who it names (one of email_key, lead_id, contact_id, or a workspace for
    product usage) and what happened."""

    index: int
    type: str
    occurred_at: datetime  # aware, UTC
    email_key: str | None
    lead_id: int | None
    contact_id: int | None
    workspace: str | None
    properties: dict[str, Any]

    @property
    def is_product(self) -> bool:
        return self.type in PRODUCT_TYPES

    @property
    def by_workspace(self) -> bool:
        """Product usage that names only its workspace: its person is the workspace's."""
        return self.email_key is None and self.lead_id is None and self.contact_id is None


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int
    errors: dict[str, str]


def email_key(value: str) -> str:
    """The matching key of an address, as leads and contacts store it (trimmed, casefolded)."""
    value = value.strip()
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return value.casefold()


def check_item(index: int, raw: Any, now: datetime) -> SignalItem | Rejected:
    """Check one decoded JSON item of a batch; ``now`` bounds ``occurred_at``."""
    if not isinstance(raw, dict):
        return Rejected(index, {"item": "must be an object"})
    errors: dict[str, str] = {}
    for unknown in raw.keys() - FIELDS:
        errors[str(unknown)[:80]] = "unknown field"

    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in SIGNAL_TYPES:
        errors["type"] = f"required, one of {_TYPES_TEXT}"
    is_product = isinstance(kind, str) and kind in PRODUCT_TYPES
    occurred_at = _occurred_at(raw.get("occurred_at"), now, errors)
    properties, workspace = _properties(raw.get("properties"), errors)

    email = raw.get("email")
    lead_id = raw.get("lead_id")
    contact_id = raw.get("contact_id")
    key: str | None = None
    if email is not None:
        if not isinstance(email, str) or len(email) > MAX_EMAIL_LENGTH:
            errors["email"] = f"must be an e-mail address of at most {MAX_EMAIL_LENGTH} characters"
        else:
            key = email_key(email)
            if not (_EMAIL.fullmatch(key) and _encodable(key)):
                errors["email"] = "not an e-mail address"
    for name, value in (("lead_id", lead_id), ("contact_id", contact_id)):
        if value is not None and (
            type(value) is not int or not 1 <= value <= MAX_ID  # bool is not an id
        ):
            errors[name] = f"must be an integer id between 1 and {MAX_ID}"
    values = (email, lead_id, contact_id)
    given = [name for name, value in zip(IDENTIFIERS, values, strict=True) if value is not None]
    if len(given) > 1:
        for name in given:
            errors[name] = _ONE_OF
    elif not given and not (is_product and workspace) and "properties.workspace" not in errors:
        reason = _ONE_OF
        if is_product:
            reason += ", or properties.workspace for product usage"
        errors["email"] = reason

    if errors:
        return Rejected(index, errors)
    assert isinstance(kind, str) and occurred_at is not None and properties is not None
    return SignalItem(
        index=index,
        type=kind,
        occurred_at=occurred_at,
        email_key=key,
        lead_id=lead_id,
        contact_id=contact_id,
        workspace=workspace,
        properties=properties,
    )


def _encodable(text: str) -> bool:
    """Text every database stores: no lone surrogate (JSON lets one through as \\udXXX)."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _occurred_at(value: Any, now: datetime, errors: dict[str, str]) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        errors["occurred_at"] = "required, an ISO 8601 time with its UTC offset"
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors["occurred_at"] = "not an ISO 8601 time (e.g. 2025-03-01T10:15:00+01:00)"
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        errors["occurred_at"] = "needs a UTC offset (e.g. 2025-03-01T10:15:00+01:00 or ...Z)"
        return None
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        errors["occurred_at"] = "out of range"
        return None
    if parsed > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = "is in the future"
        return None
    if parsed < OLDEST:
        errors["occurred_at"] = "is before 1970"
        return None
    return parsed


def _properties(value: Any, errors: dict[str, str]) -> tuple[dict[str, Any] | None, str | None]:
    """The properties (an object, bounded) and the workspace they name, if any."""
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        errors["properties"] = "must be an object"
        return None, None
    if value:
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            size = len(text.encode())
        except (ValueError, UnicodeEncodeError, RecursionError):
            # NaN or infinity (no JSON database takes them), or a lone surrogate.
            errors["properties"] = "must hold only valid JSON values and text"
            return None, None
        if size > MAX_PROPERTIES_BYTES:
            errors["properties"] = f"at most {MAX_PROPERTIES_BYTES} bytes of JSON, got {size}"
            return None, None
        if "\\u0000" in text:
            errors["properties"] = "must not contain NUL characters"
            return None, None
    workspace = value.get("workspace")
    if workspace is None:
        return value, None
    if (
        not isinstance(workspace, str)
        or not workspace.strip()
        or len(workspace) > MAX_WORKSPACE_LENGTH
        or _CONTROL.search(workspace)
        or not _encodable(workspace)
    ):
        errors["properties.workspace"] = (
            f"must be a workspace name of 1 to {MAX_WORKSPACE_LENGTH} printable characters"
        )
        return None, None
    return value, workspace.strip()


# --- where a signal goes ------------------------------------------------------------------------

NO_CLAIM = (
    "no signup is known for this workspace: send the signup first, or name the person "
    "(email, lead_id or contact_id)"
)


@dataclass(frozen=True, slots=True)
class Placement:
    """The person a signal is stored on; an e-mail alone means "pending": kept until that
    person is identified (a lead or a contact with that e-mail)."""

    lead_id: int | None
    contact_id: int | None
    account_id: int | None
    email_key: str | None

    @property
    def is_pending(self) -> bool:
        return self.lead_id is None and self.contact_id is None and self.account_id is None


# (lead_id, contact_id, account_id, email_key) of the latest signal claiming a workspace.
Claim = tuple[int | None, int | None, int | None, str | None]


@dataclass(frozen=True, slots=True)
class Directory:
    """What the identifiers of a batch point to, fetched once for the whole batch."""

    leads: dict[int, tuple[int | None, int | None]]  # id -> (contact_id, account_id) if converted
    contacts: dict[int, int | None]  # id -> account_id
    open_leads: dict[str, int]  # e-mail key -> open lead id
    contacts_by_email: dict[str, tuple[int, int | None]]  # e-mail key -> (contact, account)
    claims: dict[str, Claim]  # workspace -> its latest claim


def claims_workspace(item: SignalItem) -> bool:
    """A signal that names a person and a workspace ties them (the freemium signup).

    Product usage never claims: it is what the claim is for, and keeping it out keeps the
    claims few (the ``workspace`` column is set on claims only)."""
    return item.workspace is not None and not item.is_product and not item.by_workspace


def place(item: SignalItem, directory: Directory) -> Placement | Rejected:
    """SPEC §6-7: lead id -> that lead; contact id -> that contact and its account; e-mail ->
    the open lead, else the contact (a customer's signal never makes a lead), else pending;
    workspace -> the person of its latest claim."""
    if item.lead_id is not None:
        lead = directory.leads.get(item.lead_id)
        if lead is None:
            return Rejected(item.index, {"lead_id": "no such lead"})
        return Placement(item.lead_id, lead[0], lead[1], None)
    if item.contact_id is not None:
        if item.contact_id not in directory.contacts:
            return Rejected(item.index, {"contact_id": "no such contact"})
        return Placement(None, item.contact_id, directory.contacts[item.contact_id], None)
    if item.email_key is not None:
        return by_email(item.email_key, directory)
    claim = directory.claims.get(item.workspace or "")
    if claim is None:
        return Rejected(item.index, {"properties.workspace": NO_CLAIM})
    return from_claim(claim, directory)


def by_email(key: str, directory: Directory) -> Placement:
    lead_id = directory.open_leads.get(key)
    if lead_id is not None:
        return Placement(lead_id, None, None, key)
    contact = directory.contacts_by_email.get(key)
    if contact is not None:
        return Placement(None, contact[0], contact[1], key)
    return Placement(None, None, None, key)


def from_claim(claim: Claim, directory: Directory) -> Placement:
    lead_id, contact_id, account_id, key = claim
    if lead_id is not None:
        # The lead may have been converted since its signup: its usage then shows on the
        # contact and account the conversion produced as well.
        contact_id, account_id = directory.leads.get(lead_id, (contact_id, account_id))
        return Placement(lead_id, contact_id, account_id, key)
    if contact_id is None and account_id is None and key is not None:
        return by_email(key, directory)  # the signup itself is still pending
    return Placement(None, contact_id, account_id, key)
