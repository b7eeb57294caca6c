"""The conversion models, their cross-validation and their explanations (scikit-learn).

Candidates, each fitted on the same ``FeatureSpace`` matrix:

- ``logistic_regression``: categories one-hot, numbers on a spline basis of log(1 + x) with
  a missing-value indicator, words as 0/1; plus the pairwise interactions of the
  ``INTERACTING`` columns that predict best alone (ranked on the training leads only:
  categories one-hot, numbers on a piecewise-linear basis); L2-regularised logistic regression.
- ``gradient_boosting``: ``HistGradientBoostingClassifier`` reading the category codes natively
  and missing numbers as such (small trees, early stopping on a stratified random tenth of the
  training leads), calibrated by ``CalibratedClassifierCV`` (sigmoid fitted on 3 shuffled
  stratified inner folds' held-out predictions, then one booster refitted on every training
  lead).
- ``blend``: the mean of the two probabilities (equal weights, fixed: weights learnt on inner
  folds did no better on x_education).

``predictive_cv.cross_validate`` scores every candidate on the same stratified folds;
``ConversionModel`` is what is stored: the feature space, the chosen
estimator(s), and how much each column matters (to pick explanation candidates).

Explanations (``ConversionModel.explain``): for each lead, each candidate column is put back to
the typical lead's value (most common category, median number, word absent) and the change of
probability is that feature's weight: positive pushed the lead up, negative down. For the
logistic regression this is exactly its coefficients times the change of the encoded values
(interactions included), through the sigmoid. Candidates are the columns where the lead differs
from the typical lead, the ``CANDIDATES`` that matter most when they differ.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, SplineTransformer
from threadpoolctl import threadpool_limits

from bascule.scoring.predictive_features import Record
from bascule.scoring.predictive_space import FeatureSpace

MODELS = ("logistic_regression", "gradient_boosting", "blend")
CANDIDATES = 12  # columns tried per lead when explaining
REASONS = 5  # reasons kept per lead
MIN_WEIGHT = 0.005  # a reason moves the probability by at least half a point
INTERACTING = 12  # columns whose pairwise interactions the logistic regression reads
BINS = 5  # quantile bins of a number when ranking the columns for interactions
MIN_FREQUENCY = 5  # a one-hot value seen fewer times is grouped with the other rare ones
# The logistic regression's inverse L2 strength (C), and the factor on the interaction columns:
# a column scaled by s is penalised as with C * s**2, so interactions are shrunk ~35 times more
# than the main effects (many more of them, each seen by few leads).
LR_C = 1.0
INTERACTION_SCALE = 0.17
INNER_FOLDS = 3  # calibration folds of the gradient boosting
SEED = 0  # every random split of a fit: the same model from the same leads
CHUNK = 4096
SAMPLE = 200  # training leads sampled to find neutral values and column weights
Progress = Callable[[str], None]


# OpenMP threads spin while they wait: on a machine shared with the API and the worker (or a
# test run), one thread is far faster than two fighting for a core. Every fit and prediction
# runs under this limit; `threads(n)` raises it for a block.
_threads = 1


@contextmanager
def threads(count: int) -> Iterator[None]:
    global _threads
    before, _threads = _threads, count
    try:
        yield
    finally:
        _threads = before


def _limited() -> threadpool_limits:
    return threadpool_limits(limits=_threads)


# --- estimators -------------------------------------------------------------------------------


class NumberBasis(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Numbers for a linear model: log(1 + |x|) with its sign, the median when missing, then a
    cubic spline on knots at quantiles (a straight line when there are few distinct values),
    plus a missing-value indicator where the training data had missing values."""

    def fit(self, x: np.ndarray, y: Any = None) -> NumberBasis:
        self.parts_: list[tuple[float, SplineTransformer | None, float, float, bool]] = []
        for j in range(x.shape[1]):
            column = _signed_log(x[:, j])
            known = column[~np.isnan(column)]
            median = float(np.median(known)) if known.size else 0.0
            filled = np.where(np.isnan(column), median, column)
            knots = np.unique(np.quantile(filled, np.linspace(0, 1, 7)))
            spline = None
            if knots.size >= 4:
                spline = SplineTransformer(knots=knots.reshape(-1, 1), extrapolation="constant")
                spline.fit(filled.reshape(-1, 1))
            scale = float(filled.std()) or 1.0
            self.parts_.append(
                (median, spline, float(filled.mean()), scale, bool(np.isnan(column).any()))
            )
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        out = []
        for j, (median, spline, mean, scale, flag) in enumerate(self.parts_):
            column = _signed_log(x[:, j])
            missing = np.isnan(column)
            filled = np.where(missing, median, column).reshape(-1, 1)
            out.append(spline.transform(filled) if spline else (filled - mean) / scale)
            if flag:
                out.append(missing.astype(np.float64).reshape(-1, 1))
        return np.hstack(out) if out else np.zeros((x.shape[0], 0))


def _signed_log(values: np.ndarray) -> np.ndarray:
    numbers = np.asarray(values, dtype=np.float64)
    signed: np.ndarray = np.sign(numbers) * np.log1p(np.abs(numbers))
    return signed


class LinearBasis(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Numbers for interactions: log(1 + |x|) with its sign on a piecewise-linear basis (hat
    functions on 5 knots at quantiles: two non-zero cells per lead, so products stay sparse),
    the median when missing, plus a missing-value indicator where the training data had
    missing values."""

    def fit(self, x: np.ndarray, y: Any = None) -> LinearBasis:
        self.parts_: list[tuple[float, SplineTransformer | None, bool]] = []
        for j in range(x.shape[1]):
            column = _signed_log(x[:, j])
            known = column[~np.isnan(column)]
            median = float(np.median(known)) if known.size else 0.0
            filled = np.where(np.isnan(column), median, column)
            knots = np.unique(np.quantile(filled, np.linspace(0, 1, BINS)))
            spline = None
            if knots.size >= 2:
                spline = SplineTransformer(
                    knots=knots.reshape(-1, 1), degree=1, extrapolation="constant"
                )
                spline.fit(filled.reshape(-1, 1))
            self.parts_.append((median, spline, bool(np.isnan(column).any())))
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        out = []
        for j, (median, spline, flag) in enumerate(self.parts_):
            column = _signed_log(x[:, j])
            missing = np.isnan(column)
            filled = np.where(missing, median, column).reshape(-1, 1)
            out.append(spline.transform(filled) if spline else np.zeros_like(filled))
            if flag:
                out.append(missing.astype(np.float64).reshape(-1, 1))
        return np.hstack(out) if out else np.zeros((x.shape[0], 0))


class Interactions(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Pairwise products of the encoded values of the ``top`` columns that predict the outcome
    best alone. The ranking is learnt in ``fit``, from the training leads only (inside each
    cross-validation fold): each column (numbers in quantile bins, categories and words as
    they are) scored by the ROC AUC of its values' smoothed conversion rates. The products are
    multiplied by ``scale`` (a stronger L2 penalty on them)."""

    def __init__(
        self, kinds: Sequence[str] = (), top: int = INTERACTING, scale: float = INTERACTION_SCALE
    ) -> None:
        self.kinds = kinds
        self.top = top
        self.scale = scale

    def fit(self, x: np.ndarray, y: np.ndarray) -> Interactions:
        self.chosen_ = _best_columns(x, np.asarray(y), self.kinds, self.top)
        parts: list[tuple[str, Any, list[int]]] = []
        categories = [j for j in self.chosen_ if self.kinds[j] == "category"]
        numbers = [j for j in self.chosen_ if self.kinds[j] == "number"]
        words = [j for j in self.chosen_ if self.kinds[j] == "word"]
        if categories:
            encoder = OneHotEncoder(handle_unknown="ignore", min_frequency=MIN_FREQUENCY)
            parts.append(("categories", encoder, categories))
        if numbers:
            parts.append(("numbers", LinearBasis(), numbers))
        if words:
            parts.append(("words", "passthrough", words))
        self.encode_: Pipeline | None = None
        if len(self.chosen_) >= 2:
            self.encode_ = Pipeline(
                [
                    ("encode", ColumnTransformer(parts, sparse_threshold=1.0)),
                    ("products", PolynomialFeatures(2, interaction_only=True, include_bias=False)),
                ]
            )
            self.encode_.fit(x)
        return self

    def transform(self, x: np.ndarray) -> Any:
        if self.encode_ is None:
            return sparse.csr_matrix((x.shape[0], 0))
        return sparse.csr_matrix(self.encode_.transform(x)) * self.scale


def _best_columns(x: np.ndarray, y: np.ndarray, kinds: Sequence[str], top: int) -> list[int]:
    """The ``top`` columns whose values alone rank the (training) leads best, in column order
    (ties to the first column: deterministic)."""
    prior = float(y.mean()) if y.size else 0.0
    scores = []
    for j, kind in enumerate(kinds):
        cells = x[:, j]
        if kind == "number":
            known = cells[~np.isnan(cells)]
            edges = np.zeros(0)
            if known.size:
                edges = np.unique(np.quantile(known, np.linspace(0, 1, BINS + 1)[1:-1]))
            values = np.where(
                np.isnan(cells), 0, 1 + np.searchsorted(edges, cells, side="right")
            ).astype(np.int64)
        else:
            values = cells.astype(np.int64)
        counts = np.bincount(values)
        hits = np.bincount(values, weights=y, minlength=counts.size)
        rates = (hits + 10 * prior) / (counts + 10)
        single = y.min() == y.max() or counts.max() == len(y)
        scores.append(0.5 if single else float(roc_auc_score(y, rates[values])))
    order = sorted(range(len(kinds)), key=lambda j: (-scores[j], j))
    return sorted(order[:top])


def logistic_regression(space: FeatureSpace) -> Pipeline:
    parts: list[tuple[str, Any, list[int]]] = []
    if space.category_columns:
        encoder = OneHotEncoder(handle_unknown="ignore", min_frequency=MIN_FREQUENCY)
        parts.append(("categories", encoder, space.category_columns))
    if space.number_columns:
        parts.append(("numbers", NumberBasis(), space.number_columns))
    if space.word_columns:
        parts.append(("words", "passthrough", space.word_columns))
    kinds = [c.kind for c in space.columns]
    return Pipeline(
        [
            (
                "encode",
                FeatureUnion(
                    [
                        ("main", ColumnTransformer(parts, sparse_threshold=1.0)),
                        ("interactions", Interactions(kinds)),
                    ]
                ),
            ),
            ("model", LogisticRegression(C=LR_C, max_iter=5000)),
        ]
    )


def gradient_boosting(space: FeatureSpace) -> CalibratedClassifierCV:
    # Leads come in time order and conversion rates drift. Unshuffled inner folds are blocks
    # of time: each is predicted by a booster that learnt another period's rate, the sigmoid
    # then learns "predicted higher, converts less" and turns the refitted booster's ranking
    # upside down (ROC AUC 0.2 on such a history). So the calibration folds are shuffled;
    # the early-stopping split already is (a stratified random split, seeded).
    booster = HistGradientBoostingClassifier(
        categorical_features=[c.kind == "category" for c in space.columns],
        learning_rate=0.05,
        max_iter=500,
        max_leaf_nodes=7,
        min_samples_leaf=20,
        l2_regularization=1.0,
        max_features=0.5,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=30,
        random_state=SEED,
    )
    inner = StratifiedKFold(n_splits=INNER_FOLDS, shuffle=True, random_state=SEED)
    return CalibratedClassifierCV(booster, method="sigmoid", cv=inner, ensemble=False)


def blend(logistic: np.ndarray, boosted: np.ndarray) -> np.ndarray:
    """The blend candidate: the mean of the two probabilities."""
    mean: np.ndarray = (logistic + boosted) / 2
    return mean


@dataclass
class Fitted:
    """The estimators of one candidate, fitted on one matrix."""

    kind: str
    estimators: list[Any]

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        out = np.zeros(matrix.shape[0])
        with _limited():
            for start in range(0, matrix.shape[0], CHUNK):
                part = matrix[start : start + CHUNK]
                out[start : start + CHUNK] = np.mean(
                    [e.predict_proba(part)[:, 1] for e in self.estimators], axis=0
                )
        return out


def fit(kind: str, space: FeatureSpace, matrix: np.ndarray, y: np.ndarray) -> Fitted:
    makers: dict[str, list[Callable[[], Any]]] = {
        "logistic_regression": [lambda: logistic_regression(space)],
        "gradient_boosting": [lambda: gradient_boosting(space)],
    }
    makers["blend"] = makers["logistic_regression"] + makers["gradient_boosting"]
    with _limited():
        estimators = [make().fit(matrix, y) for make in makers[kind]]
    return Fitted(kind, estimators)


# --- the stored model -------------------------------------------------------------------------


class ConversionModel:
    """What ``bascule model train`` stores: feature space + fitted model + column weights."""

    def __init__(self, space: FeatureSpace, fitted: Fitted) -> None:
        self.space = space
        self.fitted = fitted
        self.baseline = space.baseline.copy()
        self.importance = np.zeros(len(space.columns))

    @classmethod
    def train(cls, kind: str, records: Sequence[Record], labels: Sequence[int]) -> ConversionModel:
        space = FeatureSpace().fit(records)
        matrix = space.transform(records)
        model = cls(space, fit(kind, space, matrix, np.asarray(labels)))
        sample = _sample(matrix, SAMPLE)
        model.baseline = model._neutral_values(sample)
        model.importance = model._importance(sample)
        return model

    @property
    def kind(self) -> str:
        return self.fitted.kind

    def predict(self, records: Sequence[Record]) -> np.ndarray:
        return self.fitted.predict(self.space.transform(records))

    def _neutral_values(self, rows: np.ndarray) -> np.ndarray:
        """For each column, the value that leaves the average probability of the (sampled)
        training leads unchanged when every lead is given it: a value "of average effect".
        Explanations compare a lead with that value, so the most common value of a feature
        can still be a reason (a source that converts better than the mix of sources)."""
        p = self.fitted.predict(rows).mean()
        neutral = self.baseline.copy()
        for j, column in enumerate(self.space.columns):
            values = _candidate_values(rows[:, j], column.kind)
            if len(values) < 2:
                continue
            changed = np.repeat(rows[None, :, :], len(values), axis=0)
            changed[:, :, j] = values[:, None]
            means = self.fitted.predict(changed.reshape(-1, rows.shape[1]))
            gaps = np.abs(means.reshape(len(values), -1).mean(axis=1) - p)
            neutral[j] = values[int(np.argmin(gaps))]
        return neutral

    def _importance(self, rows: np.ndarray) -> np.ndarray:
        """Mean |change of probability| when a column is put at its neutral value, over the
        (sampled) training leads where it differs from it."""
        p = self.fitted.predict(rows)
        base = self.baseline
        importance = np.zeros(rows.shape[1])
        for j in range(rows.shape[1]):
            differs = _differs(rows[:, j], base[j])
            if differs.any():
                changed = rows[differs].copy()
                changed[:, j] = base[j]
                importance[j] = np.abs(p[differs] - self.fitted.predict(changed)).mean()
        return importance

    def global_weights(self, top: int = 15) -> list[dict[str, Any]]:
        """The columns that move probabilities most, for ``bascule model show``."""
        order = np.argsort(-self.importance)[:top]
        return [
            {
                "feature": self.space.columns[j].feature,
                "value": self.space.columns[j].word,
                "weight": round(float(self.importance[j]), 4),
            }
            for j in order
            if self.importance[j] > 0
        ]

    def explain(self, records: Sequence[Record]) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
        """Probabilities and, per lead, the features that pushed it up or down most."""
        probabilities = np.zeros(len(records))
        reasons: list[list[dict[str, Any]]] = []
        for start in range(0, len(records), CHUNK):
            p, why = self._explain(self.space.transform(records[start : start + CHUNK]))
            probabilities[start : start + len(p)] = p
            reasons.extend(why)
        return probabilities, reasons

    def _explain(self, matrix: np.ndarray) -> tuple[np.ndarray, list[list[dict[str, Any]]]]:
        p = self.fitted.predict(matrix)
        n, width = matrix.shape
        base = self.baseline
        k = min(CANDIDATES, width)
        if n == 0 or k == 0:
            return p, [[] for _ in range(n)]
        differs = np.column_stack([_differs(matrix[:, j], base[j]) for j in range(width)])
        rank = np.where(differs, self.importance + 1e-9, -1.0)
        picked = np.argsort(-rank, axis=1)[:, :k]
        changed = np.repeat(matrix, k, axis=0)
        columns = picked.reshape(-1)
        changed[np.arange(n * k), columns] = base[columns]
        delta = p[:, None] - self.fitted.predict(changed).reshape(n, k)
        delta[~np.take_along_axis(differs, picked, axis=1)] = 0.0
        reasons = []
        for i in range(n):
            order = np.argsort(-np.abs(delta[i]))[:REASONS]
            reasons.append(
                [
                    self._reason(matrix[i], int(picked[i, o]), float(delta[i, o]))
                    for o in order
                    if abs(delta[i, o]) >= MIN_WEIGHT
                ]
            )
        return p, reasons

    def _reason(self, row: np.ndarray, j: int, weight: float) -> dict[str, Any]:
        column = self.space.columns[j]
        return {
            "feature": column.feature,
            "value": column.display(float(row[j])),
            "direction": "up" if weight > 0 else "down",
            "weight": round(weight, 4),
        }


def _sample(matrix: np.ndarray, size: int) -> np.ndarray:
    if len(matrix) <= size:
        return matrix
    rng = np.random.default_rng(0)
    return matrix[rng.choice(len(matrix), size=size, replace=False)]


def _candidate_values(cells: np.ndarray, kind: str) -> np.ndarray:
    """Values a column could be set to: its 8 most common codes, 9 deciles (and missing when
    seen), or a word absent and present."""
    if kind == "word":
        return np.array([0.0, 1.0], dtype=np.float32)
    if kind == "category":
        codes, counts = np.unique(cells, return_counts=True)
        return codes[np.argsort(-counts)[:8]].astype(np.float32)
    known = cells[~np.isnan(cells)]
    values: list[float] = []
    if known.size:
        values = np.unique(np.quantile(known, np.linspace(0.1, 0.9, 9))).tolist()
    if np.isnan(cells).any():
        values.append(np.nan)
    return np.array(values, dtype=np.float32)


def _differs(cells: np.ndarray, base: float) -> np.ndarray:
    differs: np.ndarray = ~np.isnan(cells)
    if not math.isnan(base):
        differs |= cells != base
        differs |= np.isnan(cells)
    return differs
