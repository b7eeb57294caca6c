"""The reports' arithmetic, pure: no session, no clock, no playbook file.

Counts come from SQL (``queries``, ``stage_times``); here they become the measures of SPEC §16
(rates as fractions 0–1, ``None`` when the denominator is 0; amounts as numbers rounded to the
cent), and the period becomes the month buckets the SQL groups by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

# SPEC §16: a lead *reached* a status if its history holds it or a later one of this order.
# nurturing and disqualified are side roads, not steps: they rank with new (0).
LEAD_STEPS = ("new", "contacted", "mql", "sql", "converted")
STEP_RANK = {status: rank for rank, status in enumerate(LEAD_STEPS)}

FUNNEL_COUNTS = ("leads", "mql", "sql", "opportunities", "won", "lost")
PIPELINE_COUNTS = (
    "open_count", "open_amount", "weighted_amount",
    "won_count", "won_amount", "lost_count", "lost_amount",
)  # fmt: skip
RATES = frozenset({"mql_rate", "mql_to_sql", "sql_to_opportunity", "opportunity_to_won",
                   "lead_to_won", "win_rate", "share", "no_real_need_share"})  # fmt: skip
AMOUNTS = frozenset({"open_amount", "weighted_amount", "won_amount", "lost_amount", "amount"})


def rate(part: float, whole: float) -> float | None:
    return None if not whole else round(part / whole, 4)


def money(value: Any) -> float:
    """A sum of amounts (Decimal on PostgreSQL, float on SQLite, None for no row), in cents."""
    return round(float(value or 0), 2)


def add(lines: Iterable[Mapping[str, Any]], names: Sequence[str]) -> dict[str, Any]:
    """The sum of ``names`` over ``lines``: counts and amounts are additive across groups."""
    total: dict[str, Any] = dict.fromkeys(names, 0)
    for line in lines:
        for name in names:
            total[name] += line.get(name) or 0
    return {n: money(v) if n in AMOUNTS else v for n, v in total.items()}


def funnel_measures(counts: Mapping[str, Any]) -> dict[str, Any]:
    c = {name: int(counts.get(name) or 0) for name in FUNNEL_COUNTS}
    return c | {
        "mql_rate": rate(c["mql"], c["leads"]),
        "mql_to_sql": rate(c["sql"], c["mql"]),
        "sql_to_opportunity": rate(c["opportunities"], c["sql"]),
        "opportunity_to_won": rate(c["won"], c["opportunities"]),
        "lead_to_won": rate(c["won"], c["leads"]),
    }


def pipeline_measures(counts: Mapping[str, Any]) -> dict[str, Any]:
    c = {n: money(counts.get(n)) if n in AMOUNTS else int(counts.get(n) or 0)
         for n in PIPELINE_COUNTS}  # fmt: skip
    return c | {"win_rate": rate(c["won_count"], c["won_count"] + c["lost_count"])}


def loss_measures(
    lost: int, amount: Any, all_lost: int, no_real_need: int, closed: int
) -> dict[str, Any]:
    """``share``: of the lost opportunities of the row's scope; ``no_real_need_share``: lost for
    no_real_need over every closed (won or lost) opportunity of the row's group."""
    return {
        "count": lost,
        "amount": money(amount),
        "share": rate(lost, all_lost),
        "no_real_need_share": rate(no_real_need, closed),
    }


def interpolate(low: float | None, high: float | None, n: int, percent: int) -> float | None:
    """The ``percent``-th percentile of ``n`` sorted values from the two values around its
    position, linear between them (PostgreSQL's ``percentile_cont``): ``low`` is the value at
    index ``(n - 1) * percent // 100`` (from 0), ``high`` the next one (None past the end)."""
    if not n or low is None:
        return None
    fraction = ((n - 1) * percent % 100) / 100
    value = low if high is None or not fraction else low + (high - low) * fraction
    return round(value, 2)


def percentile(values: Sequence[float], percent: int) -> float | None:
    """The same percentile over plain values (what the SQL's figures are checked against)."""
    ordered = sorted(values)
    if not ordered:
        return None
    index = (len(ordered) - 1) * percent // 100
    high = ordered[index + 1] if index + 1 < len(ordered) else None
    return interpolate(ordered[index], high, len(ordered), percent)


def period_instants(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    """Days ``start`` to ``end`` (both included) of ``zone`` as [since, until) in UTC."""
    tz = ZoneInfo(zone)
    since = datetime.combine(start, time(), tz).astimezone(UTC)
    until = datetime.combine(date.fromordinal(end.toordinal() + 1), time(), tz).astimezone(UTC)
    return since, until


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_starts(first: date, last: date) -> list[tuple[str, date]]:
    """``(YYYY-MM, first day)`` of every month from ``first``'s to ``last``'s."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((f"{year:04d}-{month:02d}", date(year, month, 1)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_instants(first: date, last: date, zone: str) -> list[tuple[str, datetime]]:
    """The same months, each starting at midnight of its first day in ``zone`` (in UTC): a
    stamp belongs to the month of the company's calendar, not of Greenwich."""
    tz = ZoneInfo(zone)
    return [
        (key, datetime.combine(day, time(), tz).astimezone(UTC))
        for key, day in month_starts(first, last)
    ]


def ordered(lines: list[dict[str, Any]], order: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Rows in ``order`` of their keys (stages, statuses), then the others by key, ``None``
    (no owner, no campaign...) last."""
    rank = {key: i for i, key in enumerate(order)}
    return sorted(
        lines,
        key=lambda line: (
            line["key"] is None,
            rank.get(line["key"], len(rank)),
            str(line["key"]) if line["key"] is not None else "",
        ),
    )
