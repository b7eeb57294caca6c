"""CSV import speed and memory (issue #3), against a raw executemany of the same lead rows.

    .venv/bin/python bench/bench_import.py [--db sqlite|postgresql|both] [--rows 100000]
                                           [--memory-rows 1000000] [--chunk-rows 2000]

For each database: a throw-away database, migrated, one admin user. A French trade-show CSV of
``--rows`` rows is generated in a temporary directory (Prénom;Nom;E-mail;Société;Fonction;
Téléphone;Pays;Notes, every e-mail distinct, Windows line ends). Timed, through one engine:

- raw: the lead rows the import writes for that file (same columns and values: names, e-mail
  and its key, phone in E.164, company, title, country, source, temperature, the Notes column
  as attributes, search text, owner, timestamps), built beforehand, inserted by one
  ``executemany`` (``conn.execute(insert(lead), rows)``) in one transaction. Run before and
  after the import, on an emptied table; the faster run is the baseline;
- import: ``imports.service.run`` on the file with a file-wide tag and temperature: parsing
  (encoding, dialect, e-mail and phone checks), dedupe look-ups, leads, their status history,
  their tags, the audit rows, the import's counters, in chunks of ``--chunk-rows``.

Printed: rows/s of each and the ratio import / raw (the issue's target: at least 0.25).

Then peak memory: a subprocess imports a ``--memory-rows`` file (generated while it is read,
never held in memory) into a fresh database and reports its ``VmHWM`` (peak RSS) from
``/proc/self/status`` (target: under 400 MB). ``--memory-rows 0`` skips it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert

from _support.common import (
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    bench_target,
    console,
    figures_table,
    run_context,
    selected,
)
from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor, Role

HEADER = "Prénom;Nom;E-mail;Société;Fonction;Téléphone;Pays;Notes\r\n"
TAG = "Salon Solutions Digitales 2026"
TEMPERATURE = "warm"
TARGET_RATIO = 0.25
MEMORY_TARGET_MB = 400


def person(i: int) -> dict[str, Any]:
    first = FIRST_NAMES[i % len(FIRST_NAMES)]
    last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
    ascii_first = first.encode("ascii", "ignore").decode().lower() or "x"
    ascii_last = last.encode("ascii", "ignore").decode().lower() or "x"
    company = f"Société {i % 7919:04d}"
    return {
        "first_name": first,
        "last_name": last,
        "email": f"{ascii_first}.{ascii_last}.{i}@societe{i % 7919:04d}.fr",
        "company": company,
        "job_title": JOB_TITLES[i % len(JOB_TITLES)],
        "phone_text": f"01 4{i % 10} {i % 100:02d} {i // 100 % 100:02d} {i // 10_000 % 100:02d}",
        "country": "FR",
        "notes": f"Stand {i % 300}, rappeler en {('janvier', 'mars', 'juin')[i % 3]}",
    }


def csv_lines(rows: int) -> Iterator[bytes]:
    yield HEADER.encode()
    for i in range(rows):
        p = person(i)
        yield (
            f"{p['first_name']};{p['last_name']};{p['email']};{p['company']};{p['job_title']};"
            f"{p['phone_text']};France;{p['notes']}\r\n"
        ).encode()


def write_csv(path: Path, rows: int) -> None:
    with path.open("wb") as out:
        for line in csv_lines(rows):
            out.write(line)


def raw_rows(rows: int, owner_id: int, now: datetime) -> list[dict[str, Any]]:
    """The lead rows the import writes for the generated file, as plain dicts."""
    result = []
    for i in range(rows):
        p = person(i)
        phone = _e164(p["phone_text"])
        parts = (p["first_name"], p["last_name"], p["company"], p["email"])
        result.append(
            {
                "first_name": p["first_name"],
                "last_name": p["last_name"],
                "email": p["email"],
                "email_key": p["email"].casefold(),
                "phone": phone,
                "company": p["company"],
                "job_title": p["job_title"],
                "employees": None,
                "sector": None,
                "country": "FR",
                "technology": None,
                "source": "other",
                "campaign": None,
                "temperature": TEMPERATURE,
                "external_id": None,
                "attributes": {"Notes": p["notes"]},
                "kind": "sales",
                "status": "new",
                "owner_id": owner_id,
                "assigned_at": now,
                "score": 0,
                "score_explanation": [],
                "ready_to_convert": False,
                "do_not_contact": False,
                "search_text": " ".join(parts).casefold(),
                "created_at": now,
                "updated_at": now,
                "import_id": None,
            }
        )
    return result


def _e164(text: str) -> str:
    return "+33" + "".join(c for c in text if c.isdigit())[1:]


def _clear_leads(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(delete(t.LeadTag.__table__))
        conn.execute(delete(t.LeadStatusHistory.__table__))
        conn.execute(delete(t.Lead.__table__))


def time_raw(database: Database, rows: list[dict[str, Any]]) -> float:
    _clear_leads(database)
    start = time.perf_counter()
    with database.engine.begin() as conn:
        conn.execute(insert(t.Lead.__table__), rows)
    elapsed = time.perf_counter() - start
    _clear_leads(database)
    return elapsed


def time_import(database: Database, path: Path, actor: Actor, chunk_rows: int) -> tuple[float, Any]:
    playbook = playbooks.active(database, max_age=0)
    options = imports.ImportOptions(path.name, tag=TAG, temperature=TEMPERATURE)
    start = time.perf_counter()
    with path.open("rb") as stream:
        batch, _ = imports.run(
            database,
            stream,
            options=options,
            actor=actor,
            playbook=playbook,
            now=datetime.now(UTC),
            chunk_rows=chunk_rows,
        )
    return time.perf_counter() - start, batch


def check_leads(database: Database, rows: list[dict[str, Any]]) -> None:
    """The import wrote what the raw baseline writes (spot check of the first and last)."""
    from sqlalchemy import func, select

    with database.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(t.Lead)).scalar_one()
        if count != len(rows):
            raise SystemExit(f"the import wrote {count} leads, expected {len(rows)}")
        for row in (rows[0], rows[-1]):
            got = conn.execute(
                select(t.Lead.phone, t.Lead.email_key, t.Lead.attributes).where(
                    t.Lead.email_key == row["email_key"]
                )
            ).one()
            if tuple(got) != (row["phone"], row["email_key"], row["attributes"]):
                raise SystemExit(f"import and raw rows differ: {tuple(got)} != {row}")


# --- peak memory, in a subprocess -------------------------------------------------------------


class GeneratedFile:
    """A binary stream whose bytes are made as they are read: the file is never in memory."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines = lines
        self.pending = b""

    def read(self, size: int = -1) -> bytes:
        size = size if size and size > 0 else 1 << 16
        parts, length = [self.pending], len(self.pending)
        while length < size:
            line = next(self.lines, b"")
            if not line:
                break
            parts.append(line)
            length += len(line)
        data = b"".join(parts)
        self.pending = data[size:]
        return data[:size]


def memory_child(url: str, rows: int, chunk_rows: int) -> None:
    """Run in the subprocess: import `rows` generated rows, print JSON with VmHWM."""
    from bascule.storage.migrate import upgrade
    from bascule.users import service as users

    database = Database(url)
    upgrade(database.engine)
    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        user = users.create_user(uow, email="mem@bench.example.com", role="admin", now=now)
        uow.commit()
    actor = Actor(user_id=user.id, role=Role.ADMIN)
    before = _vm("VmHWM")
    start = time.perf_counter()
    batch, _ = imports.run(
        database,
        GeneratedFile(csv_lines(rows)),  # type: ignore[arg-type]
        options=imports.ImportOptions("generated.csv", tag=TAG, temperature=TEMPERATURE),
        actor=actor,
        playbook=playbooks.active(database, max_age=0),
        now=now,
        chunk_rows=chunk_rows,
    )
    elapsed = time.perf_counter() - start
    database.dispose()
    print(
        json.dumps(
            {
                "rows": batch.rows_total,
                "created": batch.rows_created,
                "seconds": elapsed,
                "hwm_before_kib": before,
                "hwm_kib": _vm("VmHWM"),
            }
        )
    )


def _vm(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def measure_memory(kind: str, rows: int, chunk_rows: int) -> dict[str, Any]:
    with bench_target(kind) as target:
        command = [
            sys.executable,
            __file__,
            "--memory-child",
            target.url,
            "--rows",
            str(rows),
            "--chunk-rows",
            str(chunk_rows),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"memory run failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- main -------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the timed file")
    parser.add_argument(
        "--memory-rows", type=int, default=1_000_000, help="rows of the memory run (0: skip)"
    )
    parser.add_argument("--chunk-rows", type=int, default=imports.CHUNK_ROWS)
    parser.add_argument("--memory-child", metavar="URL", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.rows, args.chunk_rows)
        return
    console.print(
        f"[bold]bench_import[/]: {args.rows:,} CSV rows, chunks of {args.chunk_rows}, "
        f"{run_context()}"
    )
    table = figures_table(
        "CSV import against a raw executemany of the same lead rows",
        ("db", "raw rows/s", "import rows/s", "ratio", f"target ≥ {TARGET_RATIO}"),
        names=1,
    )
    memory = figures_table(
        f"Peak RSS (VmHWM) of a {args.memory_rows:,}-row import",
        ("db", "rows", "seconds", "rows/s", "peak MB", f"target < {MEMORY_TARGET_MB}"),
        names=1,
    )
    ran_on = []
    with tempfile.TemporaryDirectory(prefix="bascule_bench_import_") as tmp:
        path = Path(tmp) / "salon.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size
        console.print(f"file: {path.name}, {size / 1e6:.1f} MB")
        for kind in selected(args.db):
            with bench_target(kind) as target:
                ran_on.append(f"{kind}: {target.description}")
                database = Database(target.url)
                try:
                    actor = Actor(user_id=target.user_id, role=Role.ADMIN)
                    rows = raw_rows(args.rows, target.user_id, datetime.now(UTC))
                    raw_1 = time_raw(database, [dict(r) for r in rows])
                    console.print(f"{kind}: raw insert {raw_1:.2f} s; importing...")
                    elapsed, batch = time_import(database, path, actor, args.chunk_rows)
                    if (batch.rows_created, batch.rows_rejected) != (args.rows, 0):
                        raise SystemExit(f"import: {batch.rows_created} created, {batch.report}")
                    check_leads(database, rows)
                    raw_2 = time_raw(database, [dict(r) for r in rows])
                finally:
                    database.dispose()
            raw = min(raw_1, raw_2)
            ratio = raw / elapsed
            console.print(
                f"{kind}: import {elapsed:.2f} s, raw {raw_1:.2f} s then {raw_2:.2f} s "
                f"(baseline: the faster)"
            )
            table.add_row(
                kind,
                f"{args.rows / raw:,.0f}",
                f"{args.rows / elapsed:,.0f}",
                f"{ratio:.2f}",
                "yes" if ratio >= TARGET_RATIO else "NO",
            )
            if args.memory_rows:
                console.print(f"{kind}: {args.memory_rows:,}-row import in a subprocess...")
                mem = measure_memory(kind, args.memory_rows, args.chunk_rows)
                peak = mem["hwm_kib"] / 1024
                memory.add_row(
                    kind,
                    f"{mem['rows']:,}",
                    f"{mem['seconds']:.0f}",
                    f"{mem['rows'] / mem['seconds']:,.0f}",
                    f"{peak:.0f}",
                    "yes" if peak < MEMORY_TARGET_MB else "NO",
                )
    console.print(table)
    if args.memory_rows:
        console.print(memory)
    for line in ran_on:
        console.print(f"ran on {line}")


if __name__ == "__main__":
    sys.exit(main())
