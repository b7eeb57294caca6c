"""Defects and the report a script reads (issue 9): pure, from figures and stored metrics."""

from __future__ import annotations

import numpy as np
import pytest

from bascule.scoring.predictive import Experiment, NotEnoughHistory
from bascule.scoring.predictive_cv import Evaluation, base_rate_brier, defect, folds_for
from bascule.scoring.predictive_report import summary


def evaluation(model: str, auc: float, brier: float) -> Evaluation:
    return Evaluation(model, [auc], brier, 0.3, [], 1.0, np.zeros(0))


def test_a_candidate_worse_than_chance_or_than_the_base_rate_has_a_defect():
    assert defect(evaluation("gradient_boosting", 0.198, 0.09), base_brier=0.0957) == (
        "ranks leads worse than chance (cross-validated ROC AUC 0.198 < 0.5)"
    )
    assert defect(evaluation("blend", 0.61, 0.1020), base_brier=0.0957) == (
        "predicts worse than the base rate (Brier 0.1020 > 0.0957)"
    )
    assert defect(evaluation("logistic_regression", 0.80, 0.0910), base_brier=0.0957) is None


def test_the_base_rate_brier_is_out_of_fold():
    labels = [1] * 30 + [0] * 970
    floor = base_rate_brier(labels, folds_for(labels))
    assert floor == pytest.approx(0.03 * 0.97, abs=1e-4)


def test_a_candidate_with_a_defect_is_never_chosen_even_with_the_best_auc():
    evaluations = {
        "logistic_regression": evaluation("logistic_regression", 0.71, 0.09),
        "gradient_boosting": evaluation("gradient_boosting", 0.90, 0.12),
    }
    found = Experiment(evaluations, [], [], [], [], defects={"gradient_boosting": "predicts worse"})
    assert found.best.model == "logistic_regression"

    found.defects["logistic_regression"] = "ranks leads worse than chance"
    with pytest.raises(NotEnoughHistory, match="no candidate model learnt anything usable"):
        _ = found.best


METRICS = {
    "leads": 1000,
    "converted": 110,
    "inner_folds": "shuffled stratified",
    "models": {
        "logistic_regression": {"auc": 0.8194, "brier": 0.0795},
        "gradient_boosting": {"auc": 0.1799, "brier": 0.097},
    },
    "defects": {"gradient_boosting": "ranks leads worse than chance (...)"},
    "leaks": [{"feature": "Contract number", "reason": "filled for 80 leads", "auc": 0.9}],
    "excluded": ["Contract number"],
}


def test_the_summary_has_exactly_the_documented_keys():
    assert summary(METRICS, "logistic_regression") == {
        "chosen": "logistic_regression",
        "base_rate": 0.11,
        "leads": 1000,
        "candidates": [
            {
                "model": "logistic_regression",
                "auc": 0.8194,
                "brier": 0.0795,
                "chosen": True,
                "defect": None,
            },
            {
                "model": "gradient_boosting",
                "auc": 0.1799,
                "brier": 0.097,
                "chosen": False,
                "defect": "ranks leads worse than chance (...)",
            },
        ],
        "warnings": [
            "likely leak: Contract number: filled for 80 leads (excluded)",
            "gradient_boosting was not chosen: ranks leads worse than chance (...)",
        ],
    }


def test_a_model_stored_before_defects_were_kept_is_judged_again_and_told_to_retrain():
    # Given the metrics of a model stored by an older Bascule: no defects, no inner folds
    old = {k: v for k, v in METRICS.items() if k not in ("defects", "inner_folds")}

    report = summary(old, "gradient_boosting")

    # Then its inverted booster is a defect, and the user is told to train again
    assert report["candidates"][1]["defect"] == (
        "ranks leads worse than chance (cross-validated ROC AUC 0.180 < 0.5)"
    )
    assert report["warnings"][-3:] == [
        "gradient_boosting is the stored model: ranks leads worse than chance "
        "(cross-validated ROC AUC 0.180 < 0.5)",
        "the stored model has a defect: train again (bascule model train)",
        "trained before the validation folds were shuffled: on leads in time order its "
        "figures can be upside down; train again (bascule model train)",
    ]
