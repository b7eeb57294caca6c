"""Validation of the conversion models: the same shuffled stratified folds for every candidate.

The feature space is learnt on each fold's training part only; each candidate is scored on
the held-out part. Reported: ROC AUC per fold, Brier score and log loss over every
out-of-fold prediction, and a reliability table (predicted against observed conversion).

Leads arrive in time order and conversion rates drift, so a fold must never be a block of
time: every fold here (and every inner fold, ``predictive_model``) is shuffled with a fixed
seed. A candidate that still ranks worse than chance, or predicts worse than the base rate,
has a ``defect`` and is never chosen. ``time_ordered`` is the other view, the one a
salesperson lives with: fitted on the older leads, tested on the newest.
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
from bascule.scoring.predictive_model import MODELS, Progress, blend, fit
from bascule.scoring.predictive_space import FeatureSpace

FOLDS = 5
NEWEST_SHARE = 0.2  # time-ordered validation: tested on the newest fifth of the leads


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
        out["blend"] = blend(out["logistic_regression"], out["gradient_boosting"])
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


# --- what a candidate must at least do --------------------------------------------------------


def base_rate_brier(labels: Sequence[int], folds: Sequence[np.ndarray]) -> float:
    """The Brier score of predicting, for each fold, the conversion rate of the other folds:
    what a candidate must beat to have learnt anything."""
    y = np.asarray(labels, dtype=np.float64)
    p = np.zeros(len(y))
    everyone = np.arange(len(y))
    for test in folds:
        p[test] = y[np.setdiff1d(everyone, test)].mean()
    return float(brier_score_loss(y, p))


def defect(evaluation: Evaluation, base_brier: float) -> str | None:
    """Why a candidate must not be chosen, or None."""
    if evaluation.auc < 0.5:
        return f"ranks leads worse than chance (cross-validated ROC AUC {evaluation.auc:.3f} < 0.5)"
    if evaluation.brier > base_brier:
        return (
            f"predicts worse than the base rate (Brier {evaluation.brier:.4f} > {base_brier:.4f})"
        )
    return None


# --- time-ordered validation ------------------------------------------------------------------


@dataclass
class TimeOrdered:
    """Every candidate fitted on the older leads and tested on the newest ones."""

    train_leads: int
    test_leads: int
    test_converted: int
    base_brier: float  # the older leads' conversion rate, predicted for the newest
    aucs: dict[str, float]
    briers: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "train_leads": self.train_leads,
            "test_leads": self.test_leads,
            "test_converted": self.test_converted,
            "base_brier": round(self.base_brier, 4),
            "candidates": [
                {"model": m, "auc": round(a, 4), "brier": round(self.briers[m], 4)}
                for m, a in self.aucs.items()
            ],
        }


def time_ordered(
    records: Sequence[Record],
    labels: Sequence[int],
    *,
    models: Sequence[str] = MODELS,
    newest: float = NEWEST_SHARE,
) -> TimeOrdered | None:
    """Records in time order (oldest first): fitted on all but the newest share, tested on
    it. None when either part lacks one of the outcomes (nothing to measure)."""
    y = np.asarray(labels)
    cut = len(y) - int(len(y) * newest)
    train, test = y[:cut], y[cut:]
    if len(set(train.tolist())) < 2 or len(set(test.tolist())) < 2:
        return None
    space = FeatureSpace().fit(records[:cut])
    if not space.columns:
        return None
    matrix = space.transform(records)
    wanted = set(models)
    out = {
        m: fit(m, space, matrix[:cut], train).predict(matrix[cut:])
        for m in MODELS[:2]
        if m in wanted or "blend" in wanted
    }
    if "blend" in wanted:
        out["blend"] = blend(out["logistic_regression"], out["gradient_boosting"])
    base = float(brier_score_loss(test, np.full(len(test), train.mean())))
    return TimeOrdered(
        train_leads=cut,
        test_leads=len(test),
        test_converted=int(test.sum()),
        base_brier=base,
        aucs={m: float(roc_auc_score(test, out[m])) for m in models},
        briers={m: float(brier_score_loss(test, out[m])) for m in models},
    )
