"""Where each number of a report page leads: the lead or opportunity list with the filters that
select the records behind it. Pure: the report's period, grouping and row in, a URL out.

The parameters are named like the API's list filters (``status``, ``source``, ``owner``,
``stage``, ``type``) plus the period and history filters the lists take for reports:

- leads: ``created_from``/``created_to`` (creation day, the cohort), ``campaign``,
  ``employees_min``/``employees_max`` (a size segment), ``reached`` (mql, sql, converted: the
  history holds that status or a later one), ``outcome`` (won, lost: of the lead's
  opportunity), ``stalled=true`` with ``status``;
- opportunities: ``is_closed``, ``expected_close_from``/``expected_close_to``,
  ``closed_from``/``closed_to``, ``loss_reason``, ``stalled=true`` with ``stage``.

A group without a value (no owner, no campaign, unknown size) is asked as ``none``."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any
from urllib.parse import urlencode

LEADS, OPPORTUNITIES = "/leads", "/opportunities"
TOTAL = "total"  # the group of a report's total: every record of the period
# Funnel measure → what a lead must have reached for it.
REACHED = {"mql": "mql", "sql": "sql", "opportunities": "converted"}
OUTCOMES = {"won": "won", "lost": "lost"}


def url(path: str, params: dict[str, Any]) -> str:
    kept = {k: v for k, v in params.items() if v is not None}
    return f"{path}?{urlencode(kept)}" if kept else path


def _value(key: Any) -> Any:
    return "none" if key is None else key


def month_bounds(key: str, start: date, end: date) -> tuple[date, date]:
    """The days of month ``YYYY-MM`` inside the period."""
    year, month = (int(part) for part in key.split("-"))
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    return max(first, start), min(last, end)


def segment(key: Any) -> dict[str, Any]:
    if key is None:
        return {"employees": "none"}
    low, _, high = str(key).rstrip("+").partition("-")
    return {"employees_min": low, "employees_max": high or None}


# --- funnel -----------------------------------------------------------------------------------


def funnel(group: str, key: Any, measure: str, start: date, end: date) -> str:
    """The leads of the cohort (and group) counted by ``measure``."""
    params: dict[str, Any] = {"created_from": start.isoformat(), "created_to": end.isoformat()}
    if group == "month" and key is not None:
        first, last = month_bounds(key, start, end)
        params |= {"created_from": first.isoformat(), "created_to": last.isoformat()}
    elif group == "segment":
        params |= segment(key)
    elif group == "owner":
        params["owner"] = _value(key)
    elif group in ("source", "campaign"):
        params[group] = _value(key)
    if measure in REACHED:
        params["reached"] = REACHED[measure]
    if measure in OUTCOMES:
        params |= {"reached": "converted", "outcome": OUTCOMES[measure]}
    return url(LEADS, params)


# --- pipeline and losses ----------------------------------------------------------------------


def _opportunity_group(group: str, key: Any) -> dict[str, Any]:
    if group == "owner":
        return {"owner": _value(key)}
    if group == "source":
        return {"source": _value(key)}
    if group in ("stage", "type"):
        return {group: key}
    return {}


def pipeline(group: str, key: Any, measure: str, start: date, end: date, stages: Any) -> str:
    """``measure`` is ``open``, ``won`` or ``lost``; ``stages`` the playbook's won and lost
    stage keys as (won, lost)."""
    won_stage, lost_stage = stages
    params = _opportunity_group(group, key)
    first, last = start, end
    if group == "month" and key is not None:
        first, last = month_bounds(key, start, end)
    if measure == "open":
        params |= {"is_closed": "false", "expected_close_from": first.isoformat(),
                   "expected_close_to": last.isoformat()}  # fmt: skip
    else:
        params |= {"stage": won_stage if measure == "won" else lost_stage,
                   "closed_from": first.isoformat(), "closed_to": last.isoformat()}  # fmt: skip
    return url(OPPORTUNITIES, params)


def losses(group: str, key: Any, reason: Any, start: date, end: date, lost_stage: str) -> str:
    params = _opportunity_group(group, key) | {
        "stage": lost_stage,
        "loss_reason": None if group == TOTAL else _value(reason),
        "closed_from": start.isoformat(),
        "closed_to": end.isoformat(),
    }
    return url(OPPORTUNITIES, params)


# --- time in each status or stage -------------------------------------------------------------


def stays(pipeline_name: str, key: str | None, stalled: bool) -> str:
    """The leads in status ``key`` now (or the opportunities in stage ``key``)."""
    if pipeline_name == "lead":
        return url(LEADS, {"status": key, "stalled": "true" if stalled else None})
    return url(OPPORTUNITIES, {"stage": key, "stalled": "true" if stalled else None})


def cohort(start: date, end: date) -> str:
    """The leads created in the period (a back-test's cohort)."""
    return url(LEADS, {"created_from": start.isoformat(), "created_to": end.isoformat()})
