"""Qualification answers and the ready-to-convert rule (SPEC §4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.errors import PlaybookInvalid, ValidationFailed
from bascule.leads.model import (
    TIMING_HORIZONS,
    Budget,
    Need,
    Qualification,
    Timing,
    check_qualification,
    missing_for_conversion,
    ready_to_convert,
)
from bascule.playbook import schema
from bascule.playbook.load import default_playbook, default_text, parse

PLAYBOOK = default_playbook()

READY = Qualification(
    budget=Budget(status="range", min=Decimal("10000"), max=Decimal("20000")),
    need=Need(text="replace the CRM before the contract ends", confirmed=True),
    timing=Timing(horizon="6_months"),
)


def _with_rule(**changes: object) -> schema.Playbook:
    rule = PLAYBOOK.qualification.ready_to_convert.model_copy(update=changes)
    return PLAYBOOK.model_copy(
        update={
            "qualification": PLAYBOOK.qualification.model_copy(update={"ready_to_convert": rule})
        }
    )


# --- check_qualification ----------------------------------------------------------------------


def test_consistent_answers_pass() -> None:
    assert check_qualification(READY) is None
    assert check_qualification(Qualification()) is None


def test_inconsistent_answers_are_reported_field_by_field() -> None:
    # given every kind of contradiction at once
    q = Qualification(
        framework="spin",
        budget=Budget(status="confirmed", min=Decimal("-1"), max=Decimal("-5")),
        authority="ceo",
        need=Need(text="  ", confirmed=True),
        timing=Timing(horizon="someday"),
        meddic={"metrics": "20% faster", "vibes": "good"},
    )
    # when checked
    with pytest.raises(ValidationFailed) as exc:
        check_qualification(q)
    # then each field at fault is named exactly once
    assert set(exc.value.fields) == {
        "framework",
        "budget.min",
        "budget.max",
        "budget.amount",
        "authority",
        "timing.horizon",
        "need.text",
        "meddic",
    }
    assert exc.value.fields["budget.amount"] == "a confirmed budget needs its amount"
    assert exc.value.fields["meddic"] == "unknown elements: vibes"


def test_budget_min_above_max_is_refused() -> None:
    q = Qualification(budget=Budget(status="range", min=Decimal("500"), max=Decimal("100")))
    with pytest.raises(ValidationFailed) as exc:
        check_qualification(q)
    assert exc.value.fields == {"budget.max": "must be at least budget.min"}


def test_range_budget_needs_a_bound_and_unknown_status_is_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_qualification(Qualification(budget=Budget(status="range")))
    assert exc.value.fields == {"budget.min": "a budget range needs min or max"}
    with pytest.raises(ValidationFailed) as exc:
        check_qualification(Qualification(budget=Budget(status="huge")))
    assert exc.value.fields == {"budget.status": "must be one of none, range, confirmed"}


# --- to_dict / from_dict ----------------------------------------------------------------------


def test_from_dict_of_nothing_is_the_empty_qualification() -> None:
    assert Qualification.from_dict(None) == Qualification()
    assert Qualification.from_dict({}) == Qualification()


def test_to_dict_shape_matches_the_api_body() -> None:
    q = Qualification(
        budget=Budget(status="confirmed", amount=Decimal("12000.50")),
        authority="decision_maker",
        need=Need(text="CRM migration", confirmed=True),
        timing=Timing(horizon="3_months", date=date(2025, 9, 30)),
        meddic={"champion": "Jane"},
    )
    assert q.to_dict() == {
        "framework": "bant",
        "budget": {"status": "confirmed", "min": None, "max": None, "amount": "12000.50"},
        "authority": "decision_maker",
        "need": {"text": "CRM migration", "confirmed": True},
        "timing": {"horizon": "3_months", "date": "2025-09-30"},
        "meddic": {"champion": "Jane"},
    }


def test_from_dict_accepts_numbers_and_drops_empty_meddic_answers() -> None:
    q = Qualification.from_dict(
        {
            "budget": {"status": "range", "min": 5000, "max": "", "amount": None},
            "need": {"text": None, "confirmed": 1},
            "timing": {"date": "2026-01-15"},
            "meddic": {"metrics": "", "champion": "Bob"},
        }
    )
    assert q.budget == Budget(status="range", min=Decimal("5000"))
    assert q.need == Need(text="", confirmed=True)
    assert q.timing == Timing(horizon="unknown", date=date(2026, 1, 15))
    assert q.timing.known is True
    assert dict(q.meddic) == {"champion": "Bob"}


MONEY = st.none() | st.decimals(
    min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False
)
QUALIFICATIONS = st.builds(
    Qualification,
    framework=st.sampled_from(["bant", "meddic"]),
    budget=st.builds(
        Budget, status=st.sampled_from(schema.BUDGET_LEVELS), min=MONEY, max=MONEY, amount=MONEY
    ),
    authority=st.sampled_from(schema.AUTHORITY_LEVELS),
    need=st.builds(Need, text=st.text(max_size=20), confirmed=st.booleans()),
    timing=st.builds(Timing, horizon=st.sampled_from(TIMING_HORIZONS), date=st.none() | st.dates()),
    meddic=st.dictionaries(
        st.sampled_from(schema.MEDDIC_FIELDS), st.text(min_size=1, max_size=10), max_size=6
    ),
)


@settings(max_examples=150, database=None)
@given(q=QUALIFICATIONS)
def test_to_dict_from_dict_round_trip(q: Qualification) -> None:
    assert Qualification.from_dict(q.to_dict()) == q


# --- ready to convert under the default playbook ----------------------------------------------


def test_default_rule_need_budget_range_and_timing_make_a_lead_ready() -> None:
    assert missing_for_conversion(READY, PLAYBOOK) == {}
    assert ready_to_convert(READY, PLAYBOOK) is True


def test_empty_qualification_lacks_need_budget_and_timing_but_not_authority() -> None:
    assert missing_for_conversion(Qualification(), PLAYBOOK) == {
        "need": "the need is not confirmed",
        "budget": "budget must be at least 'range'",
        "timing": "the timing is unknown",
    }
    assert ready_to_convert(Qualification(), PLAYBOOK) is False


@pytest.mark.parametrize(
    ("changed", "missing_key"),
    [
        (Qualification(budget=READY.budget, timing=READY.timing), "need"),
        (
            Qualification(
                need=Need(text="x", confirmed=False), budget=READY.budget, timing=READY.timing
            ),
            "need",
        ),
        (Qualification(need=READY.need, timing=READY.timing), "budget"),
        (Qualification(need=READY.need, budget=READY.budget), "timing"),
    ],
)
def test_each_missing_element_is_named(changed: Qualification, missing_key: str) -> None:
    assert list(missing_for_conversion(changed, PLAYBOOK)) == [missing_key]
    assert ready_to_convert(changed, PLAYBOOK) is False


def test_a_date_without_horizon_counts_as_known_timing() -> None:
    q = Qualification(need=READY.need, budget=READY.budget, timing=Timing(date=date(2026, 3, 1)))
    assert ready_to_convert(q, PLAYBOOK) is True


def test_confirmed_budget_is_at_least_a_range() -> None:
    q = Qualification(
        need=READY.need,
        budget=Budget(status="confirmed", amount=Decimal("15000")),
        timing=READY.timing,
    )
    assert ready_to_convert(q, PLAYBOOK) is True


# --- ready to convert under modified playbooks -------------------------------------------------


def test_toml_rule_requiring_a_decision_maker() -> None:
    # given the default playbook text edited to require a decision maker
    text = default_text()
    assert 'authority_at_least = "none"' in text
    playbook = parse(
        text.replace('authority_at_least = "none"', 'authority_at_least = "decision_maker"')
    )
    # when a qualified lead only has an influencer
    influencer = Qualification(
        budget=READY.budget, need=READY.need, timing=READY.timing, authority="influencer"
    )
    # then authority is what is missing
    assert missing_for_conversion(influencer, playbook) == {
        "authority": "authority must be at least 'decision_maker'"
    }
    decision_maker = Qualification(
        budget=READY.budget, need=READY.need, timing=READY.timing, authority="decision_maker"
    )
    assert ready_to_convert(decision_maker, playbook) is True
    # and the default playbook is untouched
    assert ready_to_convert(influencer, PLAYBOOK) is True


def test_toml_rule_with_an_unknown_authority_level_is_invalid() -> None:
    text = default_text().replace('authority_at_least = "none"', 'authority_at_least = "ceo"')
    with pytest.raises(PlaybookInvalid) as exc:
        parse(text)
    assert list(exc.value.fields) == ["qualification.ready_to_convert.authority_at_least"]


def test_model_copy_rule_confirmed_budget_and_timing_optional() -> None:
    playbook = _with_rule(budget_at_least="confirmed", timing_known=False)
    q = Qualification(need=READY.need, budget=READY.budget)
    assert missing_for_conversion(q, playbook) == {"budget": "budget must be at least 'confirmed'"}
    confirmed = Qualification(
        need=READY.need, budget=Budget(status="confirmed", amount=Decimal("1"))
    )
    assert ready_to_convert(confirmed, playbook) is True


def test_model_copy_rule_need_not_required() -> None:
    playbook = _with_rule(need_confirmed=False)
    q = Qualification(budget=READY.budget, timing=READY.timing)
    assert ready_to_convert(q, playbook) is True
    assert ready_to_convert(q, PLAYBOOK) is False


def test_meddic_framework_from_toml_requires_the_listed_elements() -> None:
    # given the playbook switched to MEDDIC with two required elements
    text = default_text().replace('framework = "bant"', 'framework = "meddic"')
    text = text.replace(
        'meddic_required = ["metrics", "economic_buyer", "identify_pain", "champion"]',
        'meddic_required = ["economic_buyer", "champion"]',
    )
    playbook = parse(text)
    assert playbook.qualification.framework == "meddic"
    # when a lead is fully BANT-qualified but has no MEDDIC answers
    # then the MEDDIC elements are missing, and BANT answers do not count
    assert missing_for_conversion(READY, playbook) == {
        "meddic.economic_buyer": "required by the playbook's MEDDIC rule",
        "meddic.champion": "required by the playbook's MEDDIC rule",
    }
    blank = Qualification(meddic={"economic_buyer": "CFO", "champion": "   "})
    assert list(missing_for_conversion(blank, playbook)) == ["meddic.champion"]
    full = Qualification(meddic={"economic_buyer": "CFO", "champion": "IT director"})
    assert ready_to_convert(full, playbook) is True


def test_meddic_framework_by_model_copy_uses_default_required_elements() -> None:
    playbook = PLAYBOOK.model_copy(
        update={"qualification": schema.Qualification(framework="meddic")}
    )
    assert set(missing_for_conversion(Qualification(), playbook)) == {
        "meddic.metrics",
        "meddic.economic_buyer",
        "meddic.identify_pain",
        "meddic.champion",
    }


def test_meddic_rule_with_unknown_element_is_invalid() -> None:
    text = default_text().replace('"champion"]', '"charisma"]')
    with pytest.raises(PlaybookInvalid) as exc:
        parse(text)
    assert list(exc.value.fields) == ["qualification.ready_to_convert.meddic_required"]
