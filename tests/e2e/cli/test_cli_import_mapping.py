"""``bascule import`` says what it will do and exits with the truth (issue 9): the mapping
table, --map-values, exit 1 when every row is rejected, --strict."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t

WIDE = {"COLUMNS": "220"}
# A call-campaign export: no one is named, so no row can make a lead.
CALLS = "age;contact;campaign\n" + "".join(
    f"{30 + i};{('cellular', 'telephone')[i % 2]};{i % 4 + 1}\n" for i in range(12)
)
SOURCES = (
    "Email;Lead Source;Company\n"
    "a@acme.fr;Web Registration;Acme\n"
    "b@bolt.fr;Trade Shows and Events;Bolt\n"
    "c@crux.fr;Organic Search;Crux\n"
    ";;\n"
    "d@;Web Registration;\n"
)


def write(tmp_path: Path, content: str, name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def batch_of(db: Engine, import_id: int) -> tuple[str, int, int]:
    with Session(db) as session:
        batch = session.get(t.ImportBatch, import_id)
        assert batch is not None
        return batch.status, batch.rows_created, batch.rows_rejected


@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)], ids=["import", "dry run"])
def test_every_row_rejected_exits_1_with_the_first_reasons(
    bascule, db, tmp_path, monkeypatch, one_line_error, dry_run
):
    monkeypatch.chdir(tmp_path)
    result = bascule("import", str(write(tmp_path, CALLS)), *dry_run, env=WIDE)
    line = one_line_error(result)
    assert line == (
        "error: import #1: every row was rejected (12): nothing imported; first reasons: row 2: "
        "no name, e-mail, phone, company or external id: nothing says who this is"
    )
    assert batch_of(db, 1) == ("failed", 0, 12)
    # the table said why: the words of `contact` are not names, `campaign` counts calls
    assert "not taken as full_name: its first 12 values are only 'cellular'" in result.stdout
    assert "not taken as campaign: its first 12 values are all numbers" in result.stdout


def test_some_rows_rejected_exit_0_with_counts_and_strict_makes_it_1(
    bascule, db, tmp_path, monkeypatch, one_line_error
):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, SOURCES)
    result = bascule("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == (
        "Checked (dry run, nothing written): import #1, 3 created, 0 updated, 1 rejected"
    )
    strict = bascule("import", str(path), "--strict")
    assert one_line_error(strict) == (
        "error: import #2: 1 of 4 rows rejected (--strict); first reasons: row 6: no name, "
        "e-mail, phone, company or external id: nothing says who this is"
    )
    # --strict judges; it does not undo what was imported
    assert batch_of(db, 2) == ("done", 3, 1)


def test_the_mapping_used_is_printed_for_a_dry_run(bascule, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    content = "Prénom;Nom;Adres e-mail;Notes\nAnna;de Vries;anna@jansen.nl;stand 4\n"
    result = bascule("import", str(write(tmp_path, content)), "--dry-run", env=WIDE)
    assert result.exit_code == 0, result.output
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in result.stdout.splitlines()
        if line.startswith("│") and line.count("│") == 5
    ]
    assert rows == [
        ["Prénom", "first_name", "alias", ""],
        ["Nom", "last_name", "alias", ""],
        ["Adres e-mail", "email", "guess", "every one of its first values is an e-mail address"],
        ["Notes", "attributes", "unrecognised", ""],
    ]


def test_map_values_gives_file_values_their_meaning(bascule, db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = bascule(
        "import", str(write(tmp_path, SOURCES)),
        "--map-values", "source=web registration=web_form",
        "--map-values", "source=Trade Shows and Events=trade_show",
        env=WIDE,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with Session(db) as session:
        found = session.execute(select(t.Lead.email, t.Lead.source).order_by(t.Lead.id)).all()
    assert [tuple(row) for row in found] == [
        ("a@acme.fr", "web_form"),
        ("b@bolt.fr", "trade_show"),
        ("c@crux.fr", "other"),
    ]
    assert "note: Source values that are not lead sources of the playbook" in result.stdout
    assert "'Organic Search' (1)" in result.stdout


@pytest.mark.parametrize(
    ("value_map", "words"),
    [
        ("source=Salon=salon", "'salon' is not a source (for 'Salon')"),
        ("rating=Won=won", "'rating' has no value map"),
        ("source=web_form", "is not FIELD='file value=value'"),
    ],
)
def test_a_bad_map_values_is_one_line_and_writes_nothing(
    bascule, db, tmp_path, one_line_error, value_map, words
):
    result = bascule("import", str(write(tmp_path, SOURCES)), "--map-values", value_map)
    line = one_line_error(result)
    assert line.startswith("error: ") and words in line and "value_map" in line, line
    with Session(db) as session:
        assert session.scalars(select(t.ImportBatch)).all() == []


def test_opportunities_with_a_value_map_and_created_owners(bascule, db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    content = (
        "opportunity_id,sales_agent,account,deal_stage,engage_date,close_date,close_value\n"
        "O1,Moses Frase,Cancity,Won,2016-10-20,2017-03-01,1054\n"
        "O2,Moses Frase,Isdom,Engaging,2016-10-25,,\n"
    )
    path = write(tmp_path, content, "sales_pipeline.csv")
    refused = bascule("import", str(path), "--object", "opportunities", "--create-owners")
    assert refused.exit_code == 0, refused.output
    assert batch_of(db, 1) == ("done", 1, 1)  # 'Engaging' is no stage of the playbook
    result = bascule(
        "import", str(path), "--object", "opportunities", "--create-owners",
        "--map-values", "stage=Engaging=discovery",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert batch_of(db, 2) == ("done", 1, 0)  # O2 created, O1 updated
    with Session(db) as session:
        rows = session.execute(select(t.Opportunity.external_id, t.Opportunity.stage)).all()
        stages = {external: stage for external, stage in rows}
        owner = session.scalars(select(t.User).where(t.User.name == "Moses Frase")).one()
    assert stages == {"O1": "won", "O2": "discovery"}
    assert (owner.role, owner.is_active) == ("sales", False)
