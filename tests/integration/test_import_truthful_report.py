"""An import says what it did (issue 9), on both databases: the mapping it used, a batch that
imported nothing is `failed`, value maps, unknown values counted, undecodable bytes kept."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bascule.errors import ValidationFailed
from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def run(database: Database, actor: Actor, content: bytes, **options: object) -> t.ImportBatch:
    batch, _ = imports.run(
        database,
        io.BytesIO(content),
        options=imports.ImportOptions("file.csv", **options),  # type: ignore[arg-type]
        actor=actor,
        playbook=playbooks.active(database, max_age=0),
        now=NOW,
        chunk_rows=2,
    )
    return batch


LEAD_COLUMNS = ("email", "last_name", "source", "temperature", "attributes")


def leads(database: Database) -> list[dict[str, object]]:
    columns = [getattr(t.Lead, name) for name in LEAD_COLUMNS]
    with database.engine.connect() as conn:
        found = conn.execute(select(*columns).order_by(t.Lead.id)).all()
    return [dict(zip(LEAD_COLUMNS, row, strict=True)) for row in found]


# No name, e-mail, company or id: nothing says who anyone is.
CALLS = b"age;contact;campaign\n" + b"".join(
    b"%d;%s;%d\n" % (30 + i, (b"cellular", b"telephone")[i % 2], i % 4 + 1) for i in range(12)
)


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry run"])
def test_a_file_whose_every_row_is_rejected_is_a_failed_import(database, actor, dry_run):
    batch = run(database, actor, CALLS, dry_run=dry_run)
    assert batch.status == "failed"
    assert batch.message == "every row was rejected (12): nothing imported"
    assert (batch.rows_total, batch.rows_rejected, batch.rows_created) == (12, 12, 0)
    assert batch.finished_at is not None
    assert batch.report is not None
    assert [(c["column"], c["field"], c["how"]) for c in batch.report["mapping_used"]] == [
        ("age", "attributes", "unrecognised"),
        ("contact", "attributes", "refused"),
        ("campaign", "attributes", "refused"),
    ]
    assert leads(database) == []


def test_some_rows_rejected_is_a_done_import_with_its_counts(database, actor):
    content = b"Email;Company\na@acme.fr;Acme\n;\n;Bolt\n"
    batch = run(database, actor, content)
    # the blank row is no row; the row with only a company is a lead
    assert (batch.status, batch.rows_created, batch.rows_rejected) == ("done", 2, 0)
    # a phone says who someone is (SPEC §16); a job title alone does not
    batch = run(database, actor, b"Email;Job Title\nb@acme.fr;\n;CEO\n")
    assert (batch.status, batch.rows_created, batch.rows_rejected) == ("done", 1, 1)
    assert batch.message is None


def test_mapped_sources_and_temperatures_and_the_unknown_ones_counted(database, actor):
    content = (
        b"E-mail;Lead Source;Rating\n"
        b"a@acme.fr;Web Registration;Hot\n"
        b"b@acme.fr;web registration ;A\n"
        b"c@acme.fr;Trade Shows and Events;A\n"
        b"d@acme.fr;Organic Search;B\n"
        b"e@acme.fr;organic_search;\n"
    )
    batch = run(
        database,
        actor,
        content,
        value_map=["source=Web Registration=web_form", "source=Trade Shows and Events=trade_show"],
        source="referral",
    )
    found = {lead["email"]: lead for lead in leads(database)}
    assert {e: (lead["source"], lead["temperature"]) for e, lead in found.items()} == {
        "a@acme.fr": ("web_form", "hot"),
        "b@acme.fr": ("web_form", None),
        "c@acme.fr": ("trade_show", None),
        "d@acme.fr": ("referral", None),
        "e@acme.fr": ("referral", None),
    }
    assert found["d@acme.fr"]["attributes"] == {"Lead Source": "Organic Search", "Rating": "B"}
    assert batch.report is not None
    assert batch.report["unknown_values"] == {
        "source": {"Organic Search": 1, "organic_search": 1},
        "temperature": {"A": 2, "B": 1},
    }
    assert batch.report["unknown_sources"] == {"Organic Search": 1, "organic_search": 1}
    assert any(n.startswith("Temperature values that are not hot, warm or cold") for n in
               batch.report["notes"])  # fmt: skip


def test_a_bad_value_map_is_refused_before_anything_is_written(database, actor):
    with pytest.raises(ValidationFailed) as caught:
        run(database, actor, b"Email\na@b.fr\n", value_map={"source": {"Salon": "salon"}})
    assert set(caught.value.fields) == {"value_map"}
    with database.uow() as uow:
        assert uow.session.scalars(select(t.ImportBatch)).all() == []


def test_a_value_with_undecodable_bytes_is_kept_in_the_attributes(database, actor):
    # "Dupr\x81" : 0x81 means nothing in UTF-8 nor in Windows-1252
    content = b"Email;Nom;Soci\xe9t\xe9\nann@acme.fr;Dupr\x81;Acme\nbob@acme.fr;Martin;Bolt\n"
    batch = run(database, actor, content)
    assert (batch.status, batch.rows_created) == ("done", 2)
    ann = leads(database)[0]
    assert ann["last_name"] is None
    assert ann["attributes"] == {"Nom": "Dupr\ufffd"}
    with database.uow() as uow:
        errors = [(e.row_number, e.field, e.reason) for e in imports.first_errors(uow, batch.id)]
    assert errors == [
        (2, "last_name", "'Dupr\ufffd' has bytes that are not text: not taken as last_name, "
                         "kept as read in the lead's attributes")
    ]  # fmt: skip
