"""Checking and normalising the ways to reach a person (e-mail, phone). Pure."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email


def check_email(value: str | None) -> tuple[str | None, str | None]:
    """(normalised address, error message). Syntax only: no DNS look-up."""
    if value is None or not value.strip():
        return None, None
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        return None, str(exc)
    return result.normalized, None


def check_phone(value: str | None, default_region: str = "FR") -> tuple[str | None, str | None]:
    """(E.164 number, error message)."""
    if value is None or not value.strip():
        return None, None
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        return None, f"not a phone number ({exc})"
    if not phonenumbers.is_possible_number(number):
        return None, "not a possible phone number"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None
