"""Cross-validation of the conversion models: the same stratified folds for every candidate.

The feature space is learnt on each fold's training part only; each candidate is scored on
the held-out part. Reported: ROC AUC per fold, Brier score and log loss over every
out-of-fold prediction, and a reliability table (predicted against observed conversion).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from bascule.errors import NotEnoughHistory
from bascule.scoring.predictive_features import Record
from bascule.scoring.predictive_model import MODELS, Progress, fit
from bascule.scoring.predictive_space import FeatureSpace

FOLDS = 5


def folds_for(labels: Sequence[int], *, n_folds: int = FOLDS, seed: int = 0) -> list[np.ndarray]:
    """The test indices of each fold: stratified, shuffled with a fixed seed, the same for
    every model."""
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    y = np.asarray(labels)
    return [test for _, test in splitter.split(np.zeros(len(y)), y)]


@dataclass
class Evaluation:
    model: str
    aucs: list[float]
    brier: float
    log_loss: float
    reliability: list[dict[str, float]]
    seconds: float
    predictions: np.ndarray = field(repr=False)

    @property
    def auc(self) -> float:
        return float(np.mean(self.aucs))

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "auc": round(self.auc, 4),
            "auc_std": round(float(np.std(self.aucs)), 4),
            "fold_aucs": [round(a, 4) for a in self.aucs],
            "brier": round(self.brier, 4),
            "log_loss": round(self.log_loss, 4),
            "reliability": self.reliability,
            "seconds": round(self.seconds, 2),
        }


def cross_validate(
    records: Sequence[Record],
    labels: Sequence[int],
    folds: Sequence[np.ndarray],
    *,
    models: Sequence[str] = MODELS,
    progress: Progress | None = None,
) -> dict[str, Evaluation]:
    """Every model on the same folds; the feature space is learnt on each training part."""
    y = np.asarray(labels)
    wanted = set(models)
    base = [m for m in MODELS[:2] if m in wanted or "blend" in wanted]
    out = {m: np.zeros(len(y)) for m in base}
    spent = dict.fromkeys(base, 0.0)
    everyone = np.arange(len(y))
    for number, test in enumerate(folds, start=1):
        train = np.setdiff1d(everyone, test)
        space = FeatureSpace().fit([records[i] for i in train])
        if not space.columns:
            raise NotEnoughHistory(
                "nothing to learn from: every feature is empty, constant, an identifier or excluded"
            )
        matrix = space.transform(records)
        for model in base:
            if progress:
                progress(f"fold {number}/{len(folds)}: {model}")
            started = time.perf_counter()
            fitted = fit(model, space, matrix[train], y[train])
            out[model][test] = fitted.predict(matrix[test])
            spent[model] += time.perf_counter() - started
    if "blend" in wanted:
        out["blend"] = (out["logistic_regression"] + out["gradient_boosting"]) / 2
        spent["blend"] = spent["logistic_regression"] + spent["gradient_boosting"]
    return {m: _evaluation(m, y, out[m], folds, spent[m]) for m in models}


def _evaluation(
    model: str, y: np.ndarray, p: np.ndarray, folds: Sequence[np.ndarray], seconds: float
) -> Evaluation:
    aucs = [float(roc_auc_score(y[test], p[test])) for test in folds]
    return Evaluation(
        model=model,
        aucs=aucs,
        brier=float(brier_score_loss(y, p)),
        log_loss=float(log_loss(y, np.clip(p, 1e-6, 1 - 1e-6))),
        reliability=reliability(y, p),
        seconds=seconds,
        predictions=p,
    )


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Predicted against observed conversion rate, in ten bands of predicted probability."""
    table = []
    band = np.minimum((p * bins).astype(int), bins - 1)
    for b in range(bins):
        inside = band == b
        if inside.any():
            table.append(
                {
                    "from": b / bins,
                    "to": (b + 1) / bins,
                    "leads": int(inside.sum()),
                    "predicted": round(float(p[inside].mean()), 4),
                    "observed": round(float(y[inside].mean()), 4),
                }
            )
    return table
