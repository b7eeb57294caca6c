"""The stage-time report (SPEC §16) on a generated history, checked against stays computed in
plain Python (numpy's linear percentile, PostgreSQL's ``percentile_cont``), on SQLite and
PostgreSQL: the same figures from ``percentile_cont`` and from ranked durations."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy
import pytest
from reports_history import NOW, History

from bascule.analytics import reports
from bascule.analytics.reports import Query
from bascule.playbook.load import default_playbook
from bascule.playbook.schema import Playbook
from bascule.storage.uow import Database

ZONE = ZoneInfo("Europe/Paris")
START, END = date(2026, 1, 1), date(2026, 3, 31)
Rows = list[tuple[str | None, str, datetime]]


def in_period(at: datetime) -> bool:
    return START <= at.astimezone(ZONE).date() <= END


def expected(records: list[Rows], keys: tuple[str, ...], stall: dict[str, float]) -> dict[str, Any]:
    got: dict[str, dict[str, Any]] = {k: defaultdict(int) for k in keys}
    hours: dict[str, list[float]] = defaultdict(list)
    for rows in records:
        changes = [(to, at) for before, to, at in rows if before != to]
        for i, (status, at) in enumerate(changes):
            row = got[status]
            row["entered"] += in_period(at)
            if i + 1 < len(changes):
                left = changes[i + 1][1]
                if in_period(left):
                    row["left"] += 1
                    hours[status].append((left - at).total_seconds() / 3600)
            else:
                row["current"] += 1
                limit = stall.get(status)
                row["stalled"] += limit is not None and at < NOW - timedelta(days=limit)
    answer = {}
    for key in keys:
        spread = hours[key]
        answer[key] = {
            "entered": got[key]["entered"],
            "left": got[key]["left"],
            "median_hours": round(float(numpy.percentile(spread, 50)), 2) if spread else None,
            "p90_hours": round(float(numpy.percentile(spread, 90)), 2) if spread else None,
            "current": got[key]["current"],
            "stalled": got[key]["stalled"],
        }
    return answer


def close(found: dict[str, Any], want: dict[str, Any]) -> None:
    for key, row in want.items():
        mine = {k: v for k, v in found[key].items() if k not in ("key", "label")}
        for name in ("median_hours", "p90_hours"):  # the last cent may round either way
            if row[name] is not None:
                assert mine[name] == pytest.approx(row[name], abs=0.011), (key, name)
                mine[name] = row[name]
        assert mine == row, key


def playbook_with(**analytics: Any) -> Playbook:
    base = default_playbook()
    return base.model_copy(update={"analytics": base.analytics.model_validate(analytics)})


def test_lead_statuses(database: Database, history: History) -> None:
    pb = playbook_with(lead_stall_days=20, stall_days={"sql": 5})
    with database.uow() as uow:
        found = reports.stage_times(uow, query=Query(START, END, locale="en"), pipeline="lead",
                                    playbook=pb, now=NOW)  # fmt: skip
    keys = ("new", "contacted", "nurturing", "mql", "sql", "converted", "disqualified")
    stall = dict.fromkeys(("new", "contacted", "nurturing", "mql"), 20.0) | {"sql": 5.0}
    want = expected([d.history for d in history.leads], keys, stall)
    assert [r["key"] for r in found["rows"]] == list(keys)
    close({r["key"]: r for r in found["rows"]}, want)
    assert found["rows"][0]["label"] == "New lead"
    assert sum(r["stalled"] for r in want.values()) > 0
    assert found["total"]["entered"] == sum(r["entered"] for r in want.values())
    assert found["total"]["median_hours"] is None


def test_opportunity_stages(database: Database, history: History) -> None:
    pb = playbook_with(opportunity_stall_days=40)
    with database.uow() as uow:
        found = reports.stage_times(uow, query=Query(START, END, locale="fr"),
                                    pipeline="opportunity", playbook=pb, now=NOW)  # fmt: skip
    keys = ("qualification", "discovery", "proposal", "negotiation", "won", "lost")
    stall = dict.fromkeys(keys[:4], 40.0)
    want = expected([o.stages for o in history.opps], keys, stall)
    close({r["key"]: r for r in found["rows"]}, want)
    assert found["rows"][1]["label"] == "Découverte / cadrage"
    assert found["pipeline"] == "opportunity"


def test_an_unknown_stall_key_is_refused() -> None:
    with pytest.raises(ValueError, match=r"analytics\.stall_days: not a status or stage: signed"):
        default_playbook().model_validate(
            default_playbook().model_dump() | {"analytics": {"stall_days": {"signed": 3}}}
        )
