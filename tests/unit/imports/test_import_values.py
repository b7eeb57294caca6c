"""Cleaning one row's text into lead values."""

from __future__ import annotations

import pytest

from bascule.imports import clean_fields
from bascule.imports.countries import ALPHA2, country_code
from bascule.imports.values import (
    clean_employees,
    clean_tags,
    clean_temperature,
    split_full_name,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("250", 250),
        ("1 000", 1000),
        ("1\u00a0000", 1000),
        ("1,000", 1000),
        ("1.000", 1000),
        ("12,500,000", None),
        ("50-200", 50),
        ("50 - 200", 50),
        ("1 000 à 4 999", 1000),
        ("10 to 49", 10),
        ("500+", 500),
        ("> 1000", 1000),
        ("5k", 5000),
        ("250.0", 250),
        ("200 employees", 200),
        ("50 salariés", 50),
        ("1,5", None),
        ("lots", None),
        ("-3", None),
    ],
)
def test_employees(text: str, expected: int | None) -> None:
    value, problem = clean_employees(text)
    assert value == expected
    assert (problem is None) == (expected is not None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("France", "FR"),
        ("FR", "FR"),
        ("fr", "FR"),
        ("FRA", "FR"),
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("États-Unis", "US"),
        ("Royaume-Uni", "GB"),
        ("UK", "GB"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("Suisse", "CH"),
        ("Côte d'Ivoire", "CI"),
        ("United Arab Emirates", "AE"),
        ("DZ", "DZ"),
        ("Atlantis", None),
        ("Asia/Pacific Region", None),
        ("XX", None),
    ],
)
def test_country_to_iso_alpha2(text: str, code: str | None) -> None:
    assert country_code(text) == code


def test_every_iso_code_is_known() -> None:
    assert len(ALPHA2) == 249
    assert all(country_code(code.lower()) == code for code in ALPHA2)


@pytest.mark.parametrize(
    ("text", "value"),
    [("Hot", "hot"), ("warm", "warm"), (" COLD ", "cold"), ("chaud", "hot"), ("Tiède", "warm"),
     ("froid", "cold"), ("lukewarm", None)],
)  # fmt: skip
def test_temperature(text: str, value: str | None) -> None:
    assert clean_temperature(text)[0] == value


def test_tags_split_on_semicolons_and_commas_without_repeats() -> None:
    assert clean_tags(" salon 2025 ; VIP,vip ,,  Paris  ") == (["salon 2025", "VIP", "Paris"], [])
    tags, problems = clean_tags("ok;" + "x" * 101)
    assert tags == ["ok"]
    assert problems == [f"tag {'x' * 57 + '...'!r} is longer than 100 characters"]


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [("Ada Lovelace", "Ada", "Lovelace"), ("Jean-Pierre de La Fontaine", "Jean-Pierre",
     "de La Fontaine"), ("Lovelace, Ada", "Ada", "Lovelace"), ("Cher", None, "Cher")],
)  # fmt: skip
def test_split_full_name(text: str, first: str | None, last: str | None) -> None:
    assert split_full_name(text) == (first, last)


def test_full_name_is_used_only_without_first_and_last_name() -> None:
    values, errors = clean_fields({"full_name": "Ada Lovelace"})
    assert values == {"first_name": "Ada", "last_name": "Lovelace"}
    values, _ = clean_fields({"full_name": "Ada King", "last_name": "Lovelace"})
    assert values == {"last_name": "Lovelace"}
    assert errors == []


def test_text_is_trimmed_and_white_space_collapsed() -> None:
    values, _ = clean_fields({"company": "  ACME\n  Industries ", "job_title": "CTO\t"})
    assert values == {"company": "ACME Industries", "job_title": "CTO"}


def test_too_long_text_is_refused_not_cut() -> None:
    values, errors = clean_fields({"email": "a@acme.io", "last_name": "x" * 121})
    assert values == {"email": "a@acme.io"}
    assert errors == [("last_name", "longer than 120 characters (121)")]


def test_email_and_phone_are_normalised_or_reported() -> None:
    values, errors = clean_fields(
        {"email": "Ada@Example.COM", "phone": "06 12 34 56 78", "company": "Acme"}
    )
    assert values == {"email": "Ada@example.com", "phone": "+33612345678", "company": "Acme"}
    values, errors = clean_fields({"email": "ada@", "phone": "12", "company": "Acme"})
    assert values == {"company": "Acme"}
    assert [field for field, _ in errors] == ["email", "phone"]
    # each reason said once, after the value
    assert errors == [
        ("email", "'ada@': There must be something after the @-sign."),
        ("phone", "'12': not a possible phone number"),
    ]
    _, errors = clean_fields({"phone": "abc", "company": "Acme"})
    assert errors == [
        ("phone", "'abc': not a phone number (The string supplied did not seem to be a phone "
                  "number.)")
    ]  # fmt: skip


def test_placeholders_and_salesforce_null_ids_are_empty() -> None:
    values, errors = clean_fields(
        {"company": "000000000000000AAA", "sector": "Select", "country": "N/A", "email": "a@b.fr"}
    )
    assert values == {"email": "a@b.fr"}
    assert errors == []


def test_undecodable_text_is_reported_not_stored() -> None:
    values, errors = clean_fields({"last_name": "Dupr\ufffd", "email": "a@b.fr"})
    assert values == {"email": "a@b.fr"}
    assert errors == [
        (
            "last_name",
            "'Dupr\ufffd' has bytes that are not text: not taken as last_name, kept as read in "
            "the lead's attributes",
        )
    ]
