"""The pure privacy rules: consents, scrubbing a person out of text and JSON, the retention
cut-off, harmless CSV cells, the client's address behind proxies, the access log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bascule.analytics.export import harmless, rows_to_csv
from bascule.errors import ValidationFailed
from bascule.http.client import address_of, trusted_networks
from bascule.http.limits import nul_parameter
from bascule.http.logs import redact
from bascule.privacy.model import (
    ERASED,
    check_consents,
    erase_changes,
    erase_qualification,
    fragments,
    retention_cutoff,
    scrubber,
)

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
PURPOSES = ("email_marketing", "events")


def test_consents_default_their_time_and_source_and_refuse_the_unknown():
    [answer] = check_consents(
        [{"purpose": "events", "granted": True}], purposes=PURPOSES, default_source="api", now=NOW
    )
    assert (answer.purpose, answer.granted, answer.at, answer.source) == (
        "events",
        True,
        NOW,
        "api",
    )
    with pytest.raises(ValidationFailed) as refused:
        check_consents(
            [{"purpose": "spam", "granted": True},
             {"purpose": "events", "granted": True, "at": NOW + timedelta(days=1)}],
            purposes=PURPOSES, default_source="api", now=NOW,
        )  # fmt: skip
    assert refused.value.fields == {
        "consents.0.purpose": "one of email_marketing, events",
        "consents.1.at": "cannot be in the future",
    }


def test_a_person_is_scrubbed_from_text_keys_and_values_in_any_case():
    needles = fragments(["jean.dupont@exemple.fr", "Jean", "Dupont", None, "Li"])
    scrub = scrubber(needles)

    assert needles[0] == "jean.dupont@exemple.fr"
    assert "Li" not in needles  # too short to scrub from free text
    assert scrub("Appel de JEAN DUPONT (jean.dupont@exemple.fr)") == (
        f"Appel de {ERASED} {ERASED} ({ERASED})")  # fmt: skip
    assert scrub({"Dupont": ["vu jean", 3, None]}) == {ERASED: [f"vu {ERASED}", 3, None]}
    assert scrubber([])("intact") == "intact"


def test_audit_changes_and_qualification_keep_their_shape_not_their_words():
    scrub = scrubber(["Dupont"])
    changes = {"email": [None, "x@y.fr"], "last_name": [None, "Dupont"], "score": [1, 2],
               "note": [None, "rappeler Dupont"]}  # fmt: skip
    assert erase_changes(changes, scrub) == {
        "email": [None, None], "last_name": [None, None], "score": [1, 2],
        "note": [None, f"rappeler {ERASED}"],
    }  # fmt: skip
    qualification = {
        "budget": {"status": "range"},
        "need": {"text": "40 vendeurs", "confirmed": True},
        "meddic": {"champion": "Dupont", "metrics": ""},
    }
    assert erase_qualification(qualification, scrub) == {
        "budget": {"status": "range"}, "need": {"text": ERASED, "confirmed": True},
        "meddic": {"champion": ERASED, "metrics": ""},
    }  # fmt: skip


def test_retention_counts_calendar_days_back_from_now():
    assert retention_cutoff(NOW, 1095) == NOW - timedelta(days=1095)


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-x", "'-x"), ("@A1", "'@A1"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("ok", "ok"), (-5, -5), (None, ""), ("a=b", "a=b")],
)  # fmt: skip
def test_csv_cells_that_look_like_formulas_are_shown_as_text(value, cell):
    assert harmless(value) == cell


def test_rows_to_csv_neutralises_headers_and_cells():
    text = rows_to_csv(["name", "=bad"], [{"name": "=HYPERLINK(1)", "=bad": 2}])
    assert text == "name,'=bad\r\n'=HYPERLINK(1),2\r\n"


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy():
    proxies = trusted_networks("10.0.0.0/8, 192.0.2.7")
    assert address_of("203.0.113.9", "1.2.3.4", ()) == "203.0.113.9"
    assert address_of("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"
    assert address_of("10.0.0.2", "1.2.3.4, 198.51.100.1, 192.0.2.7", proxies) == "198.51.100.1"
    assert address_of("10.0.0.2", "10.0.0.5", proxies) == "10.0.0.5"
    assert address_of("10.0.0.2", None, proxies) == "10.0.0.2"
    with pytest.raises(ValueError):
        trusted_networks("not-an-address")


def test_query_strings_with_nul_and_access_log_paths():
    assert nul_parameter(b"q=a%00b&page=1") == "q"
    assert nul_parameter(b"q=ab") is None
    assert redact("/api/v1/leads?q=dupont&page=2") == "/api/v1/leads?q=…&page=…"
    assert redact("/api/v1/health") == "/api/v1/health"
    assert redact("/x/jean%40exemple.fr/y") == "/x/…/y"


def test_an_alert_about_a_do_not_contact_person_reaches_its_user_but_no_webhook():
    from bascule.alerts.rules import DO_NOT_CONTACT, Channel, Planned, Status, plan_internal
    from bascule.playbook.schema import Webhook

    hook = Webhook(name="crm", url="https://crm.example/hook", secret="0123456789abcdef")
    planned = plan_internal("mql_reached", recipient_email="rep@x.fr", email_on=True,
                            webhooks=[hook], about_do_not_contact=True)  # fmt: skip
    assert planned == [
        Planned(Channel.EMAIL, "rep@x.fr"),
        Planned(Channel.WEBHOOK, "crm", Status.SKIPPED, DO_NOT_CONTACT),
    ]
