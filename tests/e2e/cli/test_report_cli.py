"""``bascule report funnel | pipeline | loss-reasons | stage-times`` (SPEC §16): the same rows
as the API, as a Rich table, CSV or JSON; a bad option is one line on stderr."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert

from bascule.storage import tables as t

CREATED = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def leads(db: Engine) -> None:
    """Two leads created in February 2026: one reached mql, one stayed new."""
    with db.begin() as conn:
        conn.execute(insert(t.Lead), [
            {"id": i, "source": "web_form", "created_at": CREATED, "status": s}
            for i, s in ((1, "mql"), (2, "new"))
        ])  # fmt: skip
        conn.execute(insert(t.LeadStatusHistory), [
            {"lead_id": 1, "from_status": None, "to_status": "new", "changed_at": CREATED,
             "kind": "creation"},
            {"lead_id": 1, "from_status": "new", "to_status": "mql",
             "changed_at": datetime(2026, 2, 11, 9, 0, tzinfo=UTC), "kind": "progress"},
            {"lead_id": 2, "from_status": None, "to_status": "new", "changed_at": CREATED,
             "kind": "creation"},
        ])  # fmt: skip


PERIOD = ("--from", "2026-02-01", "--to", "2026-02-28")


def test_json_is_the_report(bascule, leads) -> None:
    result = bascule("report", "funnel", *PERIOD, "--group-by", "month", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["rows"][0]["key"] == "2026-02"
    assert body["total"]["leads"] == 2 and body["total"]["mql"] == 1
    assert body["total"]["mql_rate"] == 0.5


def test_csv_rows(bascule, leads) -> None:
    result = bascule("report", "funnel", *PERIOD, "--format", "csv", "--lang", "en")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["label"], r["leads"], r["mql"]) for r in rows] == [("All", "2", "1")]


def test_table_shows_labels_rates_and_total(bascule, leads) -> None:
    wide = {"COLUMNS": "200"}
    result = bascule("report", "stage-times", *PERIOD, "--lang", "en", env=wide)
    assert result.exit_code == 0, result.output
    assert "New lead" in result.stdout and "Total" in result.stdout
    funnel = bascule("report", "funnel", *PERIOD, "--group-by", "source", "--lang", "fr", env=wide)
    assert "Formulaire web" in funnel.stdout
    assert "50.0 %" in funnel.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("funnel", "--group-by", "colour"), "group_by"),
        (("pipeline", "--format", "xml"), "--format"),
        (("stage-times", "--pipeline", "deal"), "--pipeline"),
        (("loss-reasons", "--from", "2026-03-01", "--to", "2026-02-01"), "--from"),
    ],
)
def test_bad_options_are_one_line(bascule, one_line_error, args, words) -> None:
    line = one_line_error(bascule("report", *args))
    assert words in line


def test_backtest_json_and_table(bascule, leads, tmp_path) -> None:
    proposal = tmp_path / "proposal.toml"
    proposal.write_text("[scoring]\nmql_threshold = 1\n", encoding="utf-8")
    result = bascule("report", "backtest", str(proposal), *PERIOD, "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"current", "proposed"}
    assert body["current"]["leads"] == body["proposed"]["leads"] == 2
    assert body["current"]["mql"] == 0 and body["current"]["precision"] is None
    table = bascule("report", "backtest", str(proposal), *PERIOD, env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "median_days_to_mql" in table.stdout and "proposed" in table.stdout


def test_backtest_bad_file_is_one_line(bascule, leads, tmp_path, one_line_error) -> None:
    proposal = tmp_path / "proposal.toml"
    proposal.write_text("[scoring]\nmql_threshold = 0\n", encoding="utf-8")
    result = bascule("report", "backtest", str(proposal))
    assert result.exit_code != 0
    assert "scoring.mql_threshold" in one_line_error(result)
    proposal.write_text("[scoring\n", encoding="utf-8")
    assert "not valid TOML" in one_line_error(bascule("report", "backtest", str(proposal)))
