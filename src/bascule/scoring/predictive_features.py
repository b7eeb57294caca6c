"""What the predictive model learns from: a lead's facts, its outcome, and suspicious features.

Pure functions over plain values (no database, no clock, no scikit-learn):

- ``LeadFacts`` is what storage loads for one lead; ``record(facts)`` turns it into the raw
  features the model reads: firmographics (employees, sector, country, technology), source,
  campaign, kind, temperature, job title words, tags, signal counts by type, and every column
  an import kept in ``attributes``.
- ``outcome(facts, now=..., stale_days=...)`` is the label: 1 converted, 0 not converted, None
  still open (not learnt from). A lead whose imported attributes carry a ``Converted`` column
  (x_education's Leads.csv, Salesforce's ``IsConverted``) takes its label from there, and that
  column is never a feature.
- ``leak_warnings(records, labels, folds)`` names the features that look written after the
  outcome was known: near-perfect alone, or filled almost only for one outcome compared with
  the base rate. Constant and near-constant features are uninformative, never suspect.
"""

from __future__ import annotations

import bisect
import fnmatch
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bascule.signals.model import SIGNAL_TYPES

Value = str | float | frozenset[str] | None
Record = dict[str, Value]

# Lead fields read as categories, and as numbers.
CATEGORY_FIELDS = ("source", "campaign", "kind", "sector", "country", "technology", "temperature")
NUMBER_FIELDS = ("employees",)
SIGNAL_PREFIX = "signals."
# Attribute columns that hold the outcome itself: the label, never a feature. Compared on
# letters and digits only, lower-cased ("Converted", "IsConverted", "is_converted").
LABEL_COLUMNS = frozenset({"converted", "isconverted"})
# What an export writes for "no answer": x_education writes "Select" (an untouched drop-down).
MISSING = frozenset({"", "select", "n/a", "na", "nan", "null", "none", "-", "--", "?"})
TRUE_VALUES = frozenset({"1", "1.0", "true", "yes", "y", "oui", "vrai", "t"})
FALSE_VALUES = frozenset({"0", "0.0", "false", "no", "n", "non", "faux", "f"})
# Disqualified as a duplicate says nothing about the person: not a "not converted" outcome.
NOT_AN_OUTCOME_REASONS = frozenset({"duplicate"})
STOP_WORDS = frozenset(
    {"de", "du", "des", "la", "le", "les", "et", "en", "of", "and", "the", "for", "a", "d", "l"}
)
_WORD = re.compile(r"[a-z0-9]+")

# Leak rules (SPEC §8, issues 4 and 9), relative to the base rate so that they mean the same
# at 3 % and at 40 % converted. A feature is suspect when alone it ranks the leads almost
# perfectly (cross-validated ROC AUC at least LEAK_AUC) ...
LEAK_AUC = 0.95
# ... or when the leads where it is filled (or where it has one of its values) almost never
# have one of the outcomes: at most LEAK_SURPRISE of the count the base rate leads to expect,
# that expected count being at least LEAK_EXPECTED (fewer is no evidence either way) ...
LEAK_SURPRISE = 0.1
LEAK_EXPECTED = 10
# ... "filled" meaning for at least LEAK_MIN_FILLED leads and this share of them, and the
# "decided" values covering at least this share of the leads where it is filled.
LEAK_MIN_FILLED = 10
LEAK_MIN_FILLED_SHARE = 0.01
LEAK_DECIDED_SHARE = 0.5
# A feature whose most common value (empty included) is that of all but fewer than this share
# of the leads says too little to be suspect: it is uninformative, never a leak.
NEAR_CONSTANT_SHARE = 0.005


@dataclass(frozen=True)
class LeadFacts:
    """One lead as the model sees it. ``closed_at``: when it converted or was disqualified."""

    id: int
    status: str
    created_at: datetime
    source: str | None = None
    campaign: str | None = None
    kind: str | None = None
    sector: str | None = None
    country: str | None = None
    technology: str | None = None
    temperature: str | None = None
    employees: int | None = None
    job_title: str | None = None
    disqualification_reason: str | None = None
    tags: tuple[str, ...] = ()
    signals: Mapping[str, int] = field(default_factory=dict)
    attributes: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class LeakWarning:
    feature: str
    reason: str
    auc: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "reason": self.reason, "auc": self.auc}


def column_key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def is_label_column(name: str) -> bool:
    return column_key(name) in LABEL_COLUMNS


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, frozenset):
        return not value
    return str(value).strip().lower() in MISSING


def words(text: str | None) -> frozenset[str]:
    """The words of a job title, lower-case and without accents: "Directeur Général" ->
    {"directeur", "general"}."""
    if not text:
        return frozenset()
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return frozenset(w for w in _WORD.findall(plain) if len(w) > 1 and w not in STOP_WORDS)


def record(facts: LeadFacts) -> Record:
    """The raw features of a lead. Attribute columns keep the file's name; a column named
    like a lead field is prefixed ``attributes.``; the label column is left out. Signals
    count by type (0 when none)."""
    row: Record = {name: _text(getattr(facts, name)) for name in CATEGORY_FIELDS}
    for name in NUMBER_FIELDS:
        number = getattr(facts, name)
        row[name] = None if number is None else float(number)
    row["job_title"] = words(facts.job_title)
    row["tags"] = frozenset(t.strip().lower() for t in facts.tags if t and t.strip())
    for kind in sorted({*SIGNAL_TYPES, *facts.signals}):
        row[SIGNAL_PREFIX + kind] = float(facts.signals.get(kind, 0))
    for column, value in (facts.attributes or {}).items():
        if is_label_column(column) or isinstance(value, dict | list):
            continue
        name = f"attributes.{column}" if column in row else column
        row[name] = None if value is None else _text(value)
    return row


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return None if text.lower() in MISSING else text


def imported_outcome(attributes: Mapping[str, Any] | None) -> int | None:
    """The outcome an import carried (``Converted`` = 1/0, yes/no, true/false), if any."""
    for column, value in (attributes or {}).items():
        if is_label_column(column) and value is not None:
            text = str(value).strip().lower()
            if text in TRUE_VALUES:
                return 1
            if text in FALSE_VALUES:
                return 0
    return None


def outcome(facts: LeadFacts, *, now: datetime, stale_days: int) -> int | None:
    """1 converted, 0 not converted, None unknown (still open and recent: not learnt from).

    Not converted = disqualified (except as a duplicate), or open for more than
    ``stale_days`` days since creation. An imported ``Converted`` column wins over the status.
    """
    imported = imported_outcome(facts.attributes)
    if imported is not None:
        return imported
    if facts.status == "converted":
        return 1
    if facts.status == "disqualified":
        reason = (facts.disqualification_reason or "").strip().lower()
        return None if reason in NOT_AN_OUTCOME_REASONS else 0
    if facts.created_at <= now - timedelta(days=stale_days):
        return 0
    return None


def matches(name: str, patterns: Iterable[str]) -> bool:
    """Whether a feature is named by one of the patterns (case-insensitive, ``*`` wildcards;
    ``Tags`` names the lead's tags, ``job title`` its job title words)."""
    key = column_key(name)
    for pattern in patterns:
        if fnmatch.fnmatchcase(name.lower(), pattern.strip().lower()):
            return True
        if "*" not in pattern and key == column_key(pattern):
            return True
    return False


def feature_names(records: Iterable[Record]) -> list[str]:
    seen: dict[str, None] = {}
    for row in records:
        for name in row:
            seen.setdefault(name)
    return list(seen)


def without(records: Sequence[Record], patterns: Sequence[str]) -> list[Record]:
    if not patterns:
        return list(records)
    drop = {name for name in feature_names(records) if matches(name, patterns)}
    return [{k: v for k, v in row.items() if k not in drop} for row in records]


# --- leak warnings ----------------------------------------------------------------------------


def leak_warnings(
    records: Sequence[Record], labels: Sequence[int], folds: Sequence[Sequence[int]]
) -> list[LeakWarning]:
    """Features that look written once the outcome was known (SPEC §8): each alone scored
    out-of-fold (its values' conversion rates learnt on the other folds), and where filled,
    against what the base rate leads to expect."""
    positives = sum(labels)
    if not records or positives in (0, len(labels)):
        return []
    warnings = []
    for name in feature_names(records):
        values = _number_bins([_bucket(row.get(name)) for row in records])
        if near_constant(values):
            continue
        auc = _out_of_fold_auc(values, labels, folds)
        reason = _leak_reason(values, labels, auc)
        if reason:
            warnings.append(LeakWarning(name, reason, round(auc, 4)))
    return sorted(warnings, key=lambda w: -(w.auc or 0))


def near_constant(values: Sequence[Any]) -> bool:
    """One value (empty counts as one) for all but fewer than ``NEAR_CONSTANT_SHARE`` of the
    leads."""
    if not values:
        return True
    most = Counter(values).most_common(1)[0][1]
    return len(values) - most < NEAR_CONSTANT_SHARE * len(values)


def _bucket(value: Value) -> str | float | None:
    if is_missing(value):
        return None
    if isinstance(value, frozenset):
        return "|".join(sorted(value))
    if isinstance(value, float):
        return value
    return value.lower() if isinstance(value, str) else value


def _number_bins(values: list[str | float | None]) -> list[str | float | None]:
    """Numbers (or text that is numbers) in 20 quantile bins, so that one rule fits both;
    anything else unchanged."""
    numbers: list[float | None] = []
    for v in values:
        try:
            numbers.append(None if v is None else float(v))
        except ValueError:
            return values
    known = sorted(x for x in numbers if x is not None)
    if len(set(known)) <= 20:
        return values
    edges = sorted({known[len(known) * q // 20] for q in range(1, 20)})
    return [None if x is None else f"bin{bisect.bisect_right(edges, x)}" for x in numbers]


def _leak_reason(values: Sequence[Any], labels: Sequence[int], auc: float) -> str | None:
    if auc >= LEAK_AUC:
        return f"alone it predicts the outcome almost perfectly (AUC {auc:.3f})"
    base = sum(labels) / len(labels)
    filled = [y for v, y in zip(values, labels, strict=True) if v is not None]
    n = len(filled)
    if n < max(LEAK_MIN_FILLED, LEAK_MIN_FILLED_SHARE * len(labels)):
        return None
    side = _one_sided(sum(filled), n, base)
    if n < len(labels) and side is not None:
        share = sum(filled) / n if side == "converted" else 1 - sum(filled) / n
        return f"filled for {n} leads, {share:.0%} of them {side} (base rate {base:.1%} converted)"
    by_value: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for v, y in zip(values, labels, strict=True):
        if v is not None:
            by_value[v][0] += y
            by_value[v][1] += 1
    decided = sum(
        count for hits, count in by_value.values() if _one_sided(hits, count, base) is not None
    )
    if decided >= LEAK_DECIDED_SHARE * n:
        return (
            f"its value decides the outcome for {decided / n:.0%} of the {n} leads where it is "
            f"filled (base rate {base:.1%} converted)"
        )
    return None


def _one_sided(converted: int, leads: int, base: float) -> str | None:
    """The outcome that (almost) every one of these leads has, when the base rate makes the
    other one expected often enough for its near absence to mean something; else None."""
    for side, missing, expected in (
        ("converted", leads - converted, leads * (1 - base)),
        ("not converted", converted, leads * base),
    ):
        if expected >= LEAK_EXPECTED and missing <= LEAK_SURPRISE * expected:
            return side
    return None


def _out_of_fold_auc(
    values: Sequence[Any], labels: Sequence[int], folds: Sequence[Sequence[int]]
) -> float:
    """ROC AUC of the feature alone: each lead scored by its value's smoothed conversion rate
    on the other folds (so an identifier scores 0.5, not 1.0)."""
    prior = sum(labels) / len(labels)
    total: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for v, y in zip(values, labels, strict=True):
        total[v][0] += y
        total[v][1] += 1
    scores = [prior] * len(labels)
    for test in folds:
        held: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
        for i in test:
            held[values[i]][0] += labels[i]
            held[values[i]][1] += 1
        for i in test:
            v = values[i]
            hits = total[v][0] - held[v][0]
            count = total[v][1] - held[v][1]
            scores[i] = (hits + 10 * prior) / (count + 10)
    auc = roc_auc(labels, scores)
    return max(auc, 1 - auc)


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Mann-Whitney ROC AUC with ties counted half (no scikit-learn needed here)."""
    ranked = Counter(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return 0.5
    area = 0.0
    seen_negatives = 0
    for score in sorted({s for s, _ in ranked}):
        pos = ranked.get((score, 1), 0)
        neg = ranked.get((score, 0), 0)
        area += pos * (seen_negatives + neg / 2)
        seen_negatives += neg
    return area / (positives * negatives)
