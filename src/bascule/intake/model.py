"""Public forms (SPEC §6-7): what a submission is, what it creates, what it must carry. Pure.

A body is split into the lead's fields (SPEC §13.1 names) and the free answers (``message``,
the demo and RFP questions, and any field a form added since: kept, never refused). The
playbook's ``intake.forms`` rule says what the form creates; ``route`` applies it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from bascule.accounts.identity import check_email, check_phone
from bascule.errors import ValidationFailed
from bascule.intake.parse import parse_amount_range, parse_timeline, parse_users
from bascule.leads.fields import FORM_FIELDS
from bascule.leads.model import Qualification
from bascule.playbook.schema import IntakeForm

HONEYPOT = "website"
# The lead's own fields a public form may fill (``leads.fields``). Everything else is a free
# answer: what the form creates (source, kind, temperature, owner) is the playbook's call.
LEAD_FIELDS = FORM_FIELDS
# The free answers the forms declare (message, the demo and RFP questions, the workspace).
DECLARED_ANSWERS = frozenset(
    {"message", "users", "budget", "timeline", "project", "expected_close_date", "contacts",
     "workspace"}
)  # fmt: skip
MAX_FREE_ANSWERS = 50
MAX_ANSWER_NAME = 64
MAX_ANSWER_JSON = 8000  # characters of one free answer (as JSON when not a text)
_ANSWER_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
TEMPERATURES = ("cold", "warm", "hot")


class Outcome(StrEnum):
    LEAD_CREATED = "lead_created"
    LEAD_UPDATED = "lead_updated"
    OPPORTUNITY_CREATED = "opportunity_created"
    EXISTING_CUSTOMER = "existing_customer"


class Route(StrEnum):
    LEAD = "lead"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"


def route(rule: IntakeForm, *, is_customer_contact: bool) -> Route:
    """SPEC §6 first (a customer's contact never makes a lead), then the playbook's rule."""
    if is_customer_contact:
        return Route.CUSTOMER
    return Route.OPPORTUNITY if rule.creates == "opportunity" else Route.LEAD


def is_bot(body: Mapping[str, Any]) -> bool:
    """The honeypot: a field people never see, so only robots fill it."""
    value = body.get(HONEYPOT)
    if value is None or value is False:
        return False
    return not (isinstance(value, str) and not value.strip())


def decoy(rule: IntakeForm) -> dict[str, Any]:
    """What a robot is told: a success like any other, with nothing stored behind it."""
    created = Outcome.OPPORTUNITY_CREATED if rule.creates == "opportunity" else Outcome.LEAD_CREATED
    return {"outcome": created.value}


@dataclass(frozen=True)
class Submission:
    form_type: str
    lead: dict[str, Any]  # the lead's fields that were given (no empty values)
    answers: dict[str, Any]  # everything else, as sent (honeypot left out)

    @property
    def email(self) -> str | None:
        value = self.lead.get("email")
        return value if isinstance(value, str) else None


def split(form_type: str, body: Mapping[str, Any]) -> Submission:
    lead: dict[str, Any] = {}
    answers: dict[str, Any] = {}
    for name, value in body.items():
        if name == HONEYPOT or value is None or value == "" or value == []:
            continue
        if name in LEAD_FIELDS:
            lead[name] = value.strip() if isinstance(value, str) else value
        else:
            answers[name] = value
    return Submission(form_type, lead, answers)


def clean_identity(sub: Submission, country: str) -> Submission:
    """The sender's e-mail and phone, checked and normalised (one error per field)."""
    errors: dict[str, str] = {}
    lead = dict(sub.lead)
    for name, check in (("email", check_email), ("phone", lambda v: check_phone(v, country))):
        if name in lead:
            value, error = check(lead[name])
            if error:
                errors[name] = error
            elif value is None:
                del lead[name]
            else:
                lead[name] = value
    if errors:
        raise ValidationFailed("some fields are invalid", fields=errors)
    return replace(sub, lead=lead)


def check_free_answers(answers: Mapping[str, Any], declared: frozenset[str]) -> None:
    """Fields a form added are kept, within bounds: a public endpoint is no free storage."""
    extra = [name for name in answers if name not in declared]
    errors: dict[str, str] = {}
    if len(extra) > MAX_FREE_ANSWERS:
        errors["body"] = f"at most {MAX_FREE_ANSWERS} extra fields, got {len(extra)}"
    for name in extra[:MAX_FREE_ANSWERS]:
        shown = name[:MAX_ANSWER_NAME]
        if len(name) > MAX_ANSWER_NAME or not _ANSWER_NAME.match(name):
            errors[shown] = f"a field name has 1 to {MAX_ANSWER_NAME} letters, digits, _ . -"
            continue
        value = answers[name]
        size = len(value) if isinstance(value, str) else len(_json(value))
        if size > MAX_ANSWER_JSON:
            errors[shown] = f"at most {MAX_ANSWER_JSON} characters, got {size}"
    if errors:
        raise ValidationFailed("some extra fields are too large", fields=errors)


MAX_DEPTH = 10


def check_text(value: Any, where: str = "body", depth: int = 0) -> None:
    """Text every database stores (no NUL character, no lone surrogate: JSON allows both),
    nested at most ``MAX_DEPTH`` levels."""
    if depth > MAX_DEPTH:
        raise ValidationFailed(
            "the body is nested too deeply", fields={where: f"at most {MAX_DEPTH} levels"}
        )
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationFailed("text cannot hold NUL characters", fields={where: "NUL"})
        try:
            value.encode()
        except UnicodeEncodeError:
            raise ValidationFailed(
                "text is not valid Unicode", fields={where: "invalid Unicode"}
            ) from None
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_text(key, where, depth + 1)
            check_text(item, f"{where}.{key}" if where != "body" else str(key), depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_text(item, f"{where}.{i}", depth + 1)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def fingerprint(form_type: str, body: Mapping[str, Any]) -> str:
    """Of a request, for Idempotency-Key: same form type and same JSON, same fingerprint."""
    canonical = json.dumps(
        [form_type, body], sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- leads ------------------------------------------------------------------------------------


def warmer(current: str | None, incoming: str | None) -> str | None:
    """The warmer of two temperatures: a form warms a lead up, never cools it down."""
    if incoming not in TEMPERATURES:
        return current
    if current not in TEMPERATURES:
        return incoming
    return max(current, incoming, key=TEMPERATURES.index)


def demo_answers(current: Qualification, answers: Mapping[str, Any], today: date) -> dict[str, Any]:
    """Qualification answers read from a demo request (budget range, timing), for the parts
    still unknown: the form never overwrites what a salesperson recorded."""
    found: dict[str, Any] = {}
    budget = parse_amount_range(answers.get("budget"))
    if current.budget.status == "none" and budget is not None:
        low, high = budget
        found["budget"] = {"status": "range", "min": low, "max": high, "amount": None}
    timing = parse_timeline(answers.get("timeline"), today)
    if not current.timing.known and timing is not None:
        when = timing.date.isoformat() if timing.date else None
        found["timing"] = {"horizon": timing.horizon, "date": when}
    return found


def readings(answers: Mapping[str, Any], today: date) -> dict[str, Any]:
    """What could be read from the free answers, kept next to them on the signal."""
    read: dict[str, Any] = {}
    users = parse_users(answers.get("users"))
    if users is not None:
        read["users"] = users
    budget = parse_amount_range(answers.get("budget"))
    if budget is not None:
        read["budget"] = [None if v is None else str(v) for v in budget]
    timing = parse_timeline(answers.get("timeline"), today)
    if timing is not None:
        read["timeline"] = {
            "horizon": timing.horizon,
            "date": timing.date.isoformat() if timing.date else None,
        }
    return read


def signal_type(form_type: str) -> str:
    return "content_download" if form_type == "content_download" else "form_submit"


def signal_properties(
    sub: Submission, *, form_id: int, today: date, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    properties: dict[str, Any] = {"form_type": sub.form_type, "form_id": form_id, **sub.answers}
    read = readings(sub.answers, today)
    if read:
        properties["read"] = read
    return properties | dict(extra or {})


def workspace(answers: Mapping[str, Any]) -> str | None:
    """The freemium workspace a signup names (product usage is tied to it later)."""
    value = answers.get("workspace")
    if not isinstance(value, str) or not value.strip() or len(value) > 120:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    return value.strip()


def summary(form_type: str, answers: Mapping[str, Any]) -> str:
    message = answers.get("message")
    text = f"Formulaire {form_type}"
    if isinstance(message, str) and message.strip():
        text += f" : {message.strip()[:500]}"
    return text
