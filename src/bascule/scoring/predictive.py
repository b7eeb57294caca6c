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

Training refuses too little history (``min_leads`` leads with an outcome, at least
``MIN_PER_OUTCOME`` of each outcome), cross-validates every candidate on the same five shuffled
stratified folds, sets aside the candidates with a defect (ROC AUC below 0.5, or a Brier score
worse than the base rate's), keeps the best ROC AUC of the others, refits it on every lead
with an outcome, stores it as a new version of ``predictive_model`` and scores the open leads.
With ``validation="time"`` every candidate is also fitted on the older leads and tested on the
newest (``predictive_cv.time_ordered``), reported beside the shuffled figures.
A stored model records the code's ``SCHEMA_VERSION``: one from another version is refused
(``ModelSchemaMismatch``), never used. Models stored before issue 9 have the same version and
keep scoring; ``predictive_report`` warns that their figures may be upside down.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import joblib
import sklearn

from bascule.audit import service as audit
from bascule.errors import ModelSchemaMismatch, NoModel, NotEnoughHistory
from bascule.scoring import predictive_report
from bascule.scoring.predictive_cv import FOLDS
from bascule.scoring.predictive_experiment import (
    MIN_LEADS,
    STALE_DAYS,
    VALIDATIONS,
    Experiment,
    Progress,
    TrainingOptions,
    experiment,
    time_metrics,
)
from bascule.scoring.predictive_features import LeadFacts, Record, outcome, record
from bascule.scoring.predictive_model import ConversionModel, threads
from bascule.storage import predictive as store
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.model import Actor

__all__ = [
    "MIN_LEADS",
    "STALE_DAYS",
    "VALIDATIONS",
    "Experiment",
    "ModelSchemaMismatch",
    "NoModel",
    "NotEnoughHistory",
    "Record",
    "TrainingOptions",
    "experiment",
    "summary",
]

log = logging.getLogger("bascule.scoring.predictive")

# The feature and model format of this code. Raise it whenever a stored model could be read
# differently (features, encoding, classes): older models are then refused, not misread.
SCHEMA_VERSION = 1
MIN_PER_OUTCOME = 20  # fewer converted (or not converted) leads teach a model nothing stable
WRITE_CHUNK = 2000


@dataclass
class Dataset:
    facts: list[LeadFacts]
    records: list[Record]
    labels: list[int]


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
    """The leads with an outcome, their raw features and labels, oldest first (creation
    time, then id), as the time-ordered validation reads them."""
    used, labels = [], []
    for lead in sorted(facts, key=lambda f: (f.created_at, f.id)):
        label = outcome(lead, now=now, stale_days=stale_days)
        if label is not None:
            used.append(lead)
            labels.append(label)
    return Dataset(used, [record(lead) for lead in used], labels)


def check_history(labels: Sequence[int], min_leads: int) -> None:
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
    if min(converted, n - converted) < MIN_PER_OUTCOME:
        raise NotEnoughHistory(
            f"too few leads of one outcome to train: {converted} converted, {n - converted} "
            f"not converted; at least {MIN_PER_OUTCOME} of each needed",
        )


# --- training ---------------------------------------------------------------------------------


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
        "validation": options.validation,
        "inner_folds": predictive_report.INNER_FOLDS,
        "base_brier": round(found.base_brier, 4),
        "models": {name: e.as_dict() for name, e in found.evaluations.items()},
        "defects": found.defects,
        "time_ordered": time_metrics(options, found),
        "leaks": [w.as_dict() for w in found.leaks],
        "excluded": found.excluded,
        "unmatched": found.unmatched,
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
            # a model stored before issue 9 kept its exclusions beside its metrics only
            "metrics": {"excluded": row.excluded, **row.metrics},
        }


def summary(info: dict[str, Any]) -> dict[str, Any]:
    """What ``show`` (or a training report's metrics) says, as a script reads it."""
    return predictive_report.summary(info["metrics"], info["algorithm"])


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
