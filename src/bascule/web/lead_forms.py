"""The lead page's forms read into what the services take (the API's bodies, as dicts).

What a browser form cannot promise (a number, a date, a length, a choice from the list) is
checked here, the way the API's schemas check it, with the reader's words beside each field;
every business rule stays with the services."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal

from bascule.audit.service import REASON_MAX
from bascule.leads.fields import BY_NAME, MAX_EMPLOYEES
from bascule.leads.model import TIMING_HORIZONS
from bascule.leads.vocabulary import Temperature
from bascule.playbook.schema import AUTHORITY_LEVELS, BUDGET_LEVELS, MEDDIC_FIELDS, Playbook
from bascule.playbook.sla import ACTIVITY_OUTCOMES, RESPONSE_KINDS
from bascule.storage import tables as t
from bascule.web.i18n import _

Form = Mapping[str, Any]
IDENTITY = (
    "first_name", "last_name", "email", "phone", "job_title", "company", "employees", "sector",
    "country", "technology", "temperature",
)  # fmt: skip
ACTIVITY_KINDS = ("call", "email", "meeting", "note", "task")
MAX_SUMMARY = 10_000
MAX_REASON = 2_000
MAX_NEED = 5_000
MAX_MEDDIC = 2_000
MAX_AMOUNT = Decimal("1e12")


class FormInvalid(Exception):
    """Some fields cannot be read: form field -> the reader's words."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


def values(form: Form) -> dict[str, str]:
    """What was typed, to fill the form again when it is refused."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _text(form: Form, name: str, limit: int, errors: dict[str, str]) -> str | None:
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > limit:
        errors[name] = _("At most {count} characters.").format(count=limit)
    return text or None


def _choice(form: Form, name: str, allowed: tuple[str, ...], errors: dict[str, str]) -> str | None:
    text = _text(form, name, 100, errors)
    if text is not None and text not in allowed:
        errors[name] = _("Choose a value from the list.")
        return None
    return text


def _amount(form: Form, name: str, locale: str, errors: dict[str, str]) -> Decimal | None:
    text = _text(form, name, 40, errors)
    if text is None:
        return None
    # People type "20 000" with an ordinary space where the locale's separator is another.
    plain = "".join(text.split()).replace("\u202f", "").replace("\xa0", "")
    try:
        amount = parse_decimal(plain, locale=locale)
    except NumberFormatError:
        errors[name] = _("Write an amount, such as {example}.").format(
            example="20 000" if locale == "fr" else "20,000"
        )
        return None
    if not Decimal(0) <= amount < MAX_AMOUNT:
        errors[name] = _("Must not be negative.") if amount < 0 else _("Too large.")
        return None
    return amount


def _check(errors: dict[str, str]) -> None:
    if errors:
        raise FormInvalid(errors)


def identity(form: Form, lead: t.Lead) -> dict[str, Any]:
    """The identity and company fields that changed (an unchanged field is not sent, so the
    audit and the e-mail's checks see only what the person changed)."""
    errors: dict[str, str] = {}
    typed: dict[str, Any] = {}
    for name in IDENTITY:
        limit = BY_NAME[name].max_length or 200
        typed[name] = _text(form, name, limit, errors)
    if typed["employees"] is not None:
        text = typed["employees"].replace(" ", "").replace("\u202f", "").replace("\xa0", "")
        if not text.isdigit() or int(text) > MAX_EMPLOYEES:
            errors["employees"] = _("Write a whole number of employees.")
        else:
            typed["employees"] = int(text)
    country = typed["country"]
    if country is not None and not (len(country) == 2 and country.isalpha()):
        errors["country"] = _("Two letters, such as FR.")
    temperatures = tuple(t.value for t in Temperature)
    if typed["temperature"] is not None and typed["temperature"] not in temperatures:
        errors["temperature"] = _("Choose a value from the list.")
    _check(errors)
    if country is not None:
        typed["country"] = country.upper()
    return {name: value for name, value in typed.items() if value != getattr(lead, name)}


def edit_reason(form: Form) -> str | None:
    """The optional "Reason for the change" of an edit form (the audit's reason)."""
    errors: dict[str, str] = {}
    text = _text(form, "reason", REASON_MAX, errors)
    _check(errors)
    return text


def activity(form: Form) -> dict[str, Any]:
    errors: dict[str, str] = {}
    kind = _choice(form, "kind", ACTIVITY_KINDS, errors)
    if kind is None and "kind" not in errors:
        errors["kind"] = _("Required.")
    direction = _choice(form, "direction", ("out", "in"), errors)
    outcome = _choice(form, "outcome", ACTIVITY_OUTCOMES, errors)
    summary = _text(form, "summary", MAX_SUMMARY, errors)
    _check(errors)
    # A call, e-mail or meeting goes out unless told otherwise; a note or a task goes nowhere.
    direction = (direction or "out") if kind in RESPONSE_KINDS else None
    return {"kind": kind, "direction": direction, "outcome": outcome, "summary": summary}


def qualification(form: Form, playbook: Playbook, locale: str) -> dict[str, Any]:
    """Both checklists as the API's ``PATCH /qualification`` body; the playbook's framework."""
    errors: dict[str, str] = {}
    budget = {
        "status": _choice(form, "budget_status", BUDGET_LEVELS, errors) or "none",
        "min": _amount(form, "budget_min", locale, errors),
        "max": _amount(form, "budget_max", locale, errors),
        "amount": _amount(form, "budget_amount", locale, errors),
    }
    when = _text(form, "timing_date", 10, errors)
    timing_date = None
    if when is not None:
        try:
            timing_date = date.fromisoformat(when)
        except ValueError:
            errors["timing_date"] = _("Write a date.")
    answers: dict[str, Any] = {
        "framework": playbook.qualification.framework,
        "budget": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in budget.items()},
        "authority": _choice(form, "authority", AUTHORITY_LEVELS, errors) or "none",
        "need": {
            "text": _text(form, "need_text", MAX_NEED, errors) or "",
            "confirmed": form.get("need_confirmed") in ("on", "yes", "true", "1"),
        },
        "timing": {
            "horizon": _choice(form, "timing_horizon", TIMING_HORIZONS, errors) or "unknown",
            "date": timing_date.isoformat() if timing_date else None,
        },
        "meddic": {
            name: _text(form, f"meddic_{name}", MAX_MEDDIC, errors) or "" for name in MEDDIC_FIELDS
        },
    }
    _check(errors)
    return answers


def status_change(form: Form, playbook: Playbook) -> tuple[str, str | None]:
    """(status, reason); a disqualification's reason starts with its key (SPEC §2)."""
    errors: dict[str, str] = {}
    status = _text(form, "status", 40, errors)
    if status is None:
        errors["status"] = _("Required.")
    keys = tuple(playbook.disqualification_reason_keys)
    why = _choice(form, "disqualification_reason", keys, errors)
    reason = _text(form, "reason", MAX_REASON, errors)
    _check(errors)
    if status == "disqualified" and why:
        reason = f"{why}: {reason}" if reason else why
    return str(status), reason


def owner(form: Form) -> int | None:
    text = _text(form, "owner_id", 12, {})
    if text is None:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 2_147_483_647:
        raise FormInvalid({"owner_id": _("Choose an active user.")})
    return int(text)
