"""The reports' pure arithmetic: rates, percentiles, months of the company's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy
from hypothesis import given
from hypothesis import strategies as st

from bascule.analytics import export, labels, metrics


def test_rates_are_fractions_or_null() -> None:
    assert metrics.rate(1, 3) == 0.3333
    assert metrics.rate(0, 0) is None
    f = metrics.funnel_measures({"leads": 4, "mql": 2, "sql": 0})
    assert f["mql_rate"] == 0.5 and f["mql_to_sql"] == 0.0 and f["sql_to_opportunity"] is None


@given(st.lists(st.floats(0, 10_000, allow_nan=False), min_size=1, max_size=60),
       st.sampled_from((50, 90)))  # fmt: skip
def test_percentile_is_linear_between_ranks_like_percentile_cont(
    values: list[float], percent: int
) -> None:
    expected = round(float(numpy.percentile(values, percent)), 2)
    assert abs(metrics.percentile(values, percent) - expected) <= 0.011


def test_months_start_at_midnight_in_the_calendar_zone() -> None:
    months = metrics.month_instants(date(2026, 3, 5), date(2026, 4, 1), "Europe/Paris")
    assert months == [
        ("2026-03", datetime(2026, 2, 28, 23, 0, tzinfo=UTC)),  # winter time: UTC+1
        ("2026-04", datetime(2026, 3, 31, 22, 0, tzinfo=UTC)),  # summer time: UTC+2
    ]
    assert metrics.month_starts(date(2025, 12, 9), date(2026, 1, 2))[1] == (
        "2026-01",
        date(2026, 1, 1),
    )


def test_period_is_inclusive_days_of_the_zone() -> None:
    since, until = metrics.period_instants(date(2026, 1, 1), date(2026, 1, 31), "Europe/Paris")
    assert (since, until) == (
        datetime(2025, 12, 31, 23, tzinfo=UTC),
        datetime(2026, 1, 31, 23, tzinfo=UTC),
    )


def test_rows_in_order_and_nobody_last() -> None:
    rows = [{"key": None}, {"key": "won"}, {"key": "qualification"}, {"key": "zzz"}]
    keys = [r["key"] for r in metrics.ordered(rows, ("qualification", "won"))]
    assert keys == ["qualification", "won", "zzz", None]


def test_month_labels() -> None:
    assert labels.month("fr", "2026-08") == "août 2026"
    assert labels.month("en-GB", "2026-08") == "August 2026"


def test_csv_has_the_rows_not_the_total() -> None:
    report = {"rows": [{"key": "a", "label": "A", "count": 2, "share": None}],
              "total": {"key": None, "label": "Total", "count": 2, "share": None}}  # fmt: skip
    assert export.to_csv(report) == "key,label,count,share\r\na,A,2,\r\n"
