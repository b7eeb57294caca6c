"""``bascule model train | show | score``: the predictive score (SPEC §8).

scikit-learn is imported by the commands themselves, so that other commands start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
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
Threads = Annotated[
    int, typer.Option(min=1, max=64, help="CPU threads for the model (1 on a shared server).")
]


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
    threads: Threads = 1,
) -> None:
    """Learn conversion from the leads with a known outcome: cross-validated ROC AUC and
    Brier score of each model, the best one stored as a new version, open leads scored."""
    from bascule.scoring import predictive

    unknown = sorted(set(models or ()) - set(MODELS))
    if unknown:
        raise CommandFailed(f"unknown model {unknown[0]}: choose from {', '.join(MODELS)}")
    options = predictive.TrainingOptions(
        models=tuple(dict.fromkeys(models)) if models else MODELS,
        exclude=tuple(exclude or ()),
        exclude_leaks=exclude_leaks,
        min_leads=min_leads,
        stale_days=stale_days,
        seed=seed,
        threads=threads,
    )
    out = console()
    with out.status("training") as status:
        report = predictive.train(
            state(ctx).database,
            now=now(),
            actor=COMMAND_LINE,
            options=options,
            progress=lambda step: status.update(step),
        )
    _print_report(report)


def _print_report(report: TrainingReport) -> None:
    out = console()
    found = report.experiment
    table = Table(
        title=f"{report.leads} leads with an outcome, {report.converted} converted: "
        "5-fold stratified cross-validation"
    )
    for column in ("model", "ROC AUC", "± (folds)", "Brier", "log loss", "seconds"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for name, e in found.evaluations.items():
        chosen = " (chosen)" if name == report.algorithm else ""
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
    for warning in found.leaks:
        left_out = " (excluded)" if warning.feature in found.excluded else ""
        typer.echo(f"warning: likely leak: {warning.feature}: {warning.reason}{left_out}")
    if found.leaks and not any(w.feature in found.excluded for w in found.leaks):
        typer.echo("warning: train with --exclude-leaks (or --exclude COL) to leave them out")
    if found.excluded:
        typer.echo(f"excluded: {', '.join(found.excluded)}")
    for pattern in found.unmatched:
        typer.echo(f"warning: --exclude {pattern}: no feature of that name")
    best = found.best
    typer.echo(
        f"Stored predictive model v{report.version}: {report.algorithm}, ROC AUC "
        f"{best.auc:.4f}, Brier {best.brier:.4f}; {report.scored} open leads scored "
        f"in {report.seconds:.1f} s"
    )


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
def show(ctx: typer.Context) -> None:
    """The latest model: version, when, cross-validated figures, leaks, what matters most."""
    from bascule.scoring import predictive

    info = predictive.show(state(ctx).database)
    metrics = info["metrics"]
    out = console()
    readable = "" if info["readable"] else " (another schema version: train again)"
    typer.echo(
        f"Predictive model v{info['version']}: {info['algorithm']}, trained "
        f"{info['created_at']:%Y-%m-%d %H:%M} UTC by {info['created_by'] or 'unknown'}, "
        f"schema version {info['schema_version']}{readable}"
    )
    typer.echo(
        f"{metrics.get('leads', 0)} leads with an outcome, {metrics.get('converted', 0)} "
        f"converted; {len(info['features'])} features"
        + (f"; excluded: {', '.join(info['excluded'])}" if info["excluded"] else "")
    )
    table = Table(title="Cross-validation")
    for column in ("model", "ROC AUC", "Brier"):
        table.add_column(column)
    for name, figures in metrics.get("models", {}).items():
        table.add_row(name, f"{figures['auc']:.4f}", f"{figures['brier']:.4f}")
    out.print(table)
    weights = Table(title="What moves the probability most (mean change, in points)")
    weights.add_column("feature")
    weights.add_column("points", justify="right")
    for entry in metrics.get("global_weights", []):
        name = entry["feature"] + (f": {entry['value']}" if entry.get("value") else "")
        weights.add_row(name, f"{100 * entry['weight']:.1f}")
    out.print(weights)
    for warning in metrics.get("leaks", []):
        typer.echo(f"warning: likely leak: {warning['feature']}: {warning['reason']}")


@app.command("score")
def score(ctx: typer.Context, threads: Threads = 1) -> None:
    """Score every open lead again with the latest model (new leads since training)."""
    from bascule.scoring import predictive

    with console().status("scoring the open leads"):
        count = predictive.score_open_leads(state(ctx).database, threads_count=threads)
    typer.echo(f"{count} open leads scored")
