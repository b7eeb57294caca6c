"""Predictive score (SPEC §8): learn conversion from the company's own history, score open leads.

    report = train(database, now=now, options=TrainingOptions(exclude_leaks=True), actor=actor)
    scored = score_open_leads(database, now=now)        # with the latest model
    info = show(database)

What is learnt from (the outcome, ``predictive_features.outcome``):
- converted = 1: the lead's status is ``converted``;
- not converted = 0: disqualified (except as a duplicate), or still open ``stale_days`` (180)
  days after its creation;
- a lead imported with a ``Converted`` column (x_education's Leads.csv, Salesforce's
  ``IsConverted``) takes that value instead, whatever its status: that is how a history kept in
  another system is learnt from. The column is the label, never a feature.
Other open leads are not learnt from; they are what gets scored.

Training refuses too little history (``min_leads`` leads with an outcome, both outcomes
present, at least one per fold), cross-validates every candidate on the same five folds,
keeps the best ROC AUC, refits it on every lead with an outcome, stores it as a new version of
``predictive_model`` and scores the open leads. A stored model records the code's
``SCHEMA_VERSION``: one from another version is refused (``ModelSchemaMismatch``), never used.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import joblib
import sklearn

from bascule.audit import service as audit
from bascule.errors import ModelSchemaMismatch, NoModel, NotEnoughHistory
from bascule.scoring.predictive_cv import FOLDS, Evaluation, cross_validate, folds_for
from bascule.scoring.predictive_features import (
    LeadFacts,
    LeakWarning,
    Record,
    feature_names,
    leak_warnings,
    matches,
    outcome,
    record,
    without,
)
from bascule.scoring.predictive_model import MODELS, ConversionModel, threads
from bascule.storage import predictive as store
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.model import Actor

log = logging.getLogger("bascule.scoring.predictive")

# The feature and model format of this code. Raise it whenever a stored model could be read
# differently (features, encoding, classes): older models are then refused, not misread.
SCHEMA_VERSION = 1
MIN_LEADS = 200
STALE_DAYS = 180
WRITE_CHUNK = 2000
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


@dataclass
class Dataset:
    facts: list[LeadFacts]
    records: list[Record]
    labels: list[int]


@dataclass
class Experiment:
    """Cross-validation of every candidate on one data set, and what it found."""

    evaluations: dict[str, Evaluation]
    leaks: list[LeakWarning]
    excluded: list[str]
    records: list[Record]
    labels: list[int]
    unmatched: list[str] = field(default_factory=list)  # --exclude naming no feature

    @property
    def best(self) -> Evaluation:
        # Ties go to the first (simplest) candidate.
        return max(self.evaluations.values(), key=lambda e: round(e.auc, 4))


@dataclass
class TrainingReport:
    version: int
    algorithm: str
    leads: int
    converted: int
    experiment: Experiment
    model: ConversionModel
    scored: int
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)


# --- loading what is learnt from --------------------------------------------------------------


def lead_facts(uow: UnitOfWork, *, open_only: bool = False) -> list[LeadFacts]:
    session = uow.session
    tags = store.tags_by_lead(session)
    signals = store.signal_counts(session)
    return [
        LeadFacts(
            **row,
            tags=tuple(tags.get(row["id"], ())),
            signals=signals.get(row["id"], {}),
        )
        for row in store.leads(session, open_only=open_only)
    ]


def dataset(facts: Sequence[LeadFacts], *, now: datetime, stale_days: int) -> Dataset:
    """The leads with an outcome, their raw features and labels."""
    used, labels = [], []
    for lead in facts:
        label = outcome(lead, now=now, stale_days=stale_days)
        if label is not None:
            used.append(lead)
            labels.append(label)
    return Dataset(used, [record(lead) for lead in used], labels)


def check_history(labels: Sequence[int], min_leads: int, n_folds: int = FOLDS) -> None:
    """Refuse to learn from too little: one clear sentence, no model."""
    n, converted = len(labels), sum(labels)
    if n < min_leads:
        raise NotEnoughHistory(
            f"not enough history to train: {n} leads with a known outcome (converted or not), "
            f"at least {min_leads} needed"
        )
    if converted == 0 or converted == n:
        which = "converted" if converted else "not converted"
        raise NotEnoughHistory(
            f"only one outcome in the history: all {n} leads with an outcome are {which}; "
            "the model needs converted and not converted leads",
        )
    if min(converted, n - converted) < n_folds:
        raise NotEnoughHistory(
            f"too few leads of one outcome ({converted} converted, {n - converted} not) for "
            f"{n_folds}-fold cross-validation",
        )


# --- training ---------------------------------------------------------------------------------


def experiment(
    records: Sequence[Record],
    labels: Sequence[int],
    options: TrainingOptions,
    progress: Progress | None = None,
) -> Experiment:
    """Leak check, exclusions, then every candidate on the same stratified folds."""
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
    return Experiment(evaluations, leaks, excluded, list(records), list(labels), unmatched)


def train(
    database: Database,
    *,
    now: datetime,
    actor: Actor,
    options: TrainingOptions | None = None,
    progress: Progress | None = None,
) -> TrainingReport:
    options = options or TrainingOptions()
    started = time.perf_counter()
    with database.uow() as uow:
        facts = lead_facts(uow)
    data = dataset(facts, now=now, stale_days=options.stale_days)
    check_history(data.labels, options.min_leads)
    found = experiment(data.records, data.labels, options, progress)
    best = found.best
    if progress:
        progress(f"fitting {best.model} on {len(found.labels)} leads")
    with threads(options.threads):
        model = ConversionModel.train(best.model, found.records, found.labels)
    if progress:
        progress("storing the model")
    metrics = {
        "leads": len(found.labels),
        "converted": sum(found.labels),
        "folds": FOLDS,
        "seed": options.seed,
        "stale_days": options.stale_days,
        "chosen": best.model,
        "models": {name: e.as_dict() for name, e in found.evaluations.items()},
        "leaks": [w.as_dict() for w in found.leaks],
        "ignored": model.space.ignored,
        "global_weights": model.global_weights(),
        "scikit_learn": sklearn.__version__,
    }
    with database.uow(write=True) as uow:
        row = t.PredictiveModel(
            version=store.next_model_version(uow.session),
            created_at=now,
            created_by=actor.name or None,
            schema_version=SCHEMA_VERSION,
            algorithm=best.model,
            features=model.space.features,
            excluded=found.excluded,
            metrics=metrics,
            model=dumps(model),
        )
        uow.session.add(row)
        uow.session.flush()
        audit.record(
            uow,
            actor=actor,
            entity="predictive_model",
            entity_id=row.id,
            action="train",
            changes={"version": row.version, "algorithm": best.model, "auc": round(best.auc, 4)},
            now=now,
        )
        uow.commit()
        version = row.version
    if progress:
        progress("scoring the open leads")
    with threads(options.threads):
        scored = _score(database, model, version)
    seconds = time.perf_counter() - started
    log.info("predictive model v%s (%s) trained in %.1f s", version, best.model, seconds)
    return TrainingReport(
        version=version,
        algorithm=best.model,
        leads=len(found.labels),
        converted=sum(found.labels),
        experiment=found,
        model=model,
        scored=scored,
        seconds=seconds,
        metrics=metrics,
    )


# --- storing and loading ----------------------------------------------------------------------


def dumps(model: ConversionModel) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    return buffer.getvalue()


def load(row: t.PredictiveModel) -> ConversionModel:
    """The fitted model of a stored row; a model of another schema version is refused."""
    if row.schema_version != SCHEMA_VERSION:
        raise ModelSchemaMismatch(
            f"predictive model v{row.version} was stored with schema version "
            f"{row.schema_version}, this Bascule reads version {SCHEMA_VERSION}: train a new "
            "model (bascule model train)"
        )
    try:
        model = joblib.load(io.BytesIO(row.model))
    except Exception as exc:  # a pickle from other code: never half-use it
        raise ModelSchemaMismatch(
            f"predictive model v{row.version} cannot be read by this Bascule "
            f"({type(exc).__name__}): train a new model (bascule model train)"
        ) from exc
    if not isinstance(model, ConversionModel):
        raise ModelSchemaMismatch(f"predictive model v{row.version} is not a conversion model")
    return model


def latest(database: Database) -> tuple[int, ConversionModel]:
    """The latest model's version and fitted model (NoModel, ModelSchemaMismatch)."""
    with database.uow() as uow:
        row = store.latest_model(uow.session)
        if row is None:
            raise NoModel("no predictive model yet: run bascule model train")
        return row.version, load(row)


def show(database: Database) -> dict[str, Any]:
    """The latest model's description (not its bytes)."""
    with database.uow() as uow:
        row = store.latest_model(uow.session, with_model=False)
        if row is None:
            raise NoModel("no predictive model yet: run bascule model train")
        return {
            "version": row.version,
            "created_at": row.created_at,
            "created_by": row.created_by,
            "schema_version": row.schema_version,
            "readable": row.schema_version == SCHEMA_VERSION,
            "algorithm": row.algorithm,
            "features": row.features,
            "excluded": row.excluded,
            "metrics": row.metrics,
        }


# --- scoring ----------------------------------------------------------------------------------


def score_open_leads(database: Database, *, threads_count: int = 1) -> int:
    """Score every open lead with the latest model; returns how many were scored."""
    version, model = latest(database)
    with threads(threads_count):
        return _score(database, model, version)


def _score(database: Database, model: ConversionModel, version: int) -> int:
    with database.uow() as uow:
        facts = lead_facts(uow, open_only=True)
    probabilities, reasons = model.explain([record(f) for f in facts])
    rows = [
        {
            "id": f.id,
            "conversion_probability": round(float(p), 4),
            "conversion_reasons": why,
            "conversion_model_version": version,
        }
        for f, p, why in zip(facts, probabilities, reasons, strict=True)
    ]
    for start in range(0, len(rows), WRITE_CHUNK):
        with database.uow(write=True) as uow:
            store.write_predictions(uow.session, rows[start : start + WRITE_CHUNK])
            uow.commit()
    return len(rows)
