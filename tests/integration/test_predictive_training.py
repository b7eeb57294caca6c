"""The predictive score on both databases: what training reads, stores and writes on leads.

Given a history of leads written straight to the tables (the source drives conversion:
demo requests convert 85 %, purchased lists 5 %, the rest 30 %), plus open leads to score.
"""

from __future__ import annotations

import io
import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select

from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.scoring import predictive
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ACTOR = Actor(user_id=None, role=None, rule="test", name="test")
RATES = {"demo_request": 0.85, "purchased_list": 0.05}
SOURCES = ("demo_request", "purchased_list", "web_form", "referral")
FAST = predictive.TrainingOptions(models=("logistic_regression",))


def write_history(database: Database, closed: int, open_: int = 20, seed: int = 5) -> None:
    rng = random.Random(seed)
    with database.uow(write=True) as uow:
        for i in range(closed + open_):
            source = SOURCES[i % len(SOURCES)]
            if i < closed:
                status = "converted" if rng.random() < RATES.get(source, 0.3) else "disqualified"
                created = NOW - timedelta(days=rng.randint(30, 400))
            else:
                status, created = "new", NOW - timedelta(days=2)
            uow.session.add(
                t.Lead(
                    email=f"lead{i}@example.com",
                    email_key=f"lead{i}@example.com",
                    source=source,
                    sector=rng.choice(["industrie", "banque", None]),
                    job_title=rng.choice(["Directeur achats", "Responsable IT", None]),
                    status=status,
                    disqualification_reason="no_budget" if status == "disqualified" else None,
                    created_at=created,
                    updated_at=created,
                )
            )
        uow.commit()


def test_training_stores_a_version_and_scores_the_open_leads(database):
    # Given 300 closed leads and 20 open ones
    write_history(database, closed=300)

    # When a model is trained
    report = predictive.train(database, now=NOW, actor=ACTOR)

    # Then it learnt the source from the 300 closed leads, cross-validated on 5 folds
    assert report.leads == 300 and report.version == 1
    assert report.experiment.best.auc > 0.8
    assert set(report.experiment.evaluations) == {
        "logistic_regression",
        "gradient_boosting",
        "blend",
    }
    assert report.scored == 20
    with database.uow() as uow:
        row = uow.session.scalars(select(t.PredictiveModel)).one()
        assert (row.version, row.schema_version) == (1, predictive.SCHEMA_VERSION)
        assert row.algorithm == report.algorithm
        assert "source" in row.features and len(row.model) > 1000
        assert row.metrics["leads"] == 300 and len(row.metrics["models"]) == 3
        audit = uow.session.scalars(
            select(t.AuditLog).where(t.AuditLog.entity == "predictive_model")
        ).one()
        assert (audit.action, audit.changes["version"]) == ("train", 1)
        leads = uow.session.execute(
            select(
                t.Lead.status,
                t.Lead.source,
                t.Lead.conversion_probability,
                t.Lead.conversion_reasons,
                t.Lead.conversion_model_version,
            )
        ).all()
    # every open lead has a probability, its reasons and the model's version; closed ones not
    open_leads = [lead for lead in leads if lead.status == "new"]
    assert len(open_leads) == 20
    assert all(0.0 < lead.conversion_probability < 1.0 for lead in open_leads)
    assert {lead.conversion_model_version for lead in open_leads} == {1}
    assert all(lead.conversion_probability is None for lead in leads if lead.status != "new")
    demo = [lead for lead in open_leads if lead.source == "demo_request"]
    listed = [lead for lead in open_leads if lead.source == "purchased_list"]
    assert min(d.conversion_probability for d in demo) > max(
        p.conversion_probability for p in listed
    )
    assert demo[0].conversion_reasons[0]["feature"] == "source"
    assert demo[0].conversion_reasons[0]["direction"] == "up"

    # And a second training is version 2
    again = predictive.train(database, now=NOW, actor=ACTOR, options=FAST)
    assert again.version == 2 and again.algorithm == "logistic_regression"


def test_too_little_history_is_refused_and_nothing_is_stored(count, database):
    write_history(database, closed=120)

    with pytest.raises(predictive.NotEnoughHistory, match=r"120 leads .* at least 200 needed"):
        predictive.train(database, now=NOW, actor=ACTOR)

    assert count(t.PredictiveModel) == 0
    assert count(t.Lead, t.Lead.conversion_probability.is_not(None)) == 0


def test_a_model_of_another_schema_version_is_refused(database):
    write_history(database, closed=240)
    predictive.train(database, now=NOW, actor=ACTOR, options=FAST)
    with database.uow(write=True) as uow:
        row = uow.session.scalars(select(t.PredictiveModel)).one()
        row.schema_version = predictive.SCHEMA_VERSION + 1
        uow.commit()

    with pytest.raises(predictive.ModelSchemaMismatch, match="train a new model"):
        predictive.score_open_leads(database)
    assert predictive.show(database)["readable"] is False


def test_no_model_yet(database):
    with pytest.raises(predictive.NoModel, match="bascule model train"):
        predictive.score_open_leads(database)


def test_signals_after_the_outcome_do_not_count(count, database):
    # Given a lead converted on day 10, with signals before and after
    with database.uow(write=True) as uow:
        lead = t.Lead(source="web_form", status="converted", created_at=NOW - timedelta(days=30))
        uow.session.add(lead)
        uow.session.flush()
        uow.session.add(
            t.LeadStatusHistory(
                lead_id=lead.id,
                from_status="sql",
                to_status="converted",
                changed_at=NOW - timedelta(days=20),
                kind="conversion",
            )
        )
        for days in (25, 22, 5):
            uow.session.add(
                t.Signal(type="page_view", lead_id=lead.id, occurred_at=NOW - timedelta(days=days))
            )
        uow.commit()
        lead_id = lead.id

    with database.uow() as uow:
        (facts,) = predictive.lead_facts(uow)

    assert facts.id == lead_id
    assert dict(facts.signals) == {"page_view": 2}


def test_an_imported_converted_column_is_the_label(database):
    # Given a file of 240 leads exported from another CRM with their outcome
    rng = random.Random(2)
    lines = ["Prospect ID,Lead Origin,Converted,Visits"]
    for i in range(240):
        origin = rng.choice(["API", "Landing Page", "Lead Add Form"])
        converted = int(rng.random() < (0.9 if origin == "Lead Add Form" else 0.2))
        lines.append(f"id-{i},{origin},{converted},{rng.randint(0, 9)}")
    with io.BytesIO("\n".join(lines).encode()) as stream:
        imports.run(
            database,
            stream,
            options=imports.ImportOptions("leads.csv"),
            actor=ACTOR,
            playbook=playbooks.active(database, max_age=0),
            now=NOW,
        )

    # When a model is trained: every lead is open ("new"), yet has an outcome
    report = predictive.train(database, now=NOW, actor=ACTOR, options=FAST)

    # Then the Converted column was the label and never a feature
    assert report.leads == 240 and report.scored == 240
    features = report.model.space.features
    assert "Converted" not in features and {"Lead Origin", "Visits"} <= set(features)
    assert report.experiment.best.auc > 0.8


# --- a history in time order whose conversion rate drifts (issue 9) --------------------------

DRIFT_SOURCES = {"web_form": 0.0, "referral": 0.9, "purchased_list": -1.0, "inbound_call": 0.6}


def write_drifting_history(database: Database, n: int, seed: int = 9) -> list[dict]:
    """Leads written in time order (ids and creation times grow together), converting at
    about 4 % in the first two thirds and 24 % in the last; a "market rate" recorded with
    each lead falls with time (it stands for the date, as economic figures do in real
    histories). Returns what was written, for the baseline."""
    rng = random.Random(seed)
    written = []
    with database.uow(write=True) as uow:
        for i in range(n):
            position = i / n
            source = rng.choice(list(DRIFT_SOURCES))
            contact = "cellular" if rng.random() < 0.4 + 0.4 * position else "telephone"
            calls = 1 + min(int(rng.expovariate(0.6)), 9)
            market = 4.9 - 3.9 * position + rng.gauss(0, 0.05)
            logit = (
                -3.6
                + 2.4 / (1 + math.exp(-(position - 0.72) * 30))
                + DRIFT_SOURCES[source]
                + (0.8 if contact == "cellular" else 0.0)
                - 0.3 * calls
            )
            won = rng.random() < 1 / (1 + math.exp(-logit))
            created = NOW - timedelta(days=900) + timedelta(days=700 * position)
            attributes = {"contact": contact, "calls": str(calls), "market rate": f"{market:.3f}"}
            uow.session.add(
                t.Lead(
                    email=f"drift{i}@example.com",
                    email_key=f"drift{i}@example.com",
                    source=source,
                    status="converted" if won else "disqualified",
                    disqualification_reason=None if won else "no_project",
                    created_at=created,
                    updated_at=created,
                    attributes=attributes,
                )
            )
            written.append({"source": source, **attributes, "converted": int(won)})
        uow.commit()
    return written


def plain_baseline(written: list[dict]) -> float:
    """A plain scikit-learn logistic regression on the same columns, same kind of folds."""
    sources = sorted(DRIFT_SOURCES)
    x = np.array(
        [
            [r["source"] == s for s in sources]
            + [r["contact"] == "cellular", float(r["calls"]), float(r["market rate"])]
            for r in written
        ],
        dtype=float,
    )
    y = np.array([r["converted"] for r in written])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return float(np.mean(cross_val_score(model, x, y, cv=folds, scoring="roc_auc")))


def test_a_drifting_history_in_time_order_is_never_ranked_upside_down(database):
    # Given 3,000 leads in time order, the conversion rate rising from ~4 % to ~24 %
    written = write_drifting_history(database, 3000)
    rates = [np.mean([r["converted"] for r in written[k * 1000 : (k + 1) * 1000]]) for k in (0, 2)]
    assert rates[0] < 0.08 and rates[1] > 0.18
    baseline = plain_baseline(written)

    # When every candidate is trained and validated shuffled and in time order
    options = predictive.TrainingOptions(validation="time")
    report = predictive.train(database, now=NOW, actor=ACTOR, options=options)

    # Then every candidate ranks better than chance, within 3 points of the plain baseline
    found = report.experiment
    aucs = {name: e.auc for name, e in found.evaluations.items()}
    assert set(aucs) == {"logistic_regression", "gradient_boosting", "blend"}
    assert all(auc > 0.5 for auc in aucs.values()), aucs
    assert all(abs(auc - baseline) < 0.03 for auc in aucs.values()), (aucs, baseline)
    # And no candidate has a defect; each beats the base rate's Brier score
    assert found.defects == {}
    assert all(e.brier < found.base_brier for e in found.evaluations.values())
    # And the time-ordered figures are reported beside: older 2,400 leads, newest 600
    timed = report.metrics["time_ordered"]
    assert (timed["train_leads"], timed["test_leads"]) == (2400, 600)
    assert [c["model"] for c in timed["candidates"]] == list(aucs)
    assert all(c["auc"] > 0.5 for c in timed["candidates"])
    # And the falling market rate is no leak (it drifts with time, it does not decide)
    assert "market rate" not in {w.feature for w in found.leaks}
