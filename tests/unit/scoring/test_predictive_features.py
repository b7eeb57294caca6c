"""What the predictive model learns from: features of a lead, its outcome, leak warnings. Pure."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sklearn.metrics import roc_auc_score

from bascule.scoring.predictive import (
    NotEnoughHistory,
    TrainingOptions,
    check_history,
    experiment,
)
from bascule.scoring.predictive_cv import folds_for
from bascule.scoring.predictive_features import (
    LeadFacts,
    imported_outcome,
    leak_warnings,
    matches,
    outcome,
    record,
    roc_auc,
    without,
    words,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def lead(**fields: object) -> LeadFacts:
    base: dict[str, object] = {"id": 1, "status": "new", "created_at": NOW - timedelta(days=3)}
    return LeadFacts(**(base | fields))  # type: ignore[arg-type]


# --- outcome ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "converted"}, 1),
        ({"status": "disqualified", "disqualification_reason": "no_budget"}, 0),
        ({"status": "disqualified", "disqualification_reason": "duplicate"}, None),
        ({"status": "new"}, None),
        ({"status": "nurturing", "created_at": NOW - timedelta(days=181)}, 0),
        ({"status": "sql", "created_at": NOW - timedelta(days=179)}, None),
        ({"status": "new", "attributes": {"Converted": "1"}}, 1),
        ({"status": "converted", "attributes": {"Converted": "0"}}, 0),
        ({"status": "new", "attributes": {"IsConverted": "true"}}, 1),
        ({"status": "new", "attributes": {"is_converted": "non"}}, 0),
        ({"status": "new", "attributes": {"Converted": "maybe"}}, None),
    ],
)
def test_the_outcome_of_a_lead(fields, expected):
    assert outcome(lead(**fields), now=NOW, stale_days=180) == expected


def test_an_imported_converted_column_is_the_label_and_never_a_feature():
    facts = lead(attributes={"Converted": "1", "Lead Origin": "API", "source": "Google"})

    row = record(facts)

    assert imported_outcome(facts.attributes) == 1
    assert "Converted" not in row
    assert row["Lead Origin"] == "API"
    # a column named like a lead field does not overwrite it
    assert row["attributes.source"] == "Google"
    assert row["source"] is None


def test_a_record_holds_firmographics_words_tags_and_signal_counts():
    facts = lead(
        source="demo_request",
        sector="Industrie",
        employees=250,
        job_title="Directeur Général des Systèmes d'Information",
        tags=("Salon 2026", " "),
        signals={"page_view": 4, "pricing_view": 1},
        attributes={"Budget": "Select", "Visites": "12"},
    )

    row = record(facts)

    assert row["source"] == "demo_request"
    assert row["employees"] == 250.0
    assert row["job_title"] == frozenset({"directeur", "general", "systemes", "information"})
    assert row["tags"] == frozenset({"salon 2026"})
    assert row["signals.page_view"] == 4.0
    assert row["signals.email_open"] == 0.0  # every signal type, 0 when none
    assert row["Budget"] is None  # "Select" is x_education's "not answered"
    assert row["Visites"] == "12"


def test_words_of_a_job_title():
    assert words("Head of Sales & Marketing") == frozenset({"head", "sales", "marketing"})
    assert words(None) == frozenset()


def test_exclusions_match_names_patterns_and_case():
    names = ["tags", "Lead Quality", "Asymmetrique Activity Index", "Lead Origin"]
    excluded = [n for n in names if matches(n, ["Tags", "lead quality", "Asymmetrique*"])]
    assert excluded == ["tags", "Lead Quality", "Asymmetrique Activity Index"]
    assert without([{n: "x" for n in names}], ["Asymmetrique*"]) == [
        {"tags": "x", "Lead Quality": "x", "Lead Origin": "x"}
    ]


# --- history checks ---------------------------------------------------------------------------


def test_too_little_history_is_refused_with_the_counts():
    with pytest.raises(NotEnoughHistory, match=r"150 leads with a known outcome.*200 needed"):
        check_history([0, 1] * 75, min_leads=200)


def test_a_single_outcome_is_refused():
    with pytest.raises(NotEnoughHistory, match=r"only one outcome.*all 300 .* not converted"):
        check_history([0] * 300, min_leads=200)


def test_fewer_than_twenty_of_one_outcome_is_refused_naming_the_counts():
    # Given 19 converted leads among 300
    labels = [1] * 19 + [0] * 281

    # When the history is checked, then it is refused with both counts
    with pytest.raises(NotEnoughHistory) as refused:
        check_history(labels, min_leads=200)
    assert refused.value.message == (
        "too few leads of one outcome to train: 19 converted, 281 not converted; "
        "at least 20 of each needed"
    )
    # And 20 of each is enough, whichever outcome is the rare one
    check_history([1] * 20 + [0] * 280, min_leads=200)
    check_history([0] * 20 + [1] * 280, min_leads=200)


# --- leaks ------------------------------------------------------------------------------------


def _history(n: int = 600, seed: int = 1) -> tuple[list[dict], list[int]]:
    rng = random.Random(seed)
    records, labels = [], []
    for i in range(n):
        y = int(rng.random() < 0.4)
        records.append(
            {
                "source": rng.choice(["web_form", "referral", "paid_campaign"]),
                # written by sales once the deal is signed: filled only for converted leads
                "Contract number": f"C-{i}" if y and rng.random() < 0.7 else None,
                # the outcome, almost: a status written after the call
                "Call result": ("Signed" if y else "Lost") if rng.random() < 0.98 else "Other",
                "Visits": float(rng.randint(0, 9)),
                "Lead Id": str(100_000 + i),
            }
        )
        labels.append(y)
    return records, labels


def test_leaking_features_are_flagged_and_honest_ones_are_not():
    records, labels = _history()
    folds = [f.tolist() for f in folds_for(labels)]

    warnings = {w.feature: w for w in leak_warnings(records, labels, folds)}

    assert set(warnings) == {"Call result", "Contract number"}
    assert warnings["Call result"].auc is not None and warnings["Call result"].auc > 0.95
    assert "near" in warnings["Call result"].reason or "perfect" in warnings["Call result"].reason
    assert "100% of them converted" in warnings["Contract number"].reason


def test_roc_auc_matches_scikit_learn_with_ties():
    rng = random.Random(3)
    labels = [rng.randint(0, 1) for _ in range(300)]
    scores = [round(rng.random() + 0.3 * y, 1) for y in labels]
    assert roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))


def _rare_history(n: int = 3000, seed: int = 4) -> tuple[list[dict], list[int]]:
    """3 % converted; the source and the page views matter a little; every lead is "sales";
    nobody requested a trial; a contract number is written only once a deal is signed."""
    rng = random.Random(seed)
    records, labels = [], []
    for i in range(n):
        source = rng.choice(["web_form", "referral", "paid_campaign", "trade_show"])
        views = rng.randint(0, 6)
        y = int(rng.random() < 0.008 + 0.06 * (source == "referral") + 0.003 * views)
        records.append(
            {
                "kind": "sales",  # constant
                "signals.trial_request": 0.0,  # constant
                "signals.pricing_view": 1.0 if i % 500 == 0 else 0.0,  # near-constant
                "source": source,
                "signals.page_view": float(views),
                "Contract number": f"C-{i}" if y and rng.random() < 0.8 else None,
            }
        )
        labels.append(y)
    return records, labels


def test_at_a_three_percent_base_rate_only_the_planted_leak_is_flagged():
    # Given 3,000 leads, 3 % converted, with constant and near-constant features
    records, labels = _rare_history()
    assert 0.025 < sum(labels) / len(labels) < 0.035
    folds = [f.tolist() for f in folds_for(labels)]

    # When the features are checked for leaks
    warnings = leak_warnings(records, labels, folds)

    # Then only the contract number is suspect: filled for converted leads only
    assert [w.feature for w in warnings] == ["Contract number"]
    assert warnings[0].reason.startswith("filled for ")
    assert "100% of them converted (base rate" in warnings[0].reason


def test_at_a_three_percent_base_rate_exclude_leaks_keeps_everything_else():
    # Given the same history
    records, labels = _rare_history()

    # When it is validated without the leaks
    options = TrainingOptions(exclude_leaks=True, models=("logistic_regression",))
    found = experiment(records, labels, options)

    # Then only the leak is left out, and the honest features still teach something
    assert found.excluded == ["Contract number"]
    assert {name for row in found.records for name in row} == {
        "kind",
        "signals.trial_request",
        "signals.pricing_view",
        "source",
        "signals.page_view",
    }
    assert found.best.auc > 0.6
