"""``bascule model train | show | score``: the predictive score (SPEC §8).

scikit-learn is imported by the commands themselves, so that other commands start fast.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bascule.cli.common import CommandFailed, console, now, state
from bascule.users.model import Actor

if TYPE_CHECKING:
    from bascule.scoring.predictive import TrainingReport

app = typer.Typer(
    help="Predictive score: train a conversion model on the history, show it, score leads.",
    no_args_is_help=True,
)
MODELS = ("logistic_regression", "gradient_boosting", "blend")  # predictive_model.MODELS
COMMAND_LINE = Actor(user_id=None, role=None, rule="command line", name="command line")
VALIDATIONS = ("shuffled", "time")  # predictive.VALIDATIONS
FORMATS = ("table", "json")
Threads = Annotated[
    int, typer.Option(min=1, max=64, help="CPU threads for the model (1 on a shared server).")
]
Format = Annotated[
    str,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="table (for people, the default) or json (for scripts: chosen, base_rate, leads, "
        "candidates, warnings).",
    ),
]


def _check_format(value: str) -> None:
    if value not in FORMATS:
        raise CommandFailed(f"unknown format {value}: choose from {', '.join(FORMATS)}")


def _print_json(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))


@app.command("train")
def train(
    ctx: typer.Context,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="COL",
            help="Leave a feature out (repeat it; '*' wildcards: 'Asymmetrique*').",
        ),
    ] = None,
    exclude_leaks: Annotated[
        bool, typer.Option("--exclude-leaks", help="Leave out the features flagged as leaks.")
    ] = False,
    min_leads: Annotated[
        int, typer.Option(min=10, help="Leads with a known outcome needed to train.")
    ] = 200,
    stale_days: Annotated[
        int, typer.Option(min=1, help="An open lead older than this counts as not converted.")
    ] = 180,
    seed: Annotated[int, typer.Option(help="Seed of the cross-validation folds.")] = 0,
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            metavar="NAME",
            help="Candidates to cross-validate (repeat it): logistic_regression, "
            "gradient_boosting, blend. Default: all three.",
        ),
    ] = None,
    validation: Annotated[
        str,
        typer.Option(
            metavar="HOW",
            help="shuffled (5 shuffled stratified folds, always done) or time: also fitted "
            "on the older leads and tested on the newest fifth, reported beside.",
        ),
    ] = "shuffled",
    threads: Threads = 1,
    output: Format = "table",
) -> None:
    """Learn conversion from the leads with a known outcome: cross-validated ROC AUC and
    Brier score of each model, the best one without a defect stored as a new version, open
    leads scored."""
    from bascule.scoring import predictive

    unknown = sorted(set(models or ()) - set(MODELS))
    if unknown:
        raise CommandFailed(f"unknown model {unknown[0]}: choose from {', '.join(MODELS)}")
    if validation not in VALIDATIONS:
        raise CommandFailed(
            f"unknown validation {validation}: choose from {', '.join(VALIDATIONS)}"
        )
    _check_format(output)
    options = predictive.TrainingOptions(
        models=tuple(dict.fromkeys(models)) if models else MODELS,
        exclude=tuple(exclude or ()),
        exclude_leaks=exclude_leaks,
        min_leads=min_leads,
        stale_days=stale_days,
        seed=seed,
        threads=threads,
        validation=validation,
    )
    # the progress goes to stderr when stdout is for a script
    out = Console(stderr=True) if output == "json" else console()
    with out.status("training") as status:
        report = predictive.train(
            state(ctx).database,
            now=now(),
            actor=COMMAND_LINE,
            options=options,
            progress=lambda step: status.update(step),
        )
    summary = predictive.summary({"metrics": report.metrics, "algorithm": report.algorithm})
    if output == "json":
        _print_json(summary)
    else:
        _print_report(report, summary["warnings"])


def _print_report(report: TrainingReport, warnings: list[str]) -> None:
    out = console()
    found = report.experiment
    table = Table(
        title=f"{report.leads} leads with an outcome, {report.converted} converted "
        f"(base rate {report.converted / report.leads:.1%}, its Brier "
        f"{found.base_brier:.4f}): 5-fold shuffled stratified cross-validation"
    )
    for column in ("model", "ROC AUC", "± (folds)", "Brier", "log loss", "seconds"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, e in found.evaluations.items():
        chosen = " (chosen)" if name == report.algorithm else ""
        chosen = " (defect)" if name in found.defects else chosen
        d = e.as_dict()
        table.add_row(
            name + chosen,
            f"{d['auc']:.4f}",
            f"{d['auc_std']:.4f}",
            f"{d['brier']:.4f}",
            f"{d['log_loss']:.4f}",
            f"{d['seconds']:.1f}",
        )
    out.print(table)
    out.print(_reliability(found.best.as_dict()["reliability"], report.algorithm))
    if found.time is not None:
        out.print(_time_table(found.time.as_dict()))
    if found.excluded:
        typer.echo(f"excluded: {', '.join(found.excluded)}")
    for warning in warnings:
        typer.echo(f"warning: {warning}")
    best = found.best
    typer.echo(
        f"Stored predictive model v{report.version}: {report.algorithm}, ROC AUC "
        f"{best.auc:.4f}, Brier {best.brier:.4f}; {report.scored} open leads scored "
        f"in {report.seconds:.1f} s"
    )


def _time_table(timed: dict[str, Any]) -> Table:
    table = Table(
        title=f"Time-ordered: fitted on the {timed['train_leads']} older leads, tested on the "
        f"{timed['test_leads']} newest ({timed['test_converted']} converted; the older "
        f"leads' rate scores Brier {timed['base_brier']:.4f})"
    )
    for column in ("model", "ROC AUC", "Brier"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for row in timed["candidates"]:
        table.add_row(row["model"], f"{row['auc']:.4f}", f"{row['brier']:.4f}")
    return table


def _reliability(rows: list[dict[str, Any]], model: str) -> Table:
    table = Table(title=f"Calibration of {model} (out-of-fold): predicted vs observed")
    for column in ("predicted band", "leads", "mean predicted", "observed"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            f"{row['from']:.0%}–{row['to']:.0%}",
            str(row["leads"]),
            f"{row['predicted']:.1%}",
            f"{row['observed']:.1%}",
        )
    return table


@app.command("show")
def show(ctx: typer.Context, output: Format = "table") -> None:
    """The latest model: version, when, cross-validated figures, leaks, what matters most."""
    from bascule.scoring import predictive

    _check_format(output)
    info = predictive.show(state(ctx).database)
    summary = predictive.summary(info)
    if output == "json":
        _print_json(summary)
        return
    metrics = info["metrics"]
    out = console()
    readable = "" if info["readable"] else " (another schema version: train again)"
    typer.echo(
        f"Predictive model v{info['version']}: {info['algorithm']}, trained "
        f"{info['created_at']:%Y-%m-%d %H:%M} UTC by {info['created_by'] or 'unknown'}, "
        f"schema version {info['schema_version']}{readable}"
    )
    typer.echo(
        f"{summary['leads']} leads with an outcome, {metrics.get('converted', 0)} "
        f"converted (base rate {summary['base_rate']:.1%}); {len(info['features'])} features"
        + (f"; excluded: {', '.join(info['excluded'])}" if info["excluded"] else "")
    )
    table = Table(title="Cross-validation")
    for column in ("model", "ROC AUC", "Brier", "defect"):
        table.add_column(column)
    for row in summary["candidates"]:
        name = row["model"] + (" (chosen)" if row["chosen"] else "")
        table.add_row(name, f"{row['auc']:.4f}", f"{row['brier']:.4f}", row["defect"] or "")
    out.print(table)
    if "time_ordered" in summary and "candidates" in summary["time_ordered"]:
        out.print(_time_table(summary["time_ordered"]))
    weights = Table(title="What moves the probability most (mean change, in points)")
    weights.add_column("feature")
    weights.add_column("points", justify="right")
    for entry in metrics.get("global_weights", []):
        name = entry["feature"] + (f": {entry['value']}" if entry.get("value") else "")
        weights.add_row(name, f"{100 * entry['weight']:.1f}")
    out.print(weights)
    for warning in summary["warnings"]:
        typer.echo(f"warning: {warning}")


@app.command("score")
def score(ctx: typer.Context, threads: Threads = 1) -> None:
    """Score every open lead again with the latest model (new leads since training)."""
    from bascule.scoring import predictive

    with console().status("scoring the open leads"):
        count = predictive.score_open_leads(state(ctx).database, threads_count=threads)
    typer.echo(f"{count} open leads scored")
