"""One validation of every candidate model on one data set, and what it found.

``experiment(records, labels, options)``: the leak check, the exclusions, every candidate on
the same shuffled stratified folds, the defects (a candidate never to be chosen), and with
``validation="time"`` the time-ordered figures. Records come in time order, oldest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bascule.errors import NotEnoughHistory
from bascule.scoring.predictive_cv import (
    Evaluation,
    TimeOrdered,
    base_rate_brier,
    cross_validate,
    defect,
    folds_for,
    time_ordered,
)
from bascule.scoring.predictive_features import (
    LeakWarning,
    Record,
    feature_names,
    leak_warnings,
    matches,
    without,
)
from bascule.scoring.predictive_model import MODELS, threads

MIN_LEADS = 200
STALE_DAYS = 180
VALIDATIONS = ("shuffled", "time")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingOptions:
    exclude: tuple[str, ...] = ()  # feature names or patterns ("Asymmetrique*")
    exclude_leaks: bool = False
    min_leads: int = MIN_LEADS
    stale_days: int = STALE_DAYS
    seed: int = 0
    threads: int = 1
    models: tuple[str, ...] = MODELS
    validation: str = "shuffled"  # "time": also fitted on older leads, tested on newer ones


@dataclass
class Experiment:
    """Cross-validation of every candidate on one data set, and what it found."""

    evaluations: dict[str, Evaluation]
    leaks: list[LeakWarning]
    excluded: list[str]
    records: list[Record]
    labels: list[int]
    unmatched: list[str] = field(default_factory=list)  # --exclude naming no feature
    base_brier: float = 0.25  # predicting the base rate, out of fold
    defects: dict[str, str] = field(default_factory=dict)  # candidate: why never chosen
    time: TimeOrdered | None = None  # validation="time"

    @property
    def usable(self) -> list[Evaluation]:
        return [e for name, e in self.evaluations.items() if name not in self.defects]

    @property
    def best(self) -> Evaluation:
        """The best candidate without a defect; ties go to the first (simplest) one."""
        if not self.usable:
            reasons = "; ".join(f"{m}: {why}" for m, why in self.defects.items())
            raise NotEnoughHistory(f"no candidate model learnt anything usable ({reasons})")
        return max(self.usable, key=lambda e: round(e.auc, 4))


def experiment(
    records: Sequence[Record],
    labels: Sequence[int],
    options: TrainingOptions,
    progress: Progress | None = None,
) -> Experiment:
    """Leak check, exclusions, then every candidate on the same shuffled stratified folds
    (and, with ``validation="time"``, on the newest leads after fitting on the older ones).
    Records are in time order, oldest first."""
    folds = folds_for(labels, seed=options.seed)
    names = feature_names(records)
    excluded = [n for n in names if matches(n, options.exclude)]
    unmatched = [p for p in options.exclude if not any(matches(n, [p]) for n in names)]
    records = without(records, excluded)
    if progress:
        progress("checking the features for leaks")
    leaks = leak_warnings(records, labels, [f.tolist() for f in folds])
    if options.exclude_leaks and leaks:
        excluded += [w.feature for w in leaks]
        records = without(records, [w.feature for w in leaks])
    with threads(options.threads):
        evaluations = cross_validate(
            records, labels, folds, models=options.models, progress=progress
        )
        timed = None
        if options.validation == "time":
            if progress:
                progress("time-ordered validation: older leads, then the newest")
            timed = time_ordered(records, labels, models=options.models)
    floor = base_rate_brier(labels, folds)
    defects = {m: why for m, e in evaluations.items() if (why := defect(e, floor))}
    return Experiment(
        evaluations,
        leaks,
        excluded,
        list(records),
        list(labels),
        unmatched,
        base_brier=floor,
        defects=defects,
        time=timed,
    )


def time_metrics(options: TrainingOptions, found: Experiment) -> dict[str, Any] | None:
    if options.validation != "time":
        return None
    if found.time is None:
        return {"reason": "the older or the newest leads have only one outcome"}
    return found.time.as_dict()
