"""The report pages' pure parts: where each number links (``web.report_links``) and the
charts' geometry (``web.charts``)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from bascule.web import charts
from bascule.web import report_links as links

START, END = date(2026, 1, 15), date(2026, 3, 10)


def params(url: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)


def test_a_funnel_month_row_is_cut_to_the_period() -> None:
    path, found = params(links.funnel("month", "2026-01", "sql", START, END))
    assert path == "/leads"
    assert found == {"created_from": ["2026-01-15"], "created_to": ["2026-01-31"],
                     "reached": ["sql"]}  # fmt: skip
    _, march = params(links.funnel("month", "2026-03", "leads", START, END))
    assert march == {"created_from": ["2026-03-01"], "created_to": ["2026-03-10"]}


def test_funnel_groups_and_outcomes() -> None:
    _, owner = params(links.funnel("owner", None, "won", START, END))
    assert owner["owner"] == ["none"] and owner["outcome"] == ["won"]
    assert "reached" not in owner  # an outcome is of a converted lead: the filter says so
    _, size = params(links.funnel("segment", "250+", "leads", START, END))
    assert size["segment"] == ["250+"]
    _, unknown = params(links.funnel("segment", None, "opportunities", START, END))
    assert unknown["segment"] == ["none"] and unknown["reached"] == ["converted"]
    _, total = params(links.funnel(links.TOTAL, None, "mql", START, END))
    assert set(total) == {"created_from", "created_to", "reached"}


def test_pipeline_and_losses() -> None:
    path, open_ = params(links.pipeline("stage", "proposal", "open", START, END))
    assert path == "/opportunities"
    assert open_ == {"state": ["open"], "stage": ["proposal"],
                     "expected_close_from": ["2026-01-15"],
                     "expected_close_to": ["2026-03-10"]}  # fmt: skip
    _, won = params(links.pipeline("month", "2026-02", "won", START, END))
    assert won == {"state": ["won"], "closed_from": ["2026-02-01"],
                   "closed_to": ["2026-02-28"]}  # fmt: skip
    _, lost = params(links.losses("source", "referral", None, START, END))
    assert lost["source"] == ["referral"] and lost["loss_reason"] == ["none"]
    assert lost["state"] == ["lost"]
    _, every = params(links.losses(links.TOTAL, None, None, START, END))
    assert "loss_reason" not in every


def test_stays_link_to_the_records_in_it_now() -> None:
    assert links.stays("lead", "mql", stalled=True) == "/leads?status=mql&stalled=true"
    assert links.stays("opportunity", "won", stalled=False) == "/opportunities?stage=won&state=all"


def test_bars_scale_to_the_largest_and_keep_empty_lines() -> None:
    found = charts.bars([("a", 10), ("b", 5), ("c", None)], lambda v: "—" if v is None else str(v))
    assert [b.share for b in found] == [1.0, 0.5, 0.0]
    assert found[2].spoken == "c —"
    assert charts.bars([("a", 0)], str)[0].share == 0.0


def test_columns_fit_the_drawing_and_speak_every_value() -> None:
    found = charts.columns(["Jan", "Feb"], [("Leads", [4, 2]), ("MQL", [1, None])], str)
    tallest = found.groups[0].columns[0]
    assert tallest.height == charts.PLOT_HEIGHT and tallest.y == charts.PLOT_TOP
    assert found.groups[1].columns[1].height == 0.0
    for group in found.groups:
        for column in group.columns:
            assert column.x >= 0 and column.x + column.width <= charts.WIDTH
    assert found.groups[1].spoken == "Feb: Leads 2, MQL None"
