"""The opportunity forms' values and words: amounts as each language writes them, and one
message per field from the services' stable details."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bascule.errors import MissingFields
from bascule.web import i18n
from bascule.web.conversion_wizard import request_of
from bascule.web.opportunity_forms import amount_input, field_errors, parse_amount, parse_day


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("12 500", "fr", Decimal("12500")),
        ("12\u202f500,50 €", "fr", Decimal("12500.50")),
        ("12.500,5", "fr", Decimal("12500.5")),
        ("12,500", "en", Decimal("12500")),
        ("€12,500.25", "en", Decimal("12500.25")),
        ("12500.5", "fr", Decimal("12500.5")),
        ("-5", "en", Decimal("-5")),
        ("", "fr", None),
        ("douze", "fr", "douze"),
        ("NaN", "en", "NaN"),
    ],
)
def test_amounts_read_as_their_language_writes_them(
    text: str, locale: str, expected: Decimal | str | None
) -> None:
    assert parse_amount(text, locale) == expected


def test_days_and_editable_amounts() -> None:
    assert parse_day("2026-12-05") == date(2026, 12, 5)
    assert parse_day("05/12/2026") == "05/12/2026"  # the service names the field
    assert parse_day(" ") is None
    assert amount_input(Decimal("12500.00"), "fr") == "12500"
    assert amount_input(Decimal("12500.50"), "fr") == "12500,50"
    assert amount_input(Decimal("12500.50"), "en") == "12500.50"


def test_one_message_per_form_field_in_the_readers_language() -> None:
    exc = MissingFields({
        "opportunity.name": "required",
        "opportunity.amount": "must be greater than 0",
        "opportunity.expected_close_date": "must be a date (YYYY-MM-DD)",
        "lead_source": "required",
    })  # fmt: skip
    names = {"opportunity.name": "name", "opportunity.amount": "amount",
             "opportunity.expected_close_date": "date"}  # fmt: skip
    i18n.set_language("fr")
    try:
        assert field_errors(exc, names) == {
            "name": "Obligatoire.", "amount": "Doit être supérieur à 0.",
            "date": "Saisissez une date.", "": "Obligatoire.",
        }  # fmt: skip
    finally:
        i18n.set_language("en")


def test_the_wizard_sends_the_apis_conversion_body() -> None:
    form = {
        "account": "7", "target": "new", "opportunity_name": " Projet CRM ",
        "amount": "12 500,50", "expected_close_date": "2026-12-05", "stage": "discovery",
    }  # fmt: skip
    assert request_of(form, "fr") == {
        "opportunity": {"name": "Projet CRM", "amount": "12500.50",
                        "expected_close_date": "2026-12-05", "stage": "discovery"},
        "account_id": 7,
    }  # fmt: skip
    # A new account on request; nothing typed stays missing for the service to name.
    empty = form | {"account": "new", "opportunity_name": "", "amount": "", "stage": ""}
    assert request_of(empty, "fr") == {
        "opportunity": {"name": None, "amount": None, "expected_close_date": "2026-12-05",
                        "stage": None},
        "new_account": True,
    }  # fmt: skip
    # Adding the lead to an open opportunity: that opportunity decides the account.
    assert request_of(form | {"target": "42"}, "fr") == {"opportunity_id": 42}
