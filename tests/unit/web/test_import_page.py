"""The import page's pure parts: the errors file safe in a spreadsheet, the mapping sent to
the import (only the columns the person changed), the preview of a staged file."""

from __future__ import annotations

import csv
import io

import pytest

from bascule.web import staged as staging
from bascule.web.imports import spreadsheet_cell, spreadsheet_csv


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+33 6 12", "'+33 6 12"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("not an e-mail address", "not an e-mail address"),
        ("12", "12"),
        ("", ""),
    ],
)
def test_a_cell_that_starts_like_a_formula_is_shown_as_text(cell: str, shown: str) -> None:
    assert spreadsheet_cell(cell) == shown


def test_the_errors_file_has_a_byte_order_mark_and_safe_cells_in_every_chunk() -> None:
    rows = [["row", "field", "reason"]] + [[str(i), "email", f"=bad{i}"] for i in range(1203)]

    data = b"".join(spreadsheet_csv(iter(rows), batch=500)).decode("utf-8")

    assert data.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(data.removeprefix("\ufeff"))))
    assert len(parsed) == 1204
    assert all(row[2].startswith("'=") for row in parsed[1:])


def test_only_the_columns_changed_go_to_the_import_as_its_mapping() -> None:
    preview = staging.Preview(
        "csv",
        (
            staging.Column(0, "Nom", ("Dupont",), "last_name"),
            staging.Column(1, "Poste", ("DSI",), ""),
            staging.Column(2, "Mobile", ("06",), "phone"),
        ),
        editable=True,
    )

    assert preview.mapping({}) == {}
    assert preview.mapping({0: "last_name", 1: "job_title", 2: ""}) == {
        "Poste": "job_title",
        "Mobile": "-",
    }


def test_the_preview_shows_each_column_its_values_and_its_field(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(staging.tempfile, "gettempdir", lambda: str(tmp_path))
    content = "Prénom,Nom,Courriel,Divers\nAnne,Dupont,anne@acme.fr,x\nJean,Roux,,y\n".encode()
    staged = staging.stage(io.BytesIO(content), filename="salon.csv", user_id=7)

    found = staging.find(staged.id, user_id=7)
    assert found is not None and staging.find(staged.id, user_id=8) is None
    assert staging.find("../" + staged.id, user_id=7) is None
    seen = staging.preview(found, default_region="FR")

    assert seen.editable
    assert [(c.name, c.guessed, c.samples) for c in seen.columns] == [
        ("Prénom", "first_name", ("Anne", "Jean")),
        ("Nom", "last_name", ("Dupont", "Roux")),
        ("Courriel", "email", ("anne@acme.fr",)),
        ("Divers", "", ("x", "y")),
    ]
    staging.discard(found)
    assert staging.find(staged.id, user_id=7) is None


def test_files_staged_more_than_a_day_ago_are_forgotten(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(staging.tempfile, "gettempdir", lambda: str(tmp_path))
    staged = staging.stage(io.BytesIO(b"a,b\n"), filename="a.csv", user_id=1)

    staging.forget_old(now=staging.time.time() + staging.KEEP_SECONDS + 60)

    assert staging.find(staged.id, user_id=1) is None
