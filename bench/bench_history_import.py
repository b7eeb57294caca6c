"""History import speed (issue 13, SPEC §16), against raw inserts of the same rows.

    .venv/bin/python bench/bench_history_import.py [--db sqlite|postgresql|both] [--rows 100000]

For each database: a throw-away database, migrated, one admin user ("Bench"). A Salesforce-
like history CSV of ``--rows`` leads is generated (Id;First Name;Last Name;Email;Company;
Status;Created Date;MQL Date;SQL Date;Converted Date;Lead Owner), each lead with four dates
(creation, MQL, SQL, conversion) written day first with a time, the status a Salesforce word
("Closed - Converted"), the owner by full name. Timed, through one engine:

- raw: the lead rows the import writes for that file and their four status-history rows each,
  built beforehand, inserted by one ``executemany`` per table in one transaction (the faster
  of a run before and one after the import, on emptied tables);
- import: ``imports.service.run`` on the file: parsing, the dates and status words read, the
  owner found by name, dedupe look-ups, the leads, their history rows at the file's dates, the
  audit rows, in chunks of ``--chunk-rows``.

Printed: rows/s of each and the ratio import / raw (the issue's target: at least 0.25).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select

from _support.common import bench_target, console, figures_table, run_context, selected
from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor, Role

HEADER = (
    "Id;First Name;Last Name;Email;Company;Status;Created Date;MQL Date;SQL Date;"
    "Converted Date;Lead Owner\r\n"
)
TARGET_RATIO = 0.25
START = datetime(2024, 1, 1, 9, 0)
ZONE = ZoneInfo("Europe/Paris")
STEPS = ("new", "mql", "sql", "converted")


def dates(i: int) -> list[datetime]:
    created = START + timedelta(minutes=5 * i)
    return [created + timedelta(days=d, hours=h) for d, h in ((0, 0), (3, 2), (9, 4), (20, 1))]


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        for i in range(rows):
            days = ";".join(d.strftime("%d/%m/%Y %H:%M") for d in dates(i))
            out.write(
                f"X{i:07d};Ann{i % 97};Lee{i % 89};ann.lee.{i}@societe{i % 7919}.fr;"
                f"Société {i % 7919};Closed - Converted;{days};Bench\r\n"
            )


def raw_rows(
    rows: int, owner_id: int, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    leads, history = [], []
    for i in range(rows):
        at = [d.replace(tzinfo=ZONE).astimezone(UTC) for d in dates(i)]
        email = f"ann.lee.{i}@societe{i % 7919}.fr"
        leads.append(
            {
                "id": i + 1,
                "first_name": f"Ann{i % 97}",
                "last_name": f"Lee{i % 89}",
                "email": email,
                "email_key": email,
                "company": f"Société {i % 7919}",
                "source": "other",
                "kind": "sales",
                "status": "converted",
                "owner_id": owner_id,
                "assigned_at": at[0],
                "score": 0,
                "score_explanation": [],
                "ready_to_convert": False,
                "do_not_contact": False,
                "search_text": f"ann lee société {email}",
                "created_at": at[0],
                "updated_at": now,
                "converted_at": at[3],
                "external_id": f"X{i:07d}",
                "import_id": None,
            }
        )
        for n, step in enumerate(STEPS):
            history.append(
                {
                    "lead_id": i + 1,
                    "from_status": STEPS[n - 1] if n else None,
                    "to_status": step,
                    "changed_at": at[n],
                    "actor_user_id": owner_id,
                    "actor_rule": None,
                    "kind": "creation" if n == 0 else "progress",
                    "reason": "raw",
                    "import_id": None,
                }
            )
    return leads, history


def _clear(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(delete(t.LeadStatusHistory.__table__))
        conn.execute(delete(t.LeadTag.__table__))
        conn.execute(delete(t.Lead.__table__))


def time_raw(
    database: Database, leads: list[dict[str, Any]], history: list[dict[str, Any]]
) -> float:
    _clear(database)
    start = time.perf_counter()
    with database.engine.begin() as conn:
        conn.execute(insert(t.Lead.__table__), [dict(r) for r in leads])
        conn.execute(insert(t.LeadStatusHistory.__table__), [dict(r) for r in history])
    elapsed = time.perf_counter() - start
    _clear(database)
    return elapsed


def time_import(database: Database, path: Path, actor: Actor, chunk_rows: int) -> tuple[float, Any]:
    playbook = playbooks.active(database, max_age=0)
    start = time.perf_counter()
    with path.open("rb") as stream:
        batch, _ = imports.run(
            database,
            stream,
            options=imports.ImportOptions(path.name),
            actor=actor,
            playbook=playbook,
            now=datetime.now(UTC),
            chunk_rows=chunk_rows,
        )
    return time.perf_counter() - start, batch


def check(database: Database, rows: int) -> None:
    with database.engine.connect() as conn:
        history = conn.execute(select(func.count()).select_from(t.LeadStatusHistory)).scalar_one()
        converted = conn.execute(
            select(func.count()).select_from(t.Lead).where(t.Lead.status == "converted")
        ).scalar_one()
    if (history, converted) != (4 * rows, rows):
        raise SystemExit(f"the import wrote {history} history rows, {converted} converted leads")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="both", choices=("sqlite", "postgresql", "both"))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=imports.CHUNK_ROWS)
    args = parser.parse_args()
    console.print(
        f"[bold]bench_history_import[/]: {args.rows:,} leads with four dates each, "
        f"chunks of {args.chunk_rows}, {run_context()}"
    )
    table = figures_table(
        "History import against raw inserts of the same lead and history rows",
        ("db", "raw leads/s", "import leads/s", "ratio", f"target ≥ {TARGET_RATIO}"),
        names=1,
    )
    with tempfile.TemporaryDirectory(prefix="bascule_bench_history_") as tmp:
        path = Path(tmp) / "Lead.csv"
        write_csv(path, args.rows)
        for kind in selected(args.db):
            with bench_target(kind) as target:
                database = Database(target.url)
                try:
                    actor = Actor(user_id=target.user_id, role=Role.ADMIN)
                    leads, history = raw_rows(args.rows, target.user_id, datetime.now(UTC))
                    raw_1 = time_raw(database, leads, history)
                    console.print(f"{kind}: raw inserts {raw_1:.2f} s; importing...")
                    elapsed, batch = time_import(database, path, actor, args.chunk_rows)
                    if (batch.rows_created, batch.rows_rejected) != (args.rows, 0):
                        raise SystemExit(f"import: {batch.rows_created} created, {batch.report}")
                    check(database, args.rows)
                    raw_2 = time_raw(database, leads, history)
                finally:
                    database.dispose()
            raw = min(raw_1, raw_2)
            ratio = raw / elapsed
            table.add_row(
                kind,
                f"{args.rows / raw:,.0f}",
                f"{args.rows / elapsed:,.0f}",
                f"{ratio:.2f}",
                "yes" if ratio >= TARGET_RATIO else "NO",
            )
    console.print(table)


if __name__ == "__main__":
    main()
