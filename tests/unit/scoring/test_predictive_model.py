"""The conversion models: feature space, cross-validation, explanations, storage format.

No database: records are built in memory. One synthetic history where the source drives
conversion (demo requests convert 85 %, purchased lists 5 %, the rest 30 %) and everything
else is noise.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from bascule.scoring.predictive import (
    SCHEMA_VERSION,
    ModelSchemaMismatch,
    NotEnoughHistory,
    TrainingOptions,
    dumps,
    experiment,
    load,
)
from bascule.scoring.predictive_cv import cross_validate, folds_for, reliability
from bascule.scoring.predictive_model import ConversionModel
from bascule.scoring.predictive_space import FeatureSpace
from bascule.storage import tables as t

RATES = {"demo_request": 0.85, "purchased_list": 0.05}


def history(n: int = 400, seed: int = 7) -> tuple[list[dict], list[int]]:
    rng = random.Random(seed)
    records, labels = [], []
    for i in range(n):
        source = rng.choice(["demo_request", "purchased_list", "web_form", "referral"])
        labels.append(int(rng.random() < RATES.get(source, 0.3)))
        records.append(
            {
                "source": source,
                "sector": rng.choice(["industrie", "banque", "logiciel", None]),
                "employees": float(rng.choice([10, 50, 250, 1000])),
                "job_title": frozenset(rng.sample(["directeur", "responsable", "achats"], 1)),
                "signals.page_view": float(rng.randint(0, 5)),
                "Prospect ID": f"p-{i}",
            }
        )
    return records, labels


@pytest.fixture(scope="module")
def data() -> tuple[list[dict], list[int]]:
    return history()


@pytest.fixture(scope="module")
def lr_model(data) -> ConversionModel:
    records, labels = data
    return ConversionModel.train("logistic_regression", records, labels)


def test_the_feature_space_keeps_features_and_leaves_out_identifiers(data):
    records, _ = data

    space = FeatureSpace().fit(records)

    assert space.ignored == {"Prospect ID": "an identifier"}
    assert space.features == ["source", "sector", "employees", "job_title", "signals.page_view"]
    kinds = {c.feature: c.kind for c in space.columns}
    assert kinds == {
        "source": "category",
        "sector": "category",
        "employees": "number",
        "job_title": "word",
        "signals.page_view": "number",
    }
    # one column per job-title word; empty sector = code 0; an unseen value = code 1 (rare)
    assert len(space.word_columns) == 3
    matrix = space.transform([{"source": "trade_show", "sector": None, "employees": None}])
    source, sector, employees = (space.features.index(f) for f in ("source", "sector", "employees"))
    assert matrix[0, source] == 1.0
    assert matrix[0, sector] == 0.0
    assert math.isnan(matrix[0, employees])


def test_every_model_learns_the_driving_feature_on_the_same_folds(data):
    records, labels = data
    folds = folds_for(labels)

    evaluations = cross_validate(records, labels, folds)

    assert list(evaluations) == ["logistic_regression", "gradient_boosting", "blend"]
    for e in evaluations.values():
        assert e.auc > 0.8, (e.model, e.aucs)
        assert len(e.aucs) == 5
        assert 0.0 < e.brier < 0.25
    # the same folds each time: stratified, every lead tested once
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(labels)))
    assert [f.tolist() for f in folds_for(labels)] == [f.tolist() for f in folds]


def test_the_driving_feature_tops_the_explanations(lr_model):
    leads = [
        {"source": "demo_request", "sector": "banque", "employees": 50.0},
        {"source": "purchased_list", "sector": "banque", "employees": 50.0},
    ]

    probabilities, reasons = lr_model.explain(leads)

    assert probabilities[0] > 0.7 > 0.15 > probabilities[1]
    hot, cold = reasons
    assert hot[0]["feature"] == "source" and hot[0]["value"] == "demo_request"
    assert hot[0]["direction"] == "up" and hot[0]["weight"] > 0.2
    assert cold[0]["feature"] == "source" and cold[0]["value"] == "purchased_list"
    assert cold[0]["direction"] == "down" and cold[0]["weight"] < -0.1
    assert lr_model.global_weights()[0]["feature"] == "source"


def test_gradient_boosting_explanations_name_the_driving_feature_too(data):
    records, labels = data
    model = ConversionModel.train("gradient_boosting", records, labels)

    _, reasons = model.explain([{"source": "demo_request", "sector": "banque"}])

    assert reasons[0][0]["feature"] == "source"
    assert reasons[0][0]["direction"] == "up"


def test_reliability_table_compares_predicted_and_observed():
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.05, 0.15, 0.95, 0.91, 0.12])
    table = reliability(y, p)
    assert [(r["from"], r["leads"], r["observed"]) for r in table] == [
        (0.0, 1, 0.0),
        (0.1, 2, 0.5),
        (0.9, 2, 1.0),
    ]


def test_a_stored_model_reads_back_and_another_schema_version_is_refused(lr_model):
    row = t.PredictiveModel(version=3, schema_version=SCHEMA_VERSION, model=dumps(lr_model))
    again = load(row)
    leads = [{"source": "demo_request"}]
    assert again.predict(leads) == pytest.approx(lr_model.predict(leads))

    row.schema_version = SCHEMA_VERSION + 1
    with pytest.raises(ModelSchemaMismatch, match="schema version 2, this Bascule reads version 1"):
        load(row)

    broken = t.PredictiveModel(version=4, schema_version=SCHEMA_VERSION, model=b"not a model")
    with pytest.raises(ModelSchemaMismatch, match="v4 cannot be read"):
        load(broken)


def test_exclusions_are_applied_and_one_naming_no_feature_is_reported(data):
    records, labels = data
    options = TrainingOptions(exclude=("Tags", "SOURCE"), models=("logistic_regression",))

    found = experiment(records, labels, options)

    assert (found.excluded, found.unmatched) == (["source"], ["Tags"])
    assert all("source" not in r for r in found.records)
    assert found.evaluations["logistic_regression"].auc < 0.65  # the signal is gone


def test_excluding_every_feature_is_refused(data):
    records, labels = data
    with pytest.raises(NotEnoughHistory, match="nothing to learn from"):
        experiment(records, labels, TrainingOptions(exclude=("*",)))
