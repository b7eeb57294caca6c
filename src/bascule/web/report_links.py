"""Where each number of a report page leads: the lead or opportunity list with the filters that
select the records behind it. Pure: the report's period, grouping and row in, a URL out.

The parameters are the lists' own filters (``GET /api/v1/leads`` and ``/opportunities`` and
their pages read them with one parser each, ``leads.listing`` and ``opportunities.listing``),
and each means what the report counts (``analytics.conditions`` builds them from the reports'
own definitions):

- leads: ``created_from``/``created_to`` (creation day, the cohort), ``source``, ``campaign``,
  ``owner``, ``segment`` (a funnel size segment), ``reached`` (mql, sql, converted: the
  history holds that status or a later one), ``outcome`` (won, lost: of the converted lead's
  opportunity), ``status`` with ``stalled=true``;
- opportunities: ``state`` (open, won, lost, all), ``expected_close_from``/``_to``,
  ``closed_from``/``_to``, ``stage``, ``type``, ``source``, ``owner``, ``loss_reason``,
  ``stalled=true``.

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


# --- funnel -----------------------------------------------------------------------------------


def funnel(group: str, key: Any, measure: str, start: date, end: date) -> str:
    """The leads of the cohort (and group) counted by ``measure``."""
    params: dict[str, Any] = {"created_from": start.isoformat(), "created_to": end.isoformat()}
    if group == "month" and key is not None:
        first, last = month_bounds(key, start, end)
        params |= {"created_from": first.isoformat(), "created_to": last.isoformat()}
    elif group in ("segment", "owner", "source", "campaign"):
        params[group] = _value(key)
    if measure in REACHED:
        params["reached"] = REACHED[measure]
    if measure in OUTCOMES:  # an outcome is of a converted lead's opportunity
        params["outcome"] = OUTCOMES[measure]
    return url(LEADS, params)


# --- pipeline and losses ----------------------------------------------------------------------


def _opportunity_group(group: str, key: Any) -> dict[str, Any]:
    if group in ("owner", "source", "stage", "type"):
        return {group: _value(key)}
    return {}


def pipeline(group: str, key: Any, measure: str, start: date, end: date) -> str:
    """``measure`` is ``open`` (open now, expected to close in the period) or ``won`` or
    ``lost`` (closed in the period)."""
    params = {"state": measure} | _opportunity_group(group, key)
    first, last = start, end
    if group == "month" and key is not None:
        first, last = month_bounds(key, start, end)
    if measure == "open":
        params |= {"expected_close_from": first.isoformat(), "expected_close_to": last.isoformat()}
    else:
        params |= {"closed_from": first.isoformat(), "closed_to": last.isoformat()}
    return url(OPPORTUNITIES, params)


def losses(group: str, key: Any, reason: Any, start: date, end: date) -> str:
    params = (
        {"state": "lost"}
        | _opportunity_group(group, key)
        | {
            "loss_reason": None if group == TOTAL else _value(reason),
            "closed_from": start.isoformat(),
            "closed_to": end.isoformat(),
        }
    )
    return url(OPPORTUNITIES, params)


# --- time in each status or stage -------------------------------------------------------------


def stays(pipeline_name: str, key: str | None, stalled: bool) -> str:
    """The leads in status ``key`` now (or the opportunities in stage ``key``)."""
    flag = "true" if stalled else None
    if pipeline_name == "lead":
        return url(LEADS, {"status": key, "stalled": flag})
    # Every stage, closed ones too: the list shows the open pipeline unless told otherwise.
    return url(OPPORTUNITIES, {"stage": key, "state": "all", "stalled": flag})


def cohort(start: date, end: date) -> str:
    """The leads created in the period (a back-test's cohort)."""
    return url(LEADS, {"created_from": start.isoformat(), "created_to": end.isoformat()})
