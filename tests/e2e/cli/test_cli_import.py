"""``bascule import FILE`` (SPEC §14) and ``bascule imports list | undo``."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users

SHOW = "Salon Solutions Digitales 2026"
FILE = (
    "Prénom;Nom;Courriel pro;Société;Fonction;Portable\r\n"
    "Camille;Martin;camille.martin@aciers-durand.fr;Aciers Durand;DSI;06 12 34 56 78\r\n"
    "Léa;Dubois;lea.dubois@transports-lemoine.fr;Transports Lemoine;DAF;12\r\n"
    "Léa;Dubois;LEA.DUBOIS@transports-lemoine.fr;;;\r\n"
    ";;;;Stagiaire;\r\n"
)


@pytest.fixture
def salon(tmp_path: Path) -> Path:
    path = tmp_path / "salon.csv"
    path.write_text(FILE, encoding="utf-8")
    return path


@pytest.fixture
def marketer(db_url: str) -> str:
    database = Database(db_url)
    try:
        with database.uow(write=True) as uow:
            users.create_user(
                uow, email="marketing@bascule-crm.fr", role="marketing", now=datetime.now(UTC)
            )
            uow.commit()
    finally:
        database.dispose()
    return "marketing@bascule-crm.fr"


def leads(db: Engine) -> list[t.Lead]:
    with Session(db) as session:
        return list(session.scalars(select(t.Lead).order_by(t.Lead.id)))


def test_import_a_trade_show_file(bascule, db, salon, marketer, tmp_path):
    errors = tmp_path / "errors.csv"
    result = bascule(
        "import", str(salon), "--tag", SHOW, "--temperature", "warm", "--source", "trade_show",
        "--map", "Courriel pro=email", "--map", "Portable=phone", "--as", marketer,
        "--errors", str(errors),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "Imported: import #1, 2 created, 1 updated, 1 rejected"
    assert lines[-2] == f"2 row errors written to {errors}"
    assert "Created" in result.stdout and "repeated in the file" in result.stdout
    found = leads(db)
    assert [(lead.email, lead.phone, lead.temperature, lead.source) for lead in found] == [
        ("camille.martin@aciers-durand.fr", "+33612345678", "warm", "trade_show"),
        ("lea.dubois@transports-lemoine.fr", None, "warm", "trade_show"),
    ]
    with Session(db) as session:
        batch = session.get(t.ImportBatch, 1)
        assert batch is not None
        owner = session.scalar(select(t.User.id).where(t.User.email == marketer))
        assert (batch.user_id, batch.tag, batch.filename) == (owner, SHOW, "salon.csv")
        assert {lead.owner_id for lead in found} == {owner}
        names = session.scalars(select(t.Tag.name)).all()
        assert names == [SHOW.lower()]
    table = list(csv.reader(errors.open(encoding="utf-8-sig")))
    assert table[0] == ["row", "field", "reason", "row_rejected"]
    assert [(r[0], r[1], r[3]) for r in table[1:]] == [("3", "phone", "no"), ("5", "row", "yes")]


def test_a_dry_run_writes_no_lead(bascule, db, salon, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = bascule("import", str(salon), "--dry-run", "--map", "Courriel pro=email")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == (
        "Checked (dry run, nothing written): import #1, 2 created, 1 updated, 1 rejected"
    )
    assert (tmp_path / "import-1-errors.csv").exists()
    assert leads(db) == []


def test_a_vcard_file_is_imported_as_trade_show_leads(bascule, db, tmp_path):
    path = tmp_path / "cartes.vcf"
    path.write_bytes(
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lemoine;Marc\r\nORG:Transports Lemoine\r\n"
        b"EMAIL:marc@transports-lemoine.fr\r\nEND:VCARD\r\n"
    )
    result = bascule("import", str(path))
    assert result.exit_code == 0, result.output
    assert [(lead.last_name, lead.source) for lead in leads(db)] == [("Lemoine", "trade_show")]


@pytest.mark.parametrize(
    ("args", "content", "words"),
    [
        ((), random.Random(5).randbytes(4000), "not a text file"),
        ((), b"", "The file is empty"),
        (("--map", "Courriel pro=emial"), FILE.encode(), "Unknown field 'emial'"),
        (("--map", "Mail=email"), FILE.encode(), "Column 'Mail' of the mapping is not in"),
        (("--temperature", "tiede"), FILE.encode(), "temperature"),
        (("--source", "pigeon"), FILE.encode(), "source"),
        (("--as", "nobody@bascule-crm.fr"), FILE.encode(), "user nobody@bascule-crm.fr"),
    ],
)
def test_file_level_errors_are_one_line_and_write_nothing(
    bascule, db, tmp_path, one_line_error, args, content, words
):
    path = tmp_path / "leads.csv"
    path.write_bytes(content)
    result = bascule("import", str(path), *args)
    line = one_line_error(result)
    assert line.startswith("error: ") and words in line, line
    with Session(db) as session:
        assert session.scalar(select(func.count()).select_from(t.Lead)) == 0
        assert session.scalar(select(func.count()).select_from(t.ImportBatch)) == 0


def test_a_missing_file_is_one_line(bascule, tmp_path, one_line_error):
    line = one_line_error(bascule("import", str(tmp_path / "nothere.csv")))
    assert line == f"error: file not found: {tmp_path / 'nothere.csv'}"
    line = one_line_error(bascule("import", str(tmp_path)))
    assert line == f"error: not a file: {tmp_path}"


def test_list_and_undo_imports(bascule, db, salon, marketer, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert bascule("import", str(salon), "--map", "Courriel pro=email").exit_code == 0
    assert bascule("import", str(salon), "--dry-run", "--as", marketer).exit_code == 0
    listed = bascule("imports", "list", env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert "Imports (2)" in listed.stdout and "dry run" in listed.stdout
    undone = bascule("imports", "undo", "1")
    assert undone.exit_code == 0, undone.output
    assert undone.stdout.strip().splitlines()[-1] == (
        "Undone import #1: 2 leads deleted, 0 restored, 0 kept"
    )
    assert leads(db) == []
    again = bascule("imports", "undo", "1")
    assert again.exit_code == 1
    assert again.stderr.strip() == "error: import 1 is already undone (id: already undone)"
