"""``bascule forms create | revoke | list`` (SPEC §14): public form keys from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bascule.errors import Forbidden
from bascule.intake import forms
from bascule.storage import tables as t
from bascule.storage.uow import Database


def _authenticate(db_url: str, form_type: str, key: str) -> forms.FormRef:
    database = Database(db_url)
    try:
        with database.uow() as uow:
            return forms.authenticate(uow, form_type=form_type, key=key)
    finally:
        database.dispose()


def test_a_key_printed_on_the_last_line_opens_its_form(bascule, db_url, db):
    result = bascule("forms", "create", "demo_request", "--label", "site / page démo")

    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("bfk_")
    assert "Form #1 demo_request (site / page démo)" in result.stdout
    assert _authenticate(db_url, "demo_request", key) == forms.FormRef(1, "demo_request")
    with Session(db) as session:
        (form,) = session.scalars(select(t.IntakeForm))
        assert (form.form_type, form.label, form.key_hash) == (
            "demo_request",
            "site / page démo",
            forms.hash_key(key),
        )


def test_a_revoked_form_is_listed_as_such_and_its_key_refused(bascule, db_url):
    first = bascule("forms", "create", "rfp").stdout.strip().splitlines()[-1]
    second = bascule("forms", "create", "pricing_request").stdout.strip().splitlines()[-1]

    by_id = bascule("forms", "revoke", "1")
    by_key = bascule("forms", "revoke", second)
    listing = bascule("forms", "list")

    assert by_id.exit_code == 0, by_id.output
    assert by_id.stdout.startswith("Form #1 rfp revoked at ")
    assert by_key.stdout.startswith("Form #2 pricing_request revoked at ")
    assert listing.exit_code == 0, listing.output
    assert "rfp" in listing.stdout and "pricing_request" in listing.stdout
    assert listing.stdout.strip().splitlines()[-1] == "2 form(s)"
    assert first not in listing.stdout  # keys are never shown again
    for form_type, key in (("rfp", first), ("pricing_request", second)):
        with pytest.raises(Forbidden) as exc:
            _authenticate(db_url, form_type, key)
        assert exc.value.fields == {"X-Form-Key": "revoked"}


def test_an_unknown_form_type_or_key_fails_with_one_line(bascule, db, one_line_error):
    unknown_type = bascule("forms", "create", "webinar")
    unknown_key = bascule("forms", "revoke", "bfk_nope")
    unknown_id = bascule("forms", "revoke", "42")

    assert "unknown form type 'webinar'" in one_line_error(unknown_type)
    assert "content_download" in one_line_error(unknown_type)
    assert one_line_error(unknown_key).startswith("error: no such form key")
    assert one_line_error(unknown_id).startswith("error: no such form key")
    with Session(db) as session:
        assert list(session.scalars(select(t.IntakeForm))) == []
