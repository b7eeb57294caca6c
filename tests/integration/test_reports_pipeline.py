"""The pipeline and loss-reason reports (SPEC §16) on a generated history, checked against a
plain count of the same opportunities, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reports_history import PROBABILITY, History, Opp
from reports_history import expected_rate as rate

from bascule.analytics import reports
from bascule.analytics.reports import Query
from bascule.playbook.load import default_playbook
from bascule.storage.uow import Database

ZONE = ZoneInfo("Europe/Paris")
START, END = date(2026, 1, 1), date(2026, 4, 30)
STAGES = ("qualification", "discovery", "proposal", "negotiation", "won", "lost")


def closed_in_period(o: Opp) -> bool:
    return o.closed_at is not None and START <= o.closed_at.astimezone(ZONE).date() <= END


def key_of(o: Opp, group: str, *, closed: bool) -> Any:
    if group == "month":
        day = (
            o.closed_at.astimezone(ZONE).date() if closed and o.closed_at else o.expected_close_date
        )
        return day.strftime("%Y-%m")
    return {"none": None, "stage": o.stage, "owner": o.owner_id, "source": o.source,
            "type": o.type}[group]  # fmt: skip


def expected_pipeline(history: History, group: str) -> dict[Any, dict[str, Any]]:
    c: dict[Any, dict[str, float]] = defaultdict(lambda: defaultdict(int))
    for o in history.opps:
        if o.closed_at is None and START <= o.expected_close_date <= END:
            row = c[key_of(o, group, closed=False)]
            row["open_count"] += 1
            row["open_amount"] += o.amount
            row["weighted_amount"] += o.amount * PROBABILITY[o.stage] / 100
        elif closed_in_period(o):
            row = c[key_of(o, group, closed=True)]
            row[f"{o.stage}_count"] += 1
            row[f"{o.stage}_amount"] += o.amount
    return {key: pipeline_measures(row) for key, row in c.items()}


def pipeline_measures(row: dict[str, float]) -> dict[str, Any]:
    names = ("open_count", "open_amount", "weighted_amount", "won_count", "won_amount",
             "lost_count", "lost_amount")  # fmt: skip
    won, lost = row["won_count"], row["lost_count"]
    return {n: row[n] for n in names} | {"win_rate": rate(int(won), int(won + lost))}


@pytest.mark.parametrize("group", reports.GROUPS["pipeline"])
def test_pipeline_measures_equal_a_plain_count(
    database: Database, history: History, group: str
) -> None:
    with database.uow() as uow:
        found = reports.pipeline(
            uow, query=Query(START, END, group, "en"), playbook=default_playbook()
        )
    want = expected_pipeline(history, group)
    got = {row["key"]: {k: v for k, v in row.items() if k not in ("key", "label")}
           for row in found["rows"]}  # fmt: skip
    assert got == want
    total: dict[str, float] = defaultdict(int)
    for row in want.values():
        for name, value in row.items():
            if name != "win_rate":
                total[name] += value
    assert found["total"] == {"key": None, "label": "Total"} | pipeline_measures(total)
    if group == "stage":  # the playbook's order, labels in English
        assert [r["key"] for r in found["rows"]] == [s for s in STAGES if s in want]
        assert found["rows"][0]["label"] == "Advanced qualification"


def test_months_split_open_by_expected_close_and_closed_by_close(
    database: Database, history: History
) -> None:
    with database.uow() as uow:
        found = reports.pipeline(
            uow, query=Query(START, END, "month", "fr"), playbook=default_playbook()
        )
    assert [r["key"] for r in found["rows"]] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert found["rows"][3]["label"] == "avril 2026"
    # One row per month holds both what is expected to close then and what closed then.
    assert any(r["open_count"] and (r["won_count"] + r["lost_count"]) for r in found["rows"])


def expected_losses(history: History, group: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    closed = [o for o in history.opps if closed_in_period(o)]
    rows = []
    groups: dict[Any, list[Opp]] = defaultdict(list)
    for o in closed:
        groups[None if group == "none" else key_of(o, group, closed=True)].append(o)
    for g, members in groups.items():
        lost = [o for o in members if o.stage == "lost"]
        need = sum(o.loss_reason == "no_real_need" for o in lost)
        for reason in {o.loss_reason for o in lost}:
            mine = [o for o in lost if o.loss_reason == reason]
            row = {"key": reason} if group == "none" else {"key": g, "reason": reason}
            rows.append(row | {"count": len(mine), "amount": float(sum(o.amount for o in mine)),
                               "share": rate(len(mine), len(lost)),
                               "no_real_need_share": rate(need, len(members))})  # fmt: skip
    lost = [o for o in closed if o.stage == "lost"]
    total = {"count": len(lost), "amount": float(sum(o.amount for o in lost)),
             "share": rate(len(lost), len(lost)),
             "no_real_need_share": rate(sum(o.loss_reason == "no_real_need" for o in lost),
                                        len(closed))}  # fmt: skip
    return rows, total


@pytest.mark.parametrize("group", reports.GROUPS["loss-reasons"])
def test_loss_reasons_equal_a_plain_count(database: Database, history: History, group: str) -> None:
    with database.uow() as uow:
        found = reports.loss_reasons(uow, query=Query(START, END, group, "en"),
                                     playbook=default_playbook())  # fmt: skip
    rows, total = expected_losses(history, group)
    drop = ("label", "reason_label")
    got = [{k: v for k, v in r.items() if k not in drop} for r in found["rows"]]
    assert sorted(got, key=repr) == sorted(rows, key=repr)
    assert found["total"] == {"key": None, "label": "Total"} | total
    assert found["no_real_need_share"] == total["no_real_need_share"]
    assert total["no_real_need_share"] is not None and total["no_real_need_share"] > 0
    if group == "none":
        assert [r["count"] for r in found["rows"]] == sorted(
            (r["count"] for r in rows), reverse=True
        )
        labels = {r["key"]: r["label"] for r in found["rows"]}
        assert labels["no_real_need"] == "No real need"


def test_an_empty_period_has_no_rows_and_null_rates(database: Database, history: History) -> None:
    quiet = Query(date(2020, 1, 1), date(2020, 1, 31), "none", "en")
    with database.uow() as uow:
        pb = default_playbook()
        losses = reports.loss_reasons(uow, query=quiet, playbook=pb)
        pipeline = reports.pipeline(uow, query=quiet, playbook=pb)
    assert losses["rows"] == [] and losses["total"]["share"] is None
    assert losses["no_real_need_share"] is None
    assert pipeline["rows"] == [] and pipeline["total"]["win_rate"] is None
    assert pipeline["total"]["open_amount"] == 0
