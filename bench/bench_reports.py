"""SPEC §16 reports over a large generated history (issue #13): funnel, pipeline and
stage-time reports, each against one hand-written SQL query giving the same numbers, with the
query plans of the report's main statement.

    .venv/bin/python bench/bench_reports.py [--db sqlite|postgresql|both] [--leads 1000000]
                                            [--sqlite-leads 1000000] [--repeats 3]

For each database: a throw-away database and ``--leads`` leads (``--sqlite-leads`` on SQLite)
created over 2025, generated in SQL (a recursive counter, identical on both databases): every
lead a ``new`` row, 70 % contacted, 30 % mql, 15 % sql, 5 % converted (an opportunity each:
a quarter won, a quarter lost, the rest open), 10 % disqualified; about 2.3 history rows per
lead. Then ``ANALYZE``. Each report runs over the whole year (every lead in the cohort: the
worst case), the median of ``--repeats`` runs, against the median of the baseline; the numbers
of both are compared (the bench stops if they differ). Targets: ratio <= 1.5, <= 2 s on
PostgreSQL.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import event, text

from _support.common import console, figures_table, parse_args, run_context, throwaway_database
from _support.common import selected as selected_databases
from bascule.analytics import reports
from bascule.analytics.reports import Query
from bascule.playbook.load import default_playbook
from bascule.storage.migrate import upgrade
from bascule.storage.uow import Database

START, END = date(2025, 1, 1), date(2025, 12, 31)
NOW = datetime(2026, 1, 15, tzinfo=UTC)
H = "((id * 2654435761) % 1000)"  # a fixed pseudo-random draw per lead, 0-999


def _gen(sqlite: bool, n: int) -> list[str]:
    """INSERT ... SELECT statements writing the history, per dialect (timestamps only)."""
    def at(days: str) -> str:
        if sqlite:
            return (f"datetime('2025-01-01', '+' || ((id * 37) % 524160) || ' minutes', "
                    f"'+' || ({days}) || ' days') || '.000000'")  # fmt: skip
        return (f"timestamp '2025-01-01' + ((id * 37) % 524160) * interval '1 minute' "
                f"+ ({days}) * interval '1 day'")  # fmt: skip

    counter = f"WITH RECURSIVE c(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM c WHERE id < {n})"
    false, true = ("0", "1") if sqlite else ("false", "true")
    status = (f"CASE WHEN {H} < 50 THEN 'converted' WHEN {H} < 150 THEN 'sql' WHEN {H} < 300 "
              f"THEN 'mql' WHEN {H} < 700 THEN 'contacted' WHEN {H} < 800 THEN 'disqualified' "
              "ELSE 'new' END")  # fmt: skip
    sources = "CASE id % 4 WHEN 0 THEN 'web_form' WHEN 1 THEN 'referral' WHEN 2 THEN 'trade_show' ELSE 'demo_request' END"  # noqa: E501
    steps = [("NULL", "'new'", "0", "1=1"), ("'new'", "'contacted'", "1", f"{H} < 700"),
             ("'contacted'", "'mql'", "3", f"{H} < 300"), ("'mql'", "'sql'", "6", f"{H} < 150"),
             ("'sql'", "'converted'", "10", f"{H} < 50"),
             ("'new'", "'disqualified'", "2", f"{H} >= 700 AND {H} < 800")]  # fmt: skip
    final = "CASE id % 4 WHEN 0 THEN 'won' WHEN 1 THEN 'lost' WHEN 2 THEN 'proposal' ELSE 'qualification' END"  # noqa: E501
    prob = "CASE id % 4 WHEN 0 THEN 100 WHEN 1 THEN 0 WHEN 2 THEN 50 ELSE 10 END"
    statements = [
        "INSERT INTO account (id, name, name_key, is_customer, created_at, updated_at) "
        f"VALUES (1, 'Acme', 'acme', {false}, {at('0').replace('id', '1')}, "
        f"{at('0').replace('id', '1')})",
        f"{counter} INSERT INTO lead (id, source, campaign, kind, status, owner_id, employees, "
        "score, score_explanation, ready_to_convert, do_not_contact, search_text, created_at, "
        f"updated_at) SELECT id, {sources}, 'c' || (id % 7), 'sales', {status}, NULL, "
        f"(id % 300), 0, '[]', {false}, {false}, '', {at('0')}, {at('0')} FROM c",
    ]
    for before, to, days, cond in steps:
        statements.append(
            f"{counter} INSERT INTO lead_status_history (lead_id, from_status, to_status, "
            f"changed_at, kind) SELECT id, {before}, {to}, {at(days)}, 'progress' FROM c "
            f"WHERE {cond}"
        )
    statements += [
        f"{counter} INSERT INTO opportunity (id, name, name_key, account_id, amount, currency, "
        "expected_close_date, stage, probability, type, lead_source, lead_id, loss_reason, "
        "is_closed, is_won, closed_at, created_at, updated_at) SELECT id, 'P' || id, 'p' || id, "
        f"1, 1000 * (id % 90 + 1), 'EUR', {'date(' if sqlite else 'CAST('}{at('70')}"
        f"{')' if sqlite else ' AS date)'}, {final}, {prob}, 'new_business', 'web_form', id, "
        f"CASE WHEN id % 4 = 1 THEN 'no_real_need' END, id % 4 < 2, id % 4 = 0, "
        f"CASE WHEN id % 4 < 2 THEN {at('50')} END, {at('10')}, {at('10')} FROM c "
        f"WHERE {H} < 50",
        "INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, "
        "probability, amount, changed_at) SELECT id, NULL, 'qualification', 10, amount, "
        "created_at FROM opportunity",
        "INSERT INTO opportunity_stage_history (opportunity_id, from_stage, to_stage, "
        f"probability, amount, changed_at) SELECT id, 'qualification', stage, probability, "
        f"amount, COALESCE(closed_at, created_at + {'0' if sqlite else 'interval '''0 day''''}) "
        "FROM opportunity WHERE stage <> 'qualification'",
        f"UPDATE lead SET opportunity_id = id WHERE {H} < 50",
    ]
    if sqlite:  # the proposal stage of open ones: a day after creation
        statements[-2] = statements[-2].replace(
            "COALESCE(closed_at, created_at + 0)",
            "COALESCE(closed_at, datetime(created_at, '+1 days') || '.000000')",
        )
    else:
        statements[-2] = statements[-2].replace(
            "created_at + interval '0 day'", "created_at + interval '1 day'"
        )
    return [s.replace("{true}", true) for s in statements]
