"""Consent columns of lead files, read without a database (``imports.consent_columns``)."""

from __future__ import annotations

from datetime import datetime

from bascule.imports.consent_columns import (
    answers_of,
    clean_consent,
    clean_for,
    decide_for,
    fields_for,
)
from bascule.playbook.load import default_playbook

PURPOSES = default_playbook().privacy.consent_purposes


def _decided(headers: list[str], explicit: dict[str, str | None] | None = None) -> dict:
    decide = decide_for(PURPOSES)
    return {d.column: (d.field, d.how) for d in decide(headers, [], explicit or {})}


def test_export_headers_name_consent_fields():
    found = _decided([
        "Email", "HasOptedOutOfEmail", "DoNotCall", "Unsubscribed from all email",
        "Opt-in newsletter", "Date d'opt-in", "consent_events", "Contact SMS opt-in",
        "third_party_sharing_opt_out", "Divers",
    ])  # fmt: skip
    assert found == {
        "Email": ("email", "exact"),
        "HasOptedOutOfEmail": ("opt_out_email_marketing", "alias"),
        # DoNotCall stays what it was: the do-not-contact flag
        "DoNotCall": ("do_not_contact", "alias"),
        # a second column of the same field is not taken
        "Unsubscribed from all email": (None, "unrecognised"),
        "Opt-in newsletter": ("consent_email_marketing", "alias"),
        "Date d'opt-in": ("consent_email_marketing_at", "alias"),
        "consent_events": ("consent_events", "exact"),
        "Contact SMS opt-in": ("consent_phone_marketing", "alias"),
        "third_party_sharing_opt_out": ("opt_out_third_party_sharing", "alias"),
        "Divers": (None, "unrecognised"),
    }


def test_a_purpose_the_playbook_lacks_is_no_field_and_a_mapping_wins():
    decide = decide_for(("newsletter",))
    found = {d.column: d.field for d in decide(["consent_newsletter", "Email Opt Out"], [], {})}
    assert found == {"consent_newsletter": "consent_newsletter", "Email Opt Out": None}
    mapped = _decided(["Abonné", "Opt-in newsletter"], {"Abonné": "consent_email_marketing"})
    assert mapped["Abonné"] == ("consent_email_marketing", "map")
    assert mapped["Opt-in newsletter"][0] is None
    assert "opt_out_events" in fields_for(PURPOSES)


def test_values_of_consent_cells():
    assert clean_consent("consent_events", "Oui") == [("consent_events", True, None)]
    assert clean_consent("opt_out_events", "0") == [("opt_out_events", False, None)]
    assert clean_consent("consent_events", "12/03/2025") == [
        ("consent_events", True, None),
        ("consent_events_at", datetime(2025, 3, 12), None),
    ]
    ((field, value, problem),) = clean_consent("opt_out_events", "12/03/2025")
    assert (field, value) == ("opt_out_events", None) and "yes or no" in str(problem)
    ((field, value, problem),) = clean_consent("consent_events_at", "hier")
    assert (field, value) == ("consent_events_at", None) and "not a date" in str(problem)


def test_a_row_with_consents_keeps_its_lead_fields_and_names_bad_cells():
    clean = clean_for(PURPOSES)
    values, errors = clean(
        {"email": "a@x.fr", "consent_events": "peut-être", "opt_out_email_marketing": "true"}
    )
    assert values == {"email": "a@x.fr", "opt_out_email_marketing": True}
    assert [field for field, _ in errors] == ["consent_events"]


def test_answers_of_a_row():
    at = datetime(2025, 3, 12)
    assert answers_of({"consent_events": True, "consent_events_at": at}, PURPOSES) == {
        "events": (True, at)
    }
    # an opt-out is a refusal; "not opted out" says nothing; the consent column wins
    assert answers_of({"opt_out_email_marketing": True}, PURPOSES) == {
        "email_marketing": (False, None)
    }
    assert answers_of({"opt_out_email_marketing": False}, PURPOSES) == {}
    assert answers_of(
        {"consent_email_marketing": True, "opt_out_email_marketing": True}, PURPOSES
    ) == {"email_marketing": (True, None)}
    # a date alone: granted that day
    assert answers_of({"consent_phone_marketing_at": at}, PURPOSES) == {
        "phone_marketing": (True, at)
    }
