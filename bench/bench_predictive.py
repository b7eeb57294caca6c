"""Predictive score (issues #4, #9): AUC and Brier on x_education and on a drifting history.

    .venv/bin/python bench/bench_predictive.py [--leads 100000] [--drift-leads 41000]
        [--threads 1] [--skip-real] [--skip-drift] [--skip-synthetic]

1. Real data. ``../shared/data/x_education/Leads.csv`` (9,240 leads, 38.5 % converted) is
   imported through Bascule's own import (``imports.service.run``, in process) into a
   throw-away SQLite database: the file's ``Converted`` column stays in each lead's
   ``attributes`` and is the label (never a feature), ``Tags`` become the leads' tags, the
   other unmapped columns are attributes. The leads are then read back as the model reads
   them (``predictive.lead_facts``) and every candidate model is cross-validated on the same
   5 stratified folds (seed 0), twice:
   - without the columns that leak the outcome (shared/data/README.md): Tags, Lead Quality,
     Last Notable Activity, Lead Profile, Asymmetrique*;
   - with every column.
   Printed per model: ROC AUC (mean and spread over the folds), Brier score, log loss, and
   the seconds its 5 fits took; the leak warnings; the reference figures of the data's
   README (logistic regression 0.893 / gradient boosting 0.903 without leaks; 0.981 / 0.984
   with all columns). Beside it, the time-ordered validation: fitted on the older four fifths
   of the leads (creation time, then id: for this file, the import order), tested on the newest
   fifth. Then ``predictive.train`` end to end without the leaks (read, cross-validate, refit,
   store, score every open lead with reasons), timed.
2. A drifting history (issue #9): ``--drift-leads`` (41,000) leads written in time order (ids
   and creation times grow together), the conversion rate rising from about 4 % in the first
   third to about 24 % in the last (11 % overall), the share of mobile contacts rising too;
   every candidate shuffled-cross-validated and time-ordered as above.
3. Training time at scale: ``--leads`` (100,000) synthetic leads written to another throw-away
   SQLite database (firmographics, source, campaign, job titles, tags, signals, two imported
   attributes; 60 % closed with an outcome drawn from a known logistic model, 40 % open and
   recent), then ``predictive.train`` end to end, each phase timed.

The baseline of a "ratio" here is the reference figure of the same data set (AUC), and for
time the cross-validation alone: training time is reported in seconds and per 1,000 leads.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.table import Table
from sqlalchemy import insert

from _support.common import code_version, console, throwaway_database
from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.scoring import predictive
from bascule.storage import tables as t
from bascule.storage.migrate import upgrade
from bascule.storage.uow import Database
from bascule.users.model import Actor

DATA = Path(
    os.environ.get("BASCULE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
LEADS_CSV = DATA / "x_education" / "Leads.csv"
LEAKS = ("Tags", "Lead Quality", "Last Notable Activity", "Lead Profile", "Asymmetrique*")
REFERENCE = {
    "without leaks": {"logistic_regression": 0.893, "gradient_boosting": 0.903},
    "all columns": {"logistic_regression": 0.981, "gradient_boosting": 0.984},
}
TARGET = 0.91
BENCH = Actor(user_id=None, role=None, rule="bench", name="bench")


class Phases:
    """A progress callback that times the phases ``predictive.train`` announces."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last = self.started
        self.current = "reading the leads"
        self.spent: dict[str, float] = {}

    def __call__(self, step: str) -> None:
        self._close()
        fold = step.startswith("fold ")
        self.current = "cross-validation: " + step.split(": ", 1)[-1] if fold else step

    def _close(self) -> None:
        now = time.perf_counter()
        self.spent[self.current] = self.spent.get(self.current, 0.0) + now - self.last
        self.last = now

    def finish(self) -> dict[str, float]:
        self._close()
        return self.spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000, help="synthetic leads (part 2)")
    parser.add_argument("--drift-leads", type=int, default=41_000, help="drifting history (2)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for the models")
    parser.add_argument("--skip-synthetic", action="store_true", help="skip part 3")
    parser.add_argument("--skip-drift", action="store_true", help="skip part 2")
    parser.add_argument("--skip-real", action="store_true", help="skip part 1")
    args = parser.parse_args()
    console.print(
        f"[bold]bench_predictive[/] — {code_version()}; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, threads {args.threads}"
    )
    if not args.skip_real:
        real_data(args.threads)
    if not args.skip_drift:
        drifting(args.drift_leads, args.threads)
    if not args.skip_synthetic:
        synthetic(args.leads, args.threads)


# --- 1. x_education ---------------------------------------------------------------------------


def real_data(threads: int) -> None:
    if not LEADS_CSV.exists():
        raise SystemExit(f"{LEADS_CSV} not found (set BASCULE_SHARED_DATA)")
    with throwaway_database("sqlite") as (url, description):
        database = Database(url)
        try:
            upgrade(database.engine)
            console.print(f"\n[bold]1. {LEADS_CSV.name}[/] on {description}")
            now = datetime.now(UTC)
            started = time.perf_counter()
            with LEADS_CSV.open("rb") as stream:
                batch, _ = imports.run(
                    database,
                    stream,
                    options=imports.ImportOptions(LEADS_CSV.name),
                    actor=BENCH,
                    playbook=playbooks.active(database, max_age=0),
                    now=now,
                )
            console.print(
                f"imported through imports.service.run: {batch.rows_created} leads in "
                f"{time.perf_counter() - started:.1f} s"
            )
            with database.uow() as uow:
                facts = predictive.lead_facts(uow)
            data = predictive.dataset(facts, now=now, stale_days=predictive.STALE_DAYS)
            console.print(
                f"{len(data.labels)} leads with an outcome (attributes.Converted), "
                f"{sum(data.labels)} converted ({sum(data.labels) / len(data.labels):.1%})"
            )
            results = {}
            for variant, exclude in (("without leaks", LEAKS), ("all columns", ())):
                options = predictive.TrainingOptions(
                    exclude=exclude, threads=threads, validation="time"
                )
                started = time.perf_counter()
                found = predictive.experiment(data.records, data.labels, options)
                results[variant] = found
                _print_variant(f"x_education, {variant}", found, REFERENCE[variant])
                console.print(f"  {time.perf_counter() - started:.1f} s for both validations")
            phases = Phases()
            options = predictive.TrainingOptions(exclude=LEAKS, threads=threads)
            report = predictive.train(
                database, now=now, actor=BENCH, options=options, progress=phases
            )
            _print_phases(
                f"predictive.train end to end, without leaks ({report.leads} leads)",
                phases.finish(),
                report,
            )
            best = results["without leaks"].best
            verdict = "reached" if best.auc >= TARGET else "NOT reached"
            console.print(
                f"[bold]Without leaks: best {best.model} ROC AUC {best.auc:.4f} "
                f"(target {TARGET}: {verdict}), Brier {best.brier:.4f}[/]"
            )
        finally:
            database.dispose()


def _print_variant(title: str, found: predictive.Experiment, reference: dict[str, float]) -> None:
    labels = found.labels
    rate = sum(labels) / len(labels)
    table = Table(
        title=f"{title}: {len(labels)} leads, {rate:.1%} converted (base-rate Brier "
        f"{found.base_brier:.4f}); shuffled 5-fold stratified CV (seed 0) | time-ordered"
    )
    columns = ("model", "AUC", "± folds", "reference", "Brier", "log loss", "fit s")
    for column in (*columns, "time AUC", "time Brier", "base Brier", "defect"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, e in found.evaluations.items():
        d = e.as_dict()
        ref = reference.get(name)
        timed = found.time
        auc = timed.aucs[name] if timed else math.nan
        brier = timed.briers[name] if timed else math.nan
        base = timed.base_brier if timed else math.nan
        table.add_row(
            name + (" (best)" if name == found.best.model else ""),
            f"{d['auc']:.4f}",
            f"{d['auc_std']:.4f}",
            f"{ref:.3f} ({d['auc'] / ref:.3f}×)" if ref else "—",
            f"{d['brier']:.4f}",
            f"{d['log_loss']:.4f}",
            f"{d['seconds']:.1f}",
            f"{auc:.4f}",
            f"{brier:.4f}",
            f"{base:.4f}",
            found.defects.get(name, ""),
        )
    console.print(table)
    features = len({n for r in found.records for n in r})
    console.print(f"{features} features read, excluded: {', '.join(found.excluded) or 'none'}")
    for warning in found.leaks:
        console.print(f"  leak warning: {warning.feature}: {warning.reason}")
    best = found.best.as_dict()
    rows = ", ".join(f"{r['predicted']:.2f}→{r['observed']:.2f}" for r in best["reliability"])
    console.print(f"  reliability of {found.best.model} (predicted→observed by decile): {rows}")


def _print_phases(title: str, spent: dict[str, float], report: predictive.TrainingReport) -> None:
    table = Table(title=title)
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for phase, seconds in spent.items():
        table.add_row(phase, f"{seconds:.1f}")
    table.add_row("[bold]total[/]", f"[bold]{report.seconds:.1f}")
    console.print(table)
    console.print(
        f"model v{report.version}: {report.algorithm}, {report.scored} open leads scored; "
        f"{1000 * report.seconds / max(report.leads, 1):.2f} s per 1,000 leads learnt from"
    )


# --- 2. a drifting history ------------------------------------------------------------------

DRIFT_SOURCES = {
    "web_form": 0.0,
    "referral": 0.9,
    "purchased_list": -1.0,
    "paid_campaign": -0.3,
    "inbound_call": 0.6,
    "trade_show": 0.2,
}


def drifting(count: int, threads: int) -> None:
    with throwaway_database("sqlite") as (url, description):
        database = Database(url)
        try:
            upgrade(database.engine)
            now = datetime.now(UTC)
            _write_drifting(database, count, now)
            with database.uow() as uow:
                facts = predictive.lead_facts(uow)
            data = predictive.dataset(facts, now=now, stale_days=predictive.STALE_DAYS)
            third = len(data.labels) // 3
            rates = [sum(data.labels[k * third : (k + 1) * third]) / third for k in range(3)]
            console.print(
                f"\n[bold]2. {count} drifting leads[/] on {description}, written in time order; "
                "conversion by third: " + " → ".join(f"{r:.1%}" for r in rates)
            )
            options = predictive.TrainingOptions(threads=threads, validation="time")
            started = time.perf_counter()
            found = predictive.experiment(data.records, data.labels, options)
            _print_variant("drifting history", found, {})
            console.print(f"  {time.perf_counter() - started:.1f} s for both validations")
        finally:
            database.dispose()


def _write_drifting(database: Database, count: int, now: datetime) -> None:
    """Leads in time order: ids and creation times grow together over 700 days; the rate
    rises late (4 %, 4 %, then 24 % by third), mobile contacts become common and the market
    rate falls."""
    rng = random.Random(9)
    leads = []
    for i in range(1, count + 1):
        position = i / count
        source = rng.choice(list(DRIFT_SOURCES))
        contact = "cellular" if rng.random() < 0.4 + 0.4 * position else "telephone"
        calls = 1 + _poisson(rng, 1.5)
        # recorded when the lead came in and falling with time: it stands for the date, as
        # economic figures kept with each contact do in real histories
        market = 4.9 - 3.9 * position + rng.gauss(0, 0.05)
        employees = int(math.exp(rng.gauss(4.0, 1.2)))
        logit = (
            -4.15
            + 2.4 / (1 + math.exp(-(position - 0.72) * 30))
            + DRIFT_SOURCES[source]
            + (0.7 if contact == "cellular" else 0.0)
            - 0.25 * calls
            + 0.2 * math.log1p(employees)
            + rng.gauss(0, 0.5)
        )
        won = rng.random() < 1 / (1 + math.exp(-logit))
        created = now - timedelta(days=900) + timedelta(days=700 * position)
        leads.append(
            {
                "id": i,
                "email": f"lead{i}@drift.example.com",
                "email_key": f"lead{i}@drift.example.com",
                "source": source,
                "sector": rng.choice(list(SECTORS)),
                "employees": employees,
                "kind": "sales",
                "status": "converted" if won else "disqualified",
                "disqualification_reason": None if won else "no_project",
                "score": 0,
                "score_explanation": [],
                "search_text": f"lead {i}",
                "created_at": created,
                "updated_at": created,
                "attributes": {
                    "contact": contact,
                    "campaign calls": str(calls),
                    "market rate": f"{market:.3f}",
                },
            }
        )
    with database.engine.connect().execution_options(write=True) as conn:
        conn.execute(insert(t.Lead), leads)
        conn.commit()


# --- 3. synthetic leads at scale --------------------------------------------------------------

SOURCES = {
    "web_form": 0.3,
    "content_download": -0.4,
    "demo_request": 1.4,
    "purchased_list": -1.2,
    "referral": 0.9,
    "paid_campaign": -0.2,
    "inbound_call": 0.8,
    "freemium_signup": 0.2,
    "trade_show": 0.0,
}
SECTORS = {"industrie": 0.2, "commerce": -0.2, "logiciel": 0.5, "banque": 0.1, "santé": -0.1}
TITLES = {
    "Directeur commercial": 0.7,
    "DSI": 0.9,
    "Head of Sales": 0.6,
    "Responsable marketing": 0.2,
    "Chargé de communication": -0.5,
    "Stagiaire": -1.2,
    "CEO": 0.8,
    "Office manager": -0.6,
    "Consultant": -0.2,
    "VP Operations": 0.5,
}
COUNTRIES = ("FR", "FR", "FR", "BE", "CH", "CA", "DE", "ES")
SIGNALS = {"page_view": 0.05, "email_open": 0.03, "pricing_view": 0.5, "content_download": 0.1}


def synthetic(count: int, threads: int) -> None:
    with throwaway_database("sqlite") as (url, description):
        database = Database(url)
        try:
            upgrade(database.engine)
            console.print(f"\n[bold]3. {count} synthetic leads[/] on {description}")
            now = datetime.now(UTC)
            started = time.perf_counter()
            converted = _write_synthetic(database, count, now)
            console.print(
                f"written in {time.perf_counter() - started:.1f} s ({converted} converted)"
            )
            phases = Phases()
            options = predictive.TrainingOptions(threads=threads)
            report = predictive.train(
                database, now=now, actor=BENCH, options=options, progress=phases
            )
            found = report.experiment
            for name, e in found.evaluations.items():
                console.print(f"  {name}: ROC AUC {e.auc:.4f}, Brier {e.brier:.4f}")
            _print_phases(
                f"predictive.train end to end on {count} leads ({report.leads} with an outcome)",
                phases.finish(),
                report,
            )
            console.print(
                f"[bold]Training time for {count} leads: {report.seconds:.1f} s "
                f"(threads {threads})[/]"
            )
        finally:
            database.dispose()


def _write_synthetic(database: Database, count: int, now: datetime) -> int:
    rng = random.Random(2026)
    leads: list[dict[str, Any]] = []
    signals: list[dict[str, Any]] = []
    tagged: list[dict[str, Any]] = []
    converted = 0
    for i in range(1, count + 1):
        source = rng.choice(list(SOURCES))
        sector = rng.choice(list(SECTORS))
        title = rng.choice(list(TITLES))
        employees = int(math.exp(rng.gauss(4.0, 1.5)))
        interest = rng.gauss(0, 1)
        counts = {k: _poisson(rng, math.exp(0.6 * interest + 0.5)) for k in SIGNALS}
        budget = rng.choice(("", "Select", "< 10 k€", "10-50 k€", "> 50 k€"))
        logit = (
            -1.6
            + SOURCES[source]
            + SECTORS[sector]
            + TITLES[title]
            + 0.25 * math.log1p(employees)
            + sum(SIGNALS[k] * n for k, n in counts.items())
            + {"> 50 k€": 0.8, "10-50 k€": 0.3}.get(budget, 0.0)
            + 0.8 * interest
        )
        closed = rng.random() < 0.6
        won = rng.random() < 1 / (1 + math.exp(-logit))
        status = ("converted" if won else "disqualified") if closed else "new"
        converted += closed and won
        created = now - timedelta(days=rng.randint(200, 700) if closed else rng.randint(0, 90))
        leads.append(
            {
                "id": i,
                "first_name": "Lead",
                "last_name": str(i),
                "email": f"lead{i}@synthetic.example.com",
                "email_key": f"lead{i}@synthetic.example.com",
                "company": f"Société {i % 5000}",
                "job_title": title,
                "employees": employees,
                "sector": sector,
                "country": rng.choice(COUNTRIES),
                "source": source,
                "campaign": f"campagne-{rng.randint(1, 30)}",
                "kind": "sales",
                "temperature": rng.choice(("hot", "warm", "cold", None)),
                "status": status,
                "disqualification_reason": "no_project" if status == "disqualified" else None,
                "score": 0,
                "score_explanation": [],
                "search_text": f"lead {i}",
                "created_at": created,
                "updated_at": created,
                "converted_at": created + timedelta(days=30) if status == "converted" else None,
                "attributes": {"Budget indicatif": budget, "Visites": str(rng.randint(0, 40))},
            }
        )
        for kind, n in counts.items():
            signals.extend(
                {
                    "type": kind,
                    "lead_id": i,
                    "occurred_at": created + timedelta(hours=j + 1),
                    "received_at": created + timedelta(hours=j + 1),
                    "origin": "event",
                    "properties": {},
                }
                for j in range(n)
            )
        if rng.random() < 0.2:
            tagged.append({"lead_id": i, "tag_id": rng.randint(1, 5)})
    with database.engine.connect().execution_options(write=True) as conn:
        conn.execute(insert(t.Tag), [{"id": k, "name": f"salon {k}"} for k in range(1, 6)])
        conn.execute(insert(t.Lead), leads)
        conn.execute(insert(t.LeadTag), tagged)
        conn.execute(insert(t.Signal), signals)
        conn.commit()
    return converted


def _poisson(rng: random.Random, rate: float) -> int:
    limit, k, p = math.exp(-rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


if __name__ == "__main__":
    main()
