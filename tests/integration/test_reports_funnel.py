"""The funnel report (SPEC §16) on a generated history, checked against a plain count of the
same rows, on SQLite and PostgreSQL: cohort by creation day in the playbook's zone, a status
reached when the history holds it or a later one, requalified and recycled leads once."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reports_history import History, Lead, generate, write
from reports_history import expected_rate as rate
from sqlalchemy import Engine

from bascule.analytics import reports
from bascule.analytics.reports import Query
from bascule.playbook.load import default_playbook
from bascule.storage.uow import Database

ZONE = ZoneInfo("Europe/Paris")
START, END = date(2026, 1, 1), date(2026, 3, 31)
RANK = {"contacted": 1, "mql": 2, "sql": 3, "converted": 4}
SEGMENTS = ((1, 9, "1-9"), (10, 49, "10-49"), (50, 249, "50-249"), (250, 10**9, "250+"))


def reached(lead: Lead) -> int:
    return max(RANK.get(s or "", 0) for row in lead.history for s in row[:2])


def group_of(lead: Lead, group: str) -> Any:
    if group == "month":
        return lead.created_at.astimezone(ZONE).strftime("%Y-%m")
    if group == "segment":
        size = lead.employees
        return next((k for lo, hi, k in SEGMENTS if size is not None and lo <= size <= hi), None)
    return {"none": None, "source": lead.source, "campaign": lead.campaign,
            "owner": lead.owner_id}[group]  # fmt: skip


def expected(history: History, group: str) -> dict[Any, dict[str, Any]]:
    outcome = {o.id: o.stage for o in history.opps}
    counts: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for lead in history.leads:
        if not START <= lead.created_at.astimezone(ZONE).date() <= END:
            continue
        c = counts[group_of(lead, group)]
        step = reached(lead)
        c["leads"] += 1
        c["mql"] += step >= 2
        c["sql"] += step >= 3
        c["opportunities"] += step >= 4
        stage = outcome.get(lead.opportunity_id or 0)
        c["won"] += step >= 4 and stage == "won"
        c["lost"] += step >= 4 and stage == "lost"
    return {key: measures(c) for key, c in counts.items()}


def measures(c: dict[str, int]) -> dict[str, Any]:
    names = ("leads", "mql", "sql", "opportunities", "won", "lost")
    return {n: c[n] for n in names} | {
        "mql_rate": rate(c["mql"], c["leads"]),
        "mql_to_sql": rate(c["sql"], c["mql"]),
        "sql_to_opportunity": rate(c["opportunities"], c["sql"]),
        "opportunity_to_won": rate(c["won"], c["opportunities"]),
        "lead_to_won": rate(c["won"], c["leads"]),
    }


@pytest.mark.parametrize("group", reports.GROUPS["funnel"])
def test_every_measure_of_every_group_equals_a_plain_count(
    database: Database, history: History, group: str
) -> None:
    with database.uow() as uow:
        found = reports.funnel(
            uow, query=Query(START, END, group, "en"), playbook=default_playbook()
        )
    want = expected(history, group)
    got = {row["key"]: {k: v for k, v in row.items() if k not in ("key", "label")}
           for row in found["rows"]}  # fmt: skip
    assert got == want
    totals: dict[str, int] = defaultdict(int)
    for row in want.values():
        for name in ("leads", "mql", "sql", "opportunities", "won", "lost"):
            totals[name] += row[name]
    assert found["total"] == {"key": None, "label": "Total"} | measures(totals)


def test_the_history_exercises_what_the_definitions_are_about(history: History) -> None:
    """Guard on the generator: the cases the rules are written for are all present."""
    in_cohort = [d for d in history.leads if START <= d.created_at.astimezone(ZONE).date() <= END]
    statuses = [[to for _, to, _ in d.history] for d in in_cohort]
    assert sum(s.count("mql") >= 2 for s in statuses) >= 3  # requalified or recycled
    assert sum("disqualified" in s and s[-1] != "disqualified" for s in statuses) >= 3  # recycled
    assert sum("sql" in s and "mql" not in s for s in statuses) >= 2  # a gap before sql
    assert sum(s == ["converted"] for s in statuses) >= 1  # converted, nothing before
    months = {d.created_at.astimezone(ZONE).strftime("%Y-%m") for d in in_cohort}
    assert months == {"2026-01", "2026-02", "2026-03"}


def test_labels_follow_the_language(database: Database, history: History) -> None:
    with database.uow() as uow:
        pb = default_playbook()
        fr = reports.funnel(uow, query=Query(START, END, "month", "fr"), playbook=pb)
        en = reports.funnel(uow, query=Query(START, END, "owner", "en"), playbook=pb)
    assert [r["label"] for r in fr["rows"]] == ["janvier 2026", "février 2026", "mars 2026"]
    assert [r["label"] for r in en["rows"]] == ["Owner 1", "Owner 2", "Owner 3", "No owner"]


def test_a_lead_created_just_before_midnight_in_paris_belongs_to_that_day(
    database: Database, db: Engine
) -> None:
    """22:30 UTC on 31 March is 00:30 on 1 April in Paris (summer time): April's cohort."""
    data = generate(n=1)
    data.leads[0].created_at = datetime(2026, 3, 31, 22, 30, tzinfo=UTC)
    data.leads[0].history = [(None, "new", data.leads[0].created_at)]
    data.leads[0].opportunity_id = None
    data.opps = []
    write(db, data)
    with database.uow() as uow:
        pb = default_playbook()
        march = reports.funnel(uow, query=Query(START, END, "none", "en"), playbook=pb)
        april = reports.funnel(uow, query=Query(date(2026, 4, 1), date(2026, 4, 1)), playbook=pb)
    assert march["total"]["leads"] == 0
    assert april["total"]["leads"] == 1
    assert april["rows"][0]["key"] is None and april["rows"][0]["label"] == "Tous"
