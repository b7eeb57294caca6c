"""History imports (SPEC §16) on both databases: the Maven CRM pipeline against a plain count
of its CSV, generated messy lead histories against a plain-Python funnel, Salesforce and
HubSpot exports, owners, re-imports and undo."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bascule.analytics import reports
from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DATA = Path("/work/shared/data")
MAVEN = DATA / "maven_crm" / "sales_pipeline.csv"


def run(database: Database, actor: Actor, content: bytes, name: str = "file.csv", **options: object):
    return imports.run(
        database,
        io.BytesIO(content),
        options=imports.ImportOptions(name, **options),  # type: ignore[arg-type]
        actor=actor,
        playbook=playbooks.active(database, max_age=0),
        now=NOW,
        chunk_rows=500,
    )[0]


def errors(database: Database, batch: t.ImportBatch) -> list[tuple[int, str | None, str, bool]]:
    with database.uow() as uow:
        return [
            (e.row_number, e.field, e.reason, e.rejected)
            for e in imports.first_errors(uow, batch.id, limit=10_000)
        ]


@pytest.mark.skipif(not MAVEN.exists(), reason="shared data not present")
def test_maven_pipeline_win_rate_by_owner_and_won_amount_by_month_match_the_csv(
    database, actor, count
):
    content = MAVEN.read_bytes()
    batch = run(database, actor, content, "sales_pipeline.csv", object="opportunities",
                create_owners=True, value_map={"stage": {"Engaging": "discovery"}})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert (batch.status, batch.rows_created, batch.rows_rejected) == ("done", len(rows), 0)
    assert count(t.Opportunity) == len(rows)
    assert count(t.User, t.User.import_id == batch.id) == len({r["sales_agent"] for r in rows})

    # plain count of the CSV
    won, lost = Counter[str](), Counter[str]()
    won_by_month: defaultdict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["deal_stage"] == "Won":
            won[r["sales_agent"]] += 1
            won_by_month[r["close_date"][:7]] += Decimal(r["close_value"])
        elif r["deal_stage"] == "Lost":
            lost[r["sales_agent"]] += 1
    playbook = playbooks.active(database, max_age=0)
    with database.uow() as uow:
        names = dict(uow.session.execute(select(t.User.id, t.User.name)).all())
        by_owner = reports.pipeline(
            uow, query=reports.Query(date(2016, 1, 1), date(2018, 12, 31), "owner", "en"),
            playbook=playbook,
        )  # fmt: skip
        by_month = reports.pipeline(
            uow, query=reports.Query(date(2016, 1, 1), date(2018, 12, 31), "month", "en"),
            playbook=playbook,
        )  # fmt: skip
    rates = {names[row["key"]]: row["win_rate"] for row in by_owner["rows"] if row["key"]}
    expected = {a: round(won[a] / (won[a] + lost[a]), 4) for a in won.keys() | lost.keys()}
    assert rates == expected
    amounts = {row["key"]: row["won_amount"] for row in by_month["rows"] if row["won_amount"]}
    assert amounts == {m: float(v) for m, v in won_by_month.items()}
    assert by_owner["total"]["won_count"] == sum(won.values())

    # the same file again updates every deal, duplicates none
    again = run(database, actor, content, "sales_pipeline.csv", object="opportunities",
                create_owners=True, value_map={"stage": {"Engaging": "discovery"}})  # fmt: skip
    assert (again.rows_created, again.rows_updated) == (0, len(rows))
    assert count(t.Opportunity) == len(rows)
