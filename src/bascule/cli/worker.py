"""``bascule worker`` (deliver alerts, run ticks) and ``bascule alerts deliveries | replay``."""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Annotated, Any

import typer
from rich.table import Table

from bascule.alerts import service as alerts
from bascule.cli.common import console, now, state
from bascule.worker import Worker

app = typer.Typer(help="Alert deliveries: dead letters and replays.", no_args_is_help=True)


def worker(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit.")
    ] = False,
    batch: Annotated[
        int, typer.Option(min=1, max=1000, help="Outbox rows claimed per transaction.")
    ] = 50,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="E-mails and webhook calls in flight at once.")
    ] = 8,
    per_endpoint: Annotated[
        int, typer.Option(min=1, max=64, help="Calls in flight at once to one webhook or SMTP.")
    ] = 4,
    poll: Annotated[
        float | None,
        typer.Option(min=0.01, help="Seconds between looks for due work (default 0.05 on "
                     "SQLite, 1 on PostgreSQL, where NOTIFY also wakes the worker)."),
    ] = None,
) -> None:  # fmt: skip
    """Deliver alerts (in-app, e-mail, webhooks) and run periodic ticks until stopped."""
    st = state(ctx)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runner = Worker(
        st.database, st.settings, batch=batch, concurrency=concurrency, per_endpoint=per_endpoint,
        poll_seconds=poll,
    )  # fmt: skip
    _describe(runner)
    stop = threading.Event()
    if not once:

        def stopping(*_: Any) -> None:  # in-flight deliveries finish (within their timeout)
            stop.set()
            runner.wake()

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, stopping)
    stats = runner.run(stop, once=once)
    typer.echo(f"Worker stopped: {stats.summary()}")


def _describe(runner: Worker) -> None:
    db = runner.database
    url = db.engine.url.render_as_string(hide_password=True)
    mode = "one worker, lock file" if db.is_sqlite else "shared queue, LISTEN/NOTIFY"
    smtp = runner.deliveries.smtp
    playbook = runner.playbook()
    typer.echo(
        f"Worker on {url} ({mode}); e-mail "
        + (f"via {smtp.host}:{smtp.port}" if smtp else "off (BASCULE_SMTP_URL not set)")
        + f"; {len(playbook.alerts.webhooks)} webhook(s); pid {os.getpid()}"
    )
    for hook in playbook.alerts.webhooks:
        if hook.secret_env and not os.environ.get(hook.secret_env):
            typer.echo(
                f"warning: webhook {hook.name}: {hook.secret_env} is not set; its calls will fail",
                err=True,
            )


@app.command("deliveries")
def list_deliveries(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="pending, delivered, dead or skipped (default: all).")
    ] = None,
    alert: Annotated[int | None, typer.Option(help="Only the deliveries of this alert.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """E-mail and webhook deliveries, newest first, with their last error."""
    table = Table("id", "alert", "kind", "channel", "target", "status", "attempts", "last error")
    with state(ctx).database.uow() as uow:
        rows = alerts.deliveries(uow, status=status, alert_id=alert, limit=limit)
        for delivery, outbox in rows:
            table.add_row(
                str(delivery.id), str(outbox.id), outbox.kind, delivery.channel, delivery.target,
                delivery.status, str(delivery.attempts), (delivery.last_error or "")[:80],
            )  # fmt: skip
    console().print(table)
    typer.echo(f"{len(rows)} deliver{'y' if len(rows) == 1 else 'ies'}")


@app.command("log")
def attempt_log(
    ctx: typer.Context, delivery_id: Annotated[int, typer.Argument(help="The delivery's id.")]
) -> None:
    """Every attempt of one delivery: when, outcome, HTTP or SMTP status, error, duration."""
    table = Table("attempt", "at", "outcome", "status", "ms", "error")
    with state(ctx).database.uow() as uow:
        for row in alerts.attempts(uow, delivery_id):
            table.add_row(*_attempt_cells(row))
    console().print(table)


def _attempt_cells(row: Any) -> list[str]:
    return [
        str(row.attempt),
        row.at.isoformat(timespec="seconds"),
        row.outcome,
        "" if row.status_code is None else str(row.status_code),
        "" if row.duration_ms is None else str(row.duration_ms),
        (row.error or "")[:100],
    ]


@app.command("replay")
def replay(
    ctx: typer.Context,
    delivery_id: Annotated[int, typer.Argument(help="A dead letter's id (`alerts deliveries`).")],
) -> None:
    """Send a dead letter again: the worker picks it up at once, with fresh attempts."""
    with state(ctx).database.uow(write=True) as uow:
        delivery = alerts.replay(uow, delivery_id=delivery_id, now=now())
        uow.commit()
    typer.echo(
        f"Delivery #{delivery.id} ({delivery.channel} {delivery.target}) is pending again; "
        "a running worker sends it now"
    )


def register(root: typer.Typer) -> None:
    root.command()(worker)
    root.add_typer(app, name="alerts")
