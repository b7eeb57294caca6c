"""Reading the free answers of a form: budgets, timelines and numbers of users."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bascule.intake.parse import (
    Timing,
    horizon_for,
    parse_amount,
    parse_amount_range,
    parse_timeline,
    parse_users,
)

D = Decimal
TODAY = date(2030, 3, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20-30k€", (D(20000), D(30000))),
        ("20 000 – 30 000 €", (D(20000), D(30000))),
        ("entre 20 et 30 k€ HT", (D(20000), D(30000))),
        ("30k - 20k", (D(20000), D(30000))),
        ("25k", (D(25000), D(25000))),
        ("30 keur", (D(30000), D(30000))),
        ("1,5 M€", (D(1500000), D(1500000))),
        ("1.5m", (D(1500000), D(1500000))),
        ("150.000", (D(150000), D(150000))),
        ("100,000 EUR", (D(100000), D(100000))),
        ("1 500 000 €", (D(1500000), D(1500000))),
        ("1\u202f500\u00a0000 €", (D(1500000), D(1500000))),
        ("2.75", (D("2.75"), D("2.75"))),
        ("jusqu'à 50k€", (None, D(50000))),
        ("up to 50k", (None, D(50000))),
        ("moins de 10 000 €", (None, D(10000))),
        ("plus de 100 k€", (D(100000), None)),
        ("at least 40k", (D(40000), None)),
    ],
)
def test_budget_answers_are_read_as_ranges(text, expected):
    assert parse_amount_range(text) == expected


@pytest.mark.parametrize(
    "value", ["", "non défini", "à voir", None, True, [1], {"a": 1}, 10**13, float("nan")]
)
def test_unreadable_or_absurd_budgets_are_none(value):
    assert parse_amount_range(value) is None


def test_numbers_are_budgets_as_they_are():
    assert parse_amount_range(25000) == (D(25000), D(25000))
    assert parse_amount_range(2.755) == (D("2.76"), D("2.76"))
    assert parse_amount_range(D("1e3")) == (D(1000), D(1000))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("100k€", D(100000)),
        ("100-150k€", D(150000)),  # the top of a range: the budget set aside
        ("plus de 80k", D(80000)),
        (180000, D(180000)),
        ("0", None),
        (0, None),
        ("beaucoup", None),
    ],
)
def test_one_amount_from_a_budget(value, expected):
    assert parse_amount(value) == expected


@given(st.integers(min_value=1, max_value=10**11))
def test_a_plain_number_of_euros_reads_back(n):
    assert parse_amount(str(n)) == D(n)
    assert parse_amount(f"{n:,}".replace(",", " ") + " €") == D(n)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dans 3 mois", Timing("3_months")),
        ("6 weeks", Timing("3_months")),
        ("15 jours", Timing("now")),
        ("1 an", Timing("12_months")),
        ("ASAP", Timing("now")),
        ("Dès que possible", Timing("now")),
        ("3_months", Timing("3_months")),
        ("2030-06-30", Timing("6_months", date(2030, 6, 30))),
        ("30/06/2030", Timing("6_months", date(2030, 6, 30))),
        ("T2", Timing("6_months", date(2030, 6, 30))),
        ("Q1", Timing("now", date(2030, 3, 31))),
        ("Q3 2030", Timing("12_months", date(2030, 9, 30))),
        ("fin d'année", Timing("12_months", date(2030, 12, 31))),
    ],
)
def test_timelines_are_read_as_bant_horizons(text, expected):
    assert parse_timeline(text, TODAY) == expected


@pytest.mark.parametrize(
    "text", ["before summer", "2 ans", "2029-12-31", "31/02/2031", "", "Q4 2040", None, 12]
)
def test_unreadable_past_or_distant_timelines_are_none(text):
    assert parse_timeline(text, TODAY) is None


def test_a_quarter_already_over_means_next_year():
    assert parse_timeline("Q1", date(2030, 5, 1)) == Timing("12_months", date(2031, 3, 31))


@pytest.mark.parametrize(
    ("months", "horizon"),
    [(0, "now"), (1, "now"), (2, "3_months"), (3, "3_months"), (4, "6_months"), (12, "12_months")],
)
def test_horizons(months, horizon):
    assert horizon_for(months) == horizon
    assert horizon_for(13) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [(25, 25), ("25", 25), ("25 utilisateurs", 25), ("20 à 30", 30), ("", None), ("beaucoup", None),
     (0, None), (True, None), (2_000_000, None), (None, None)],
)  # fmt: skip
def test_numbers_of_users(value, expected):
    assert parse_users(value) == expected
