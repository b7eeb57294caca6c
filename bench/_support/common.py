"""Shared helpers for the benchmarks: throw-away databases, a user and token, data, statistics.

Every bench creates its own database and drops it at the end, so runs never share data:
- SQLite: a file in a temporary directory (WAL, as the app configures it);
- PostgreSQL: ``CREATE DATABASE bascule_bench_<hex>`` on the admin URL below, dropped
  ``WITH (FORCE)`` at the end. ``BASCULE_BENCH_PG_ADMIN_URL`` overrides the server.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import sqlite3
import string
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bascule.storage.db import make_engine
from bascule.storage.migrate import upgrade
from bascule.storage.uow import Database
from bascule.users import service as users

DATABASES = ("sqlite", "postgresql")
PG_ADMIN_URL = os.environ.get(
    "BASCULE_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BENCH_EMAIL = "bench@bench.example.com"
# Wide enough for the result tables when the output goes to a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 160)

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Emma", "Jade", "Louise", "Alice", "Lina",
    "Lucas", "Hugo", "Louis", "Jules", "Gabriel", "Arthur", "Nathan", "Raphaël", "Adam", "Paul",
    "Sophie", "Claire", "Julien", "Thomas", "Nicolas", "Pierre", "Marie", "Anne", "Éric", "Yann",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel",
    "Garcia", "Roux", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau",
    "Vincent", "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer",
    "Garnier", "Chevalier", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
    "Lopez", "Masson", "Marchand", "Denis", "Lemaire",
)  # fmt: skip
SECTORS = ("industry", "retail", "software", "banking", "health", "public", "energy", "logistics")
JOB_TITLES = ("CEO", "CTO", "DSI", "Head of Sales", "Purchasing manager", "Marketing director")
TEMPERATURES = ("hot", "warm", "cold", None)
# Open statuses dominate a real pipeline. No "converted" rows are preloaded: a converted lead
# needs its account, contact, opportunity and lead_conversion row; the benches convert their own.
STATUSES = ("new", "new", "new", "contacted", "contacted", "nurturing", "mql", "sql")
SOURCES = (
    "web_form", "content_download", "demo_request", "trade_show", "purchased_list", "referral",
    "paid_campaign", "inbound_call", "freemium_signup", "rfp", "other",
)  # fmt: skip
_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "bra", "cle", "dor", "fen", "gri")


@dataclass(frozen=True)
class Target:
    """A throw-away database, migrated, with one admin user and an API token."""

    kind: str  # "sqlite" | "postgresql"
    url: str
    description: str  # what it ran on, printed with the figures
    token: str
    user_id: int


def parse_args(description: str, counts: dict[str, tuple[int, str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="both", help="default: both"
    )
    for name, (default, help_text) in counts.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}", type=int, default=default, help=help_text
        )
    parser.add_argument("--seed", type=int, default=20240601, help="data generator seed")
    return parser.parse_args()


def selected(db: str) -> list[str]:
    return list(DATABASES) if db == "both" else [db]


def _admin_engine() -> Any:
    return make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)


@contextmanager
def throwaway_database(kind: str) -> Iterator[tuple[str, str]]:
    """Yield (url, description) of a new empty database; remove it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bascule_bench_") as tmp:
            path = Path(tmp) / "bench.db"
            yield f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version} (file {path}, WAL)"
        return
    name = f"bascule_bench_{secrets.token_hex(6)}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            version = conn.execute(text("SHOW server_version")).scalar_one()
    except OperationalError as exc:
        raise SystemExit(
            f"PostgreSQL does not answer at {PG_ADMIN_URL} ({str(exc.orig).splitlines()[0]}); "
            "start it (make postgres), set BASCULE_BENCH_PG_ADMIN_URL, or run with --db sqlite"
        ) from None
    finally:
        admin.dispose()
    admin_url = make_url(PG_ADMIN_URL)
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    where = f"{admin_url.host}:{admin_url.port or 5432}"
    try:
        yield url, f"PostgreSQL {version} ({where}, database {name}, psycopg 3)"
    finally:
        admin = _admin_engine()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


@contextmanager
def bench_target(kind: str) -> Iterator[Target]:
    """A migrated throw-away database with an admin user and a token."""
    with throwaway_database(kind) as (url, description):
        database = Database(url)
        try:
            upgrade(database.engine)
            now = datetime.now(UTC)
            with database.uow(write=True) as uow:
                user = users.create_user(
                    uow, email=BENCH_EMAIL, role="admin", name="Bench", now=now
                )
                token = users.create_token(uow, email=BENCH_EMAIL, label="bench", now=now)
                user_id = user.id
                uow.commit()
        finally:
            database.dispose()
        yield Target(kind, url, description, token, user_id)


def in_process_client(app: Any, headers: dict[str, str]) -> Any:
    """FastAPI's TestClient (in-process), imported without Starlette's httpx deprecation notice."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient
    return TestClient(app, headers=headers)


def code_version() -> str:
    """bascule's version and git commit, flagged when src/ has uncommitted changes."""
    import bascule

    repo = Path(__file__).resolve().parents[2]
    package = Path(bascule.__file__).resolve().parent
    if package != repo / "src" / "bascule":
        return f"bascule {bascule.__version__} imported from {package}"
    try:
        sha = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "src"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return f"bascule {bascule.__version__}"
    return f"bascule {bascule.__version__} at {sha}{' + uncommitted src changes' if dirty else ''}"


def run_context() -> str:
    """What every bench prints under its name: the machine, the Python and the code measured."""
    return f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {code_version()}"


def figures_table(title: str, columns: Sequence[str], *, names: int = 2) -> Table:
    """A result table: the first ``names`` columns say what was measured (left-aligned), the
    others are figures (right-aligned)."""
    table = Table(title=title)
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index < names else "right")
    return table


def progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


# --- statistics -------------------------------------------------------------------------------


def percentile(samples_ns: Sequence[int], q: float) -> float:
    """The q-th percentile (0-100) in milliseconds, linear between closest ranks."""
    if not samples_ns:
        raise ValueError("no samples")
    ordered = sorted(samples_ns)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
    return value / 1e6


# --- data -------------------------------------------------------------------------------------


class Names:
    """Distinct company names and domains: each conversion then creates its own account.

    Random syllables give company names whose first four letters vary, so the account matcher
    sees a realistic handful of candidates rather than every account sharing one prefix.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def company(self) -> str:
        while True:
            word = "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(2, 4)))
            word += self.rng.choice(string.ascii_lowercase)
            if word not in self.used:
                self.used.add(word)
                return word


def lead_fields(rng: random.Random, names: Names, tag: str) -> dict[str, Any]:
    """Fields of a lead as a client posts them; ``tag`` keeps e-mails unique across phases."""
    word = names.company()
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    local = f"{_ascii(first)}.{_ascii(last)}.{tag}".lower()
    return {
        "first_name": first,
        "last_name": last,
        "email": f"{local}@{word}.example.com",
        "company": f"{word.capitalize()} {rng.choice(('SAS', 'SA', 'SARL', 'Group', 'Tech'))}",
        "job_title": rng.choice(JOB_TITLES),
        "employees": rng.choice((8, 45, 120, 600, 2500)),
        "sector": rng.choice(SECTORS),
        "country": "FR",
        "source": rng.choice(SOURCES),
        "temperature": rng.choice(TEMPERATURES),
    }


def _ascii(value: str) -> str:
    table = str.maketrans("éèêëàâîïôöûüçÉ", "eeeeaaiioouucE")
    return value.translate(table)


def lead_row(
    rng: random.Random,
    names: Names,
    index: int,
    *,
    owner_id: int,
    now: datetime,
    status: str | None = None,
) -> dict[str, Any]:
    """A ``lead`` table row as the service would have written it (Core insert, bulk)."""
    fields = lead_fields(rng, names, f"r{index}")
    if status is None:
        status = rng.choice(STATUSES) if rng.random() < 0.9 else "disqualified"
    created = now - timedelta(seconds=rng.randint(60, 365 * 86400))
    parts = (fields["first_name"], fields["last_name"], fields["company"], fields["email"])
    return {
        **fields,
        "email_key": fields["email"].casefold(),
        "kind": "sales",
        "status": status,
        "disqualification_reason": "no_budget" if status == "disqualified" else None,
        "owner_id": owner_id,
        "score": rng.randint(0, 100),
        "score_explanation": [],
        "ready_to_convert": False,
        "do_not_contact": False,
        "search_text": " ".join(parts).casefold(),
        "created_at": created,
        "updated_at": created,
        "assigned_at": created,
    }


def qualification_body() -> dict[str, Any]:
    """BANT answers that make a lead ready to convert under the default playbook."""
    return {
        "framework": "bant",
        "budget": {"status": "range", "min": "10000", "max": "50000"},
        "authority": "decision_maker",
        "need": {"text": "replace spreadsheets for the sales pipeline", "confirmed": True},
        "timing": {"horizon": "3_months"},
    }


def convert_body(company: str, today: date) -> dict[str, Any]:
    return {
        "opportunity": {
            "name": f"{company} pipeline",
            "amount": "25000",
            "expected_close_date": (today + timedelta(days=90)).isoformat(),
        }
    }
