"""Erasure of one person (issue 12, SPEC §18): the time to anonymise a person who has a lead,
a contact, ``--signals`` signals (default 1,000), 20 activities, 5 alerts and their audit rows,
among ``--others`` other leads with 5 signals each; against, in the same run, the export of the
same person (the read of everything erasure rewrites) as the baseline.

    .venv/bin/python bench/bench_privacy.py [--db sqlite|postgresql|both] [--signals 1000]
                                            [--others 2000] [--repeats 5]

Each repeat erases a fresh person (same shape, another e-mail), one transaction each, as
``POST /api/v1/privacy/erase`` runs it; the median of the repeats is printed.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from _support.common import (
    bench_target,
    console,
    figures_table,
    parse_args,
    run_context,
)
from _support.common import selected as selected_databases
from bascule.alerts import outbox
from bascule.leads import service as leads
from bascule.playbook.load import default_playbook
from bascule.privacy import erasure
from bascule.privacy import export as privacy_export
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor, Role

ACTOR = Actor.for_rule("bench")
NOW = datetime.now(UTC)


def _lead(database: Database, email: str, first: str, last: str) -> int:
    with database.uow(write=True) as uow:
        lead, _ = leads.create(
            uow, data={"email": email, "first_name": first, "last_name": last,
                       "company": "Aciers Lumiere", "source": "web_form"},
            actor=ACTOR, playbook=default_playbook(), now=NOW,
        )  # fmt: skip
        uow.commit()
        return lead.id


def _signals(database: Database, lead_id: int, email: str, n: int) -> None:
    rows = [
        {"type": "page_view", "occurred_at": NOW - timedelta(minutes=i), "received_at": NOW,
         "lead_id": lead_id, "email_key": email, "origin": "event",
         "properties": {"url": f"/page/{i}", "visitor": email}}
        for i in range(n)
    ]  # fmt: skip
    with database.uow(write=True) as uow:
        uow.session.execute(insert(t.Signal), rows)
        uow.commit()


def _person(database: Database, n: int, signals: int) -> str:
    """A person with everything erasure rewrites; their e-mail."""
    email = f"personne.{n}@exemple-bench.fr"
    lead_id = _lead(database, email, f"Prenom{n}", f"Nom{n}")
    _signals(database, lead_id, email, signals)
    with database.uow(write=True) as uow:
        contact = t.Contact(first_name=f"Prenom{n}", last_name=f"Nom{n}", email=email,
                            email_key=email, created_at=NOW, updated_at=NOW)  # fmt: skip
        uow.session.add(contact)
        uow.session.flush()
        for i in range(20):
            activity = t.Activity(kind="call", direction="out", summary=f"Nom{n} rappel {i}",
                                  lead_id=lead_id, occurred_at=NOW, created_at=NOW)  # fmt: skip
            uow.session.add(activity)
        for i in range(5):
            outbox.enqueue(
                uow, kind="mql_reached", recipient_user_id=None,
                payload={"lead_id": lead_id, "name": f"Prenom{n} Nom{n}"},
                idempotency_key=f"bench:{n}:{i}", now=NOW,
            )  # fmt: skip
        uow.commit()
    return email


def _timed(database: Database, email: str, *, erase: bool) -> float:
    admin = Actor(user_id=None, role=Role.ADMIN, rule="bench")
    started = time.perf_counter()
    with database.uow(write=True) as uow:
        if erase:
            erasure.erase(uow, email=email, reason="bench", actor=admin, now=NOW)
        else:
            privacy_export.export(uow, email=email, actor=admin, now=NOW)
        uow.commit()
    return time.perf_counter() - started


def run(kind: str, args: Any) -> list[tuple[str, str, str, str]]:
    with bench_target(kind) as target:
        database = Database(target.url)
        try:
            for i in range(args.others):
                email = f"autre.{i}@exemple-bench.fr"
                _signals(database, _lead(database, email, "Autre", f"Autre{i}"), email, 5)
            exports, erasures = [], []
            for repeat in range(args.repeats):
                email = _person(database, repeat, args.signals)
                exports.append(_timed(database, email, erase=False))
                erasures.append(_timed(database, email, erase=True))
        finally:
            database.dispose()
    export_ms = statistics.median(exports) * 1000
    erase_ms = statistics.median(erasures) * 1000
    return [
        (target.description, "export (baseline)", f"{export_ms:.1f}", "1.00"),
        (target.description, f"erasure, {args.signals:,} signals", f"{erase_ms:.1f}",
         f"{erase_ms / export_ms:.2f}"),
    ]  # fmt: skip


def main() -> int:
    args = parse_args(
        __doc__ or "",
        {"signals": (1000, "signals of the erased person"),
         "others": (2000, "other leads, 5 signals each"),
         "repeats": (5, "people erased (median printed)")},
    )  # fmt: skip
    console.print(f"[bold]bench_privacy[/bold] — {run_context()}")
    table = figures_table("Erasure of one person", ["database", "what", "median ms", "ratio"])
    for kind in selected_databases(args.db):
        for row in run(kind, args):
            table.add_row(*row)
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
