"""``bascule model train | show | score`` (issue #4, predictive score), and the lead API after.

The history is written straight to the tables: the source drives conversion, and a
"Contract number" attribute written once the deal is signed leaks the outcome.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bascule.scoring import predictive
from bascule.storage import tables as t
from bascule.storage.uow import Database

NOW = datetime.now(UTC)
RATES = {"demo_request": 0.85, "purchased_list": 0.05}
SOURCES = ("demo_request", "purchased_list", "web_form", "referral")
FAST = ("--min-leads", "100")


def _won(i: int) -> bool:
    """Whether lead i of the history converts (the same draw every time)."""
    return random.Random(11 * 100_000 + i).random() < RATES.get(SOURCES[i % len(SOURCES)], 0.3)


def write_history(database: Database, closed: int, *, open_: int = 8, leak: bool = False) -> None:
    with database.uow(write=True) as uow:
        for i in range(closed + open_):
            source = SOURCES[i % len(SOURCES)]
            won = _won(i)
            status = ("converted" if won else "disqualified") if i < closed else "new"
            created = NOW - timedelta(days=300 if i < closed else 1)
            attributes = {"Contract number": f"C{i}" if won and i < closed else ""}
            uow.session.add(
                t.Lead(
                    first_name=f"P{i}",
                    email=f"p{i}@example.com",
                    email_key=f"p{i}@example.com",
                    source=source,
                    status=status,
                    created_at=created,
                    updated_at=created,
                    attributes=attributes if leak else None,
                )
            )
        uow.commit()


def test_too_little_history_is_one_line(database, bascule, one_line_error):
    write_history(database, closed=60)

    result = bascule("model", "train")

    line = one_line_error(result)
    assert line == (
        "error: not enough history to train: 60 leads with a known outcome (converted or not), "
        "at least 200 needed"
    )


def test_a_single_outcome_is_one_line(database, bascule, one_line_error):
    write_history(database, closed=0, open_=0)
    with database.uow(write=True) as uow:
        for _ in range(120):
            uow.session.add(t.Lead(source="web_form", status="disqualified"))
        uow.commit()

    line = one_line_error(bascule("model", "train", *FAST))

    assert line.startswith("error: only one outcome in the history: all 120 leads")


def test_train_show_then_the_lead_api_shows_the_prediction(database, bascule, api):
    # Given 160 closed leads whose "Contract number" leaks the outcome, and 8 open ones
    write_history(database, closed=160, leak=True)

    # When a model is trained without the leaking features
    result = bascule("model", "train", *FAST, "--exclude-leaks")

    # Then the figures, the leak and the stored version are printed
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "160 leads with an outcome" in out and "ROC AUC" in out and "Brier" in out
    assert "warning: likely leak: Contract number: alone it predicts the outcome" in out
    assert "(AUC 1.000) (excluded)" in out
    assert "Stored predictive model v1" in out and "8 open leads scored" in out

    shown = bascule("model", "show")
    assert shown.exit_code == 0, shown.output
    assert "Predictive model v1" in shown.stdout and "excluded: Contract number" in shown.stdout

    # And the lead API shows each open lead's probability with its reasons
    page = api.ok(api.get("/leads", params={"status": "new", "page_size": 50}))
    assert page["total"] == 8
    for lead in page["items"]:
        predicted = lead["predicted_conversion"]
        assert 0 < predicted["probability"] < 1 and predicted["model_version"] == 1
        assert all(r["feature"] != "Contract number" for r in predicted["reasons"])
    demo = next(lead for lead in page["items"] if lead["source"] == "demo_request")
    top = demo["predicted_conversion"]["reasons"][0]
    assert (top["feature"], top["value"], top["direction"]) == ("source", "demo_request", "up")
    assert top["weight"] > 0
    single = api.ok(api.get(f"/leads/{demo['id']}"))
    assert single["predicted_conversion"] == demo["predicted_conversion"]


def test_a_lead_without_a_model_has_no_prediction(database, api):
    lead = api.create_lead()
    assert lead["predicted_conversion"] is None


def test_a_model_of_another_schema_version_is_refused(database, bascule, one_line_error):
    write_history(database, closed=120)
    assert bascule("model", "train", *FAST, "--model", "logistic_regression").exit_code == 0
    with database.uow(write=True) as uow:
        uow.session.execute(
            update(t.PredictiveModel).values(schema_version=predictive.SCHEMA_VERSION + 7)
        )
        uow.commit()

    line = one_line_error(bascule("model", "score"))

    assert line == (
        f"error: predictive model v1 was stored with schema version "
        f"{predictive.SCHEMA_VERSION + 7}, this Bascule reads version "
        f"{predictive.SCHEMA_VERSION}: train a new model (bascule model train)"
    )
    assert "another schema version" in bascule("model", "show").stdout


def test_show_without_a_model(database, bascule, one_line_error):
    assert one_line_error(bascule("model", "show")) == (
        "error: no predictive model yet: run bascule model train"
    )


# --- issue 9: a report a script can read, and bad input ------------------------------------

KEYS = {"chosen", "base_rate", "leads", "candidates", "warnings"}
CANDIDATE_KEYS = {"model", "auc", "brier", "chosen", "defect"}


def test_train_and_show_print_the_same_json_report(database, bascule):
    # Given 160 closed leads whose "Contract number" leaks the outcome
    write_history(database, closed=160, leak=True)

    # When a model is trained with --format json
    result = bascule("model", "train", *FAST, "--exclude-leaks", "--format", "json")

    # Then stdout is exactly one JSON document with the documented keys
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == KEYS
    assert report["leads"] == 160
    converted = sum(1 for i in range(160) if _won(i))
    assert report["base_rate"] == round(converted / 160, 4)
    assert [c["model"] for c in report["candidates"]] == [
        "logistic_regression",
        "gradient_boosting",
        "blend",
    ]
    for candidate in report["candidates"]:
        assert set(candidate) == CANDIDATE_KEYS
        assert candidate["chosen"] == (candidate["model"] == report["chosen"])
        assert candidate["defect"] is None and candidate["auc"] > 0.5
    assert report["warnings"] == [
        "likely leak: Contract number: alone it predicts the outcome almost perfectly "
        "(AUC 1.000) (excluded)"
    ]
    # And show says the same
    shown = bascule("model", "show", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == report


def test_time_ordered_figures_are_an_extra_key(database, bascule):
    write_history(database, closed=160)

    result = bascule(
        "model", "train", *FAST, "--model", "logistic_regression", "--validation", "time",
        "--format", "json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == KEYS | {"time_ordered"}
    timed = report["time_ordered"]
    assert (timed["train_leads"], timed["test_leads"]) == (128, 32)
    assert [c["model"] for c in timed["candidates"]] == ["logistic_regression"]
    table = bascule("model", "show")
    assert "Time-ordered: fitted on the 128 older leads" in " ".join(table.stdout.split())


def test_fewer_than_twenty_converted_is_one_line_naming_the_counts(
    database, bascule, one_line_error
):
    # Given 150 leads of which 12 converted
    with database.uow(write=True) as uow:
        for i in range(150):
            status = "converted" if i < 12 else "disqualified"
            uow.session.add(t.Lead(source="web_form", status=status, created_at=NOW))
        uow.commit()

    line = one_line_error(bascule("model", "train", *FAST))

    assert line == (
        "error: too few leads of one outcome to train: 12 converted, 138 not converted; "
        "at least 20 of each needed"
    )


def test_unknown_format_and_validation_are_refused(database, bascule, one_line_error):
    assert one_line_error(bascule("model", "train", "--format", "xml")) == (
        "error: unknown format xml: choose from table, json"
    )
    assert one_line_error(bascule("model", "train", "--validation", "future")) == (
        "error: unknown validation future: choose from shuffled, time"
    )


def test_a_model_stored_before_this_change_keeps_scoring_and_says_to_retrain(database, bascule):
    # Given a model whose metrics are those an older Bascule stored (no defects, no inner
    # folds), its booster chosen with an inverted AUC
    write_history(database, closed=120)
    assert bascule("model", "train", *FAST, "--model", "gradient_boosting").exit_code == 0
    with database.uow(write=True) as uow:
        row = uow.session.scalars(select(t.PredictiveModel)).one()
        metrics = {k: v for k, v in row.metrics.items() if k not in ("defects", "inner_folds")}
        metrics["models"]["gradient_boosting"]["auc"] = 0.198
        row.metrics = metrics
        uow.commit()

    # When it scores leads and is shown
    scored = bascule("model", "score")
    report = json.loads(bascule("model", "show", "--format", "json").stdout)

    # Then it still scores, and the report names the defect and says to train again
    assert scored.exit_code == 0 and "8 open leads scored" in scored.stdout
    assert report["candidates"][0]["defect"] == (
        "ranks leads worse than chance (cross-validated ROC AUC 0.198 < 0.5)"
    )
    assert (
        "the stored model has a defect: train again (bascule model train)" in (report["warnings"])
    )
