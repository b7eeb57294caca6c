"""``POST /api/v1/reports/backtest`` (SPEC §16) through HTTP: live leads (one qualified ready to
convert and converted, one left alone) replayed under the current playbook and a proposed one;
the answer's shape, and 422 naming the field for a bad override or period."""

from __future__ import annotations

from typing import Any

import pytest

MEASURES = {"leads", "mql", "mql_converted", "precision", "recall", "median_days_to_mql"}


@pytest.fixture
def live(api) -> None:
    api.create_lead(email="reste.nouveau@exemple.fr", company="Autre SA")
    ready = api.ready_lead(email="pret@exemple.fr")
    api.convert(ready["id"], api.convert_body(name="Projet prêt", amount=25000))


def test_current_and_proposed_columns(api, live) -> None:
    # MEDDIC needs answers the BANT-qualified lead does not have, and no score reaches 100.
    proposed = {"qualification": {"framework": "meddic"}, "scoring": {"mql_threshold": 100}}
    body = api.ok(api.post("/reports/backtest", {"playbook": proposed}))
    assert set(body) == {"current", "proposed"}
    assert set(body["current"]) == set(body["proposed"]) == MEASURES
    current = body["current"]
    assert current["leads"] == 2 and current["mql"] >= 1 and current["mql_converted"] == 1
    assert current["recall"] == 1.0 and current["median_days_to_mql"] is not None
    assert body["proposed"] == {"leads": 2, "mql": 0, "mql_converted": 0, "precision": None,
                                "recall": 0.0, "median_days_to_mql": None}  # fmt: skip


def test_without_overrides_both_columns_agree(api, live) -> None:
    body = api.ok(api.post("/reports/backtest", {}))
    assert body["current"] == body["proposed"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"playbook": {"scoring": {"mql_threshold": 101}}}, "playbook.scoring.mql_threshold"),
        ({"playbook": {"scoring": {"half_life_days": 0}}}, "playbook.scoring.half_life_days"),
        ({"playbook": {"qualification": {"ready_to_convert": {"timing_known": "maybe"}}}},
         "playbook.qualification.ready_to_convert.timing_known"),
        ({"playbook": {"scoring": {"bands": {"warm": 90}}}}, "playbook.scoring.bands.warm"),
        ({"playbook": {"colour": "blue"}}, "playbook.colour"),
        ({"playbook": []}, "playbook"),
        ({"from": "2026-02-30"}, "from"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"threshold": 40}, "threshold"),
    ],
)  # fmt: skip
def test_a_bad_request_is_a_422_naming_the_field(api, body: dict[str, Any], field: str) -> None:
    error = api.error(api.post("/reports/backtest", body), 422)
    assert field in error["fields"], error


def test_backtest_needs_a_token(api) -> None:
    assert api.post("/reports/backtest", {}, as_=None).status_code == 401
