"""Query plans of the lead lists as the API sends them, and leads generated in bulk by SQL.

``list_statements`` runs one list request through the app in this process and keeps the
SELECT that reads the page (the statement and its parameters, exactly as sent); ``explain``
shows its plan (PostgreSQL ``EXPLAIN (ANALYZE, BUFFERS)``, SQLite ``EXPLAIN QUERY PLAN``) and
says whether the database sorted rows to find the page, and how many.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, text

from _support.common import FIRST_NAMES, JOB_TITLES, LAST_NAMES, SECTORS, SOURCES, STATUSES

# The list requests whose plans are checked: what the UI and API clients ask most.
LIST_REQUESTS: dict[str, dict[str, str]] = {
    "plain": {"page_size": "10"},
    "status": {"status": "new", "page_size": "10"},
    "source": {"source": "web_form", "page_size": "10"},
    "status+source": {"status": "new", "source": "web_form", "page_size": "10"},
    "owner": {"owner": "{owner}", "page_size": "10"},
    "owner+status": {"owner": "{owner}", "status": "mql", "page_size": "10"},
    "q": {"q": LAST_NAMES[3], "page_size": "10"},
}


@dataclass(frozen=True)
class Captured:
    statement: str
    parameters: Any


@dataclass(frozen=True)
class Plan:
    lines: list[str]
    sorted_rows: int | None  # rows fed to a sort node; None: no sort at all
    verdict: str


def list_statement(client: Any, engine: Engine, params: Mapping[str, str]) -> Captured:
    """The SELECT reading the page of ``GET /api/v1/leads?params``, as the app sent it."""
    seen: list[Captured] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM lead" in statement and "ORDER BY" in statement and "LIMIT" in statement:
            seen.append(Captured(statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get("/api/v1/leads", params=dict(params))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if response.status_code != 200 or len(seen) != 1:
        raise SystemExit(f"list {params}: HTTP {response.status_code}, {len(seen)} page reads")
    return seen[0]


def explain(engine: Engine, captured: Captured) -> Plan:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + captured.statement, captured.parameters
            ).all()
            conn.rollback()
            lines = [str(row[-1]) for row in rows]
            sorts = any("TEMP B-TREE FOR ORDER BY" in line for line in lines)
            verdict = "sorts the matches (temp b-tree)" if sorts else "index order, no sort"
            return Plan(lines, None, verdict)
        prefix = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
        document = conn.exec_driver_sql(prefix + captured.statement, captured.parameters)
        tree = document.scalar_one()
        prefix = "EXPLAIN (ANALYZE, BUFFERS) "
        lines = [
            str(row[0])
            for row in conn.exec_driver_sql(prefix + captured.statement, captured.parameters)
        ]
        conn.rollback()
    root = (json.loads(tree) if isinstance(tree, str) else tree)[0]["Plan"]
    sorted_rows = _rows_sorted(root)
    if sorted_rows is None:
        verdict = "index order, no sort"
    else:
        verdict = f"sorts {sorted_rows} matching rows"
    return Plan(lines, sorted_rows, verdict)


def _rows_sorted(node: dict[str, Any]) -> int | None:
    """Rows entering the sort nodes of the page's plan (the count subquery sorts nothing)."""
    found: int | None = None
    for child in _walk(node):
        if child.get("Node Type") in ("Sort", "Incremental Sort"):
            fed = sum(int(c.get("Actual Rows", 0)) for c in child.get("Plans", []))
            found = (found or 0) + fed
    return found


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


# --- leads in bulk, by SQL ----------------------------------------------------------------------


def _pick(values: tuple[Any, ...], index: str) -> str:
    """A CASE choosing ``values[index % len]``: portable (SQLite has no arrays)."""
    quoted = [
        str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'" for v in values
    ]
    whens = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(quoted))
    return f"(CASE ({index}) % {len(values)} {whens} END)"


def generate_leads(engine: Engine, count: int, *, owners: list[int], start: int = 0) -> None:
    """``count`` leads written by one INSERT ... SELECT over a number series, as the service
    would leave them (open statuses mostly, created over the last year, spread over owners).
    Row ``i``'s values come from ``i`` mixed by large primes, so neighbours differ."""
    sqlite = engine.dialect.name == "sqlite"
    i = "g.i"

    def mixed(prime: int) -> str:
        return f"(({i} * {prime}) % 1000003)"

    statuses = (*STATUSES, *STATUSES, "disqualified")  # 1 in 17 disqualified
    first, last = _pick(FIRST_NAMES, mixed(7919)), _pick(LAST_NAMES, mixed(104729))
    company = f"('co' || ({mixed(15485863)} % 50000))"
    email = f"'lead' || {i} || '@' || {company} || '.example.com'"
    status = _pick(statuses, mixed(32452843))
    age = f"({mixed(49979687)} * 31)"  # seconds, up to a year ago, in a shuffled order
    if sqlite:
        series = (
            "WITH RECURSIVE g(i) AS (SELECT :start UNION ALL SELECT i + 1 FROM g "
            "WHERE i < :stop - 1) "
        )
        source = "g"
        created = f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || {age} || ' seconds')"
        false = "0"
    else:
        series = ""
        source = "generate_series(CAST(:start AS bigint), :stop - 1) AS g(i)"
        created = f"timezone('UTC', now()) - make_interval(secs => {age})"
        false = "false"
    owner = _pick(tuple(owners), mixed(122949823))
    job, sector = _pick(JOB_TITLES, mixed(179424673)), _pick(SECTORS, mixed(86028121))
    source_ = _pick(SOURCES, mixed(67867967))
    sql = f"""
        {series}INSERT INTO lead (first_name, last_name, email, email_key, company, job_title,
            sector, country, source, kind, status, owner_id, score, score_explanation,
            ready_to_convert, do_not_contact, search_text, created_at, updated_at, assigned_at,
            failed_attempts, conversion_overdue)
        SELECT f, l, e, e, c, {job}, {sector}, 'FR', {source_}, 'sales', {status}, {owner},
            ({mixed(373587883)} % 101), '[]', {false}, {false},
            lower(f || ' ' || l || ' ' || c || ' ' || e), cr, cr, cr, 0, {false}
        FROM (SELECT {i} AS i, {first} AS f, {last} AS l, {email} AS e, {company} AS c,
                     {created} AS cr
              FROM {source}) AS g
    """
    with engine.begin() as conn:
        conn.execute(text(sql), {"start": start, "stop": start + count})
