"""Webhook signatures and documents, e-mail settings and messages: pure functions."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from bascule.alerts import email, messages, webhooks
from bascule.errors import ValidationFailed
from bascule.playbook.schema import Webhook

SECRET = "whsec-0123456789abcdef"


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"id":1,"kind":"mql_reached"}'

    signature = webhooks.signature(SECRET, "1900000000", body)

    expected = hmac.new(SECRET.encode(), b"1900000000." + body, hashlib.sha256).hexdigest()
    assert signature == "sha256=" + expected


def test_verify_checks_signature_body_and_freshness():
    body = b'{"a":1}'
    header = webhooks.signature(SECRET, "1900000000", body)

    assert webhooks.verify(SECRET, "1900000000", body, header, now=1900000100)
    assert not webhooks.verify(SECRET, "1900000000", b'{"a":2}', header, now=1900000100)
    assert not webhooks.verify("other-secret-12345", "1900000000", body, header, now=1900000100)
    assert not webhooks.verify(SECRET, "1900000000", body, header, now=1900000000 + 301)
    assert not webhooks.verify(SECRET, "soon", body, header, now=1900000000)


def test_a_prepared_call_carries_the_documented_headers():
    hook = Webhook(name="crm", url="https://crm.example/in", secret=SECRET)
    alert = {"id": 7, "kind": "mql_reached", "payload": {"lead_id": 3, "nom": "Élodie"}}

    call = webhooks.prepare(
        hook, alert, idempotency_key="mql:3", delivery_id=12, attempt=2, timestamp=1900000000
    )

    assert call.url == "https://crm.example/in"
    assert json.loads(call.body) == alert
    assert "Élodie".encode() in call.body  # UTF-8, not \\u escapes
    assert call.headers["Idempotency-Key"] == "mql:3"
    assert call.headers["X-Bascule-Event"] == "mql_reached"
    assert (call.headers["X-Bascule-Delivery"], call.headers["X-Bascule-Attempt"]) == ("12", "2")
    assert call.headers["X-Bascule-Timestamp"] == "1900000000"
    assert webhooks.verify(
        SECRET, "1900000000", call.body, call.headers["X-Bascule-Signature"], now=1900000000
    )


def test_a_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    hook = Webhook(name="crm", url="http://127.0.0.1:9/x", secret_env="BASCULE_UNIT_HOOK")
    monkeypatch.delenv("BASCULE_UNIT_HOOK", raising=False)
    with pytest.raises(webhooks.SecretMissing, match="BASCULE_UNIT_HOOK is not set"):
        webhooks.secret_of(hook)
    monkeypatch.setenv("BASCULE_UNIT_HOOK", "from-env")
    assert webhooks.secret_of(hook) == "from-env"


def test_a_refused_connection_is_a_failed_attempt_not_an_exception():
    hook = Webhook(name="down", url="http://127.0.0.1:9/nothing-here", secret=SECRET)
    call = webhooks.prepare(hook, {"kind": "x"}, idempotency_key="k", delivery_id=1, attempt=1)

    result = webhooks.post(call, timeout=1)

    assert not result.ok
    assert result.status_code is None
    assert "ConnectionRefused" in (result.error or "")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:2525", ("127.0.0.1", 2525, None, None, False, False)),
        ("smtp://mail.example", ("mail.example", 25, None, None, False, False)),
        (
            "smtp://u%40x:p%3Ass@mail.example:587?starttls=true&from=crm@x.fr",
            ("mail.example", 587, "u@x", "p:ss", False, True),
        ),
        ("smtps://u:p@mail.example", ("mail.example", 465, "u", "p", True, False)),
    ],
)
def test_smtp_urls(url: str, expected: tuple):
    config = email.SmtpConfig.parse(url)

    got = (config.host, config.port, config.username, config.password, config.tls, config.starttls)
    assert got == expected


def test_the_sender_comes_from_the_url_and_bad_urls_are_refused():
    assert email.SmtpConfig.parse("smtp://h:25?from=crm@x.fr").sender == "crm@x.fr"
    for bad in ("http://h:25", "smtp://", "smtp://h:notaport"):
        with pytest.raises(ValidationFailed):
            email.SmtpConfig.parse(bad)


def test_the_message_id_is_stable_per_alert_and_address():
    first = email.message_id("mql:3", "a@x.fr")

    assert first == email.message_id("mql:3", "a@x.fr")
    assert first != email.message_id("mql:3", "b@x.fr")
    assert first.startswith("<") and first.endswith("@bascule.alerts>")


def test_titles_in_french_and_english_and_for_unknown_kinds():
    payload = {"lead_id": 12, "score": 64}

    assert messages.title("mql_reached", payload, "fr") == "Lead #12 devenu MQL (score 64)"
    assert messages.title("mql_reached", payload, "en") == "Lead #12 reached MQL (score 64)"
    assert messages.title("mql_reached", {"lead_id": 12}, "en") == "Lead #12 reached MQL"
    assert messages.title("quota_exceeded", {}, "en") == "Alert quota_exceeded"
    body = messages.email_body("mql_reached", payload, "mql:12", "en")
    assert body.splitlines()[0] == "Lead #12 reached MQL (score 64)"
    assert "score: 64" in body and "Key: mql:12" in body
