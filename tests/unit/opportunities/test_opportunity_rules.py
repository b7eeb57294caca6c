"""Opportunity creation rules (SPEC §3): project-name key, weighted amount, mandatory fields."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.errors import MissingFields
from bascule.opportunities.model import (
    NewOpportunity,
    normalise_project_name,
    validate_new,
    weighted_amount,
)
from bascule.playbook.load import default_playbook

PLAYBOOK = default_playbook()

# --- normalise_project_name --------------------------------------------------------------------


def test_scenario_3_name_variants_share_one_key() -> None:
    a = normalise_project_name("Projet de migration CRM – Acme")
    b = normalise_project_name("projet de migration crm - ACME")
    assert a == b == "projet de migration crm acme"


@pytest.mark.parametrize(
    "variant",
    [
        "Upgrade vers plan Pro – 10 licences",
        "UPGRADE VERS PLAN PRO — 10 LICENCES",
        "upgrade vers plan pro - 10 licences",
        "Upgrade  vers plan Pro ‐ 10 licences.",
        "  upgrade-vers-plan-pro-10-licences  ",
    ],
)
def test_case_dashes_spaces_and_punctuation_do_not_matter(variant: str) -> None:
    assert normalise_project_name(variant) == "upgrade vers plan pro 10 licences"


def test_accents_do_not_matter() -> None:
    assert normalise_project_name("Déploiement Équipe Sécurité") == "deploiement equipe securite"
    assert normalise_project_name("Straße") == "strasse"


# Latin letters with and without accents, digits, spaces, punctuation and every kind of dash.
ACCENTED = "éèêëàâäîïôöùûüçÉÈÊÀÂÎÔÙÇñÑ"
DASHES = "-‐‑‒–—―−"
LATIN_TEXT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,'!/_"
    + ACCENTED
    + DASHES,
    max_size=40,
)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@settings(max_examples=200, database=None)
@given(name=st.text(max_size=40))
def test_normalise_project_name_is_idempotent_and_plain(name: str) -> None:
    key = normalise_project_name(name)
    assert normalise_project_name(key) == key
    assert key == key.strip()
    assert "  " not in key
    assert all(c.isalnum() or c == " " for c in key)
    assert key == key.casefold()


@settings(max_examples=200, database=None)
@given(name=LATIN_TEXT, dash=st.sampled_from(DASHES))
def test_normalise_project_name_ignores_case_accents_and_dash_kind(name: str, dash: str) -> None:
    key = normalise_project_name(name)
    assert normalise_project_name(name.upper()) == key
    assert normalise_project_name(name.lower()) == key
    assert normalise_project_name(_strip_accents(name)) == key
    assert normalise_project_name("".join(dash if c in DASHES else c for c in name)) == key


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Проект Москва", "Проект Киев"),
        ("Projet Œuvre", "Projet uvre"),
        ("Projet Ørsted", "Projet rsted"),
    ],
)
def test_distinct_non_ascii_project_names_keep_distinct_keys(first: str, second: str) -> None:
    assert normalise_project_name(first) != normalise_project_name(second)


# --- weighted_amount ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "probability", "expected"),
    [
        ("12000", 25, "3000.00"),
        ("12000", 10, "1200.00"),
        ("1234.56", 75, "925.92"),
        ("99.99", 100, "99.99"),
        ("500", 0, "0.00"),
        ("0.05", 10, "0.01"),  # 0.005 rounds half-up
        ("0.05", 50, "0.03"),  # 0.025: half-up, not banker's 0.02
        ("0.04", 10, "0.00"),  # 0.004 rounds down
        ("33.33", 50, "16.67"),  # 16.665 rounds half-up
    ],
)
def test_weighted_amount_exact_values(amount: str, probability: int, expected: str) -> None:
    result = weighted_amount(Decimal(amount), probability)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


@settings(max_examples=100, database=None)
@given(
    amount=st.decimals(min_value="0.01", max_value="1e9", places=2),
    probability=st.integers(min_value=0, max_value=100),
)
def test_weighted_amount_is_bounded_by_the_amount(amount: Decimal, probability: int) -> None:
    result = weighted_amount(amount, probability)
    assert Decimal(0) <= result <= amount
    assert weighted_amount(amount, 100) == amount
    assert abs(result - amount * probability / 100) <= Decimal("0.005")


# --- validate_new ------------------------------------------------------------------------------


def _fields(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Projet de migration CRM – Acme",
        "account_id": 42,
        "amount": "18000",
        "expected_close_date": "2026-06-30",
        "stage": "discovery",
        "lead_source": "trade_show",
    }
    base.update(overrides)
    return base


def _errors(fields: dict[str, Any], **kwargs: Any) -> dict[str, str]:
    with pytest.raises(MissingFields) as exc:
        validate_new(fields, PLAYBOOK, **kwargs)
    assert exc.value.code == "missing_fields"
    return dict(exc.value.fields)


def test_valid_opportunity_is_normalised() -> None:
    opp = validate_new(_fields(), PLAYBOOK)
    assert opp == NewOpportunity(
        name="Projet de migration CRM – Acme",
        name_key="projet de migration crm acme",
        account_id=42,
        amount=Decimal("18000.00"),
        expected_close_date=date(2026, 6, 30),
        stage="discovery",
        probability=25,
        type="new_business",
        lead_source="trade_show",
        loss_reason=None,
    )


def test_missing_everything_names_each_mandatory_field_once() -> None:
    errors = _errors({})
    assert set(errors) == {
        "name",
        "account_id",
        "amount",
        "expected_close_date",
        "stage",
        "lead_source",
    }
    assert all(message == "required" for message in errors.values())


@pytest.mark.parametrize("amount", [0, "0", -5, "-5", Decimal("-0.01")])
def test_amount_must_be_positive(amount: Any) -> None:
    assert _errors(_fields(amount=amount)) == {"amount": "must be greater than 0"}


@pytest.mark.parametrize("amount", ["abc", "", "NaN", "Infinity", True, [1]])
def test_amount_must_be_a_number(amount: Any) -> None:
    assert list(_errors(_fields(amount=amount))) == ["amount"]


def test_amount_that_rounds_to_zero_cents_is_refused() -> None:
    assert list(_errors(_fields(amount="0.004"))) == ["amount"]


def test_amount_is_rounded_half_up_to_cents() -> None:
    assert validate_new(_fields(amount=12.345), PLAYBOOK).amount == Decimal("12.35")


@pytest.mark.parametrize("when", ["30/06/2026", "2026-02-30", "soon", 20260630])
def test_bad_close_date_is_refused(when: Any) -> None:
    assert _errors(_fields(expected_close_date=when)) == {
        "expected_close_date": "must be a date (YYYY-MM-DD)"
    }


def test_close_date_may_be_a_date_object() -> None:
    opp = validate_new(_fields(expected_close_date=date(2026, 1, 2)), PLAYBOOK)
    assert opp.expected_close_date == date(2026, 1, 2)
    assert not isinstance(opp.expected_close_date, datetime)


def test_unknown_stage_type_and_source_are_refused() -> None:
    errors = _errors(_fields(stage="closing", type="charity", lead_source="tiktok"))
    assert set(errors) == {"stage", "type", "lead_source"}
    assert errors["stage"].startswith("must be one of qualification, discovery")


def test_lost_without_loss_reason_is_refused() -> None:
    assert set(_errors(_fields(stage="lost"))) == {"loss_reason"}
    assert set(_errors(_fields(stage="lost", loss_reason="bad luck"))) == {"loss_reason"}


def test_lost_with_loss_reason_is_accepted_at_probability_zero() -> None:
    opp = validate_new(_fields(stage="lost", loss_reason="no_real_need"), PLAYBOOK)
    assert (opp.stage, opp.probability, opp.loss_reason) == ("lost", 0, "no_real_need")


def test_loss_reason_on_an_open_stage_is_refused() -> None:
    assert _errors(_fields(loss_reason="price")) == {
        "loss_reason": "only a lost opportunity has a loss reason"
    }


@pytest.mark.parametrize("name", ["   ", "–––", "!!"])
def test_name_without_letters_or_digits_is_refused(name: str) -> None:
    assert list(_errors(_fields(name=name))) == ["name"]


def test_name_longer_than_200_characters_is_refused() -> None:
    assert _errors(_fields(name="x" * 201)) == {"name": "at most 200 characters"}
    assert validate_new(_fields(name="x" * 200), PLAYBOOK).name == "x" * 200


def test_name_in_cyrillic_is_accepted() -> None:
    assert validate_new(_fields(name="Проект"), PLAYBOOK).name == "Проект"


@pytest.mark.parametrize("account_id", [None, "42", True, 4.2])
def test_account_id_must_be_an_integer(account_id: Any) -> None:
    assert _errors(_fields(account_id=account_id)) == {"account_id": "required"}


def test_account_not_yet_known_is_accepted_as_zero() -> None:
    opp = validate_new(_fields(account_id=None), PLAYBOOK, account_known=False)
    assert opp.account_id == 0


def test_allowed_types_restrict_the_type() -> None:
    assert _errors(_fields(type="upsell"), allowed_types=("service",)) == {
        "type": "must be one of service"
    }
    opp = validate_new(_fields(type="service"), PLAYBOOK, allowed_types=("service",))
    assert opp.type == "service"
