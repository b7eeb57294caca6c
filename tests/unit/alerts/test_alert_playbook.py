"""The playbook's ``[alerts]`` section: defaults, webhooks, and refusals with their location."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
import tomli_w

from bascule.errors import PlaybookInvalid
from bascule.playbook.load import default_playbook, default_text, parse


def _with_alerts(**alerts: Any) -> str:
    data = tomllib.loads(default_text())
    data["alerts"] = data.get("alerts", {}) | alerts
    return tomli_w.dumps(data)


def _refused(**alerts: Any) -> dict[str, str]:
    with pytest.raises(PlaybookInvalid) as exc:
        parse(_with_alerts(**alerts))
    return exc.value.fields


def test_defaults():
    alerts = default_playbook().alerts

    assert (alerts.email, alerts.max_attempts, alerts.timeout_seconds) == (True, 8, 5)
    assert (alerts.backoff_seconds, alerts.backoff_max_seconds) == (30, 3600)
    assert alerts.webhooks == ()


def test_webhooks_are_read_and_the_inline_secret_is_masked_when_shown():
    playbook = parse(
        _with_alerts(
            webhooks=[
                {"name": "crm", "url": "https://h.example/x", "secret": "0123456789abcdef"},
                {"name": "bi", "url": "http://10.0.0.2:8080/in", "secret_env": "BI_SECRET",
                 "kinds": ["mql_reached"]},
            ]
        )
    )  # fmt: skip

    crm, bi = playbook.alerts.webhooks
    assert crm.wants("anything") and bi.wants("mql_reached") and not bi.wants("sla_breached")
    shown = playbook.model_dump(mode="json")["alerts"]["webhooks"][0]
    assert shown["secret"] == "**********"


@pytest.mark.parametrize(
    ("alerts", "field"),
    [
        ({"max_attempts": 0}, "alerts.max_attempts"),
        ({"backoff_seconds": -1}, "alerts.backoff_seconds"),
        ({"timeout_seconds": 0}, "alerts.timeout_seconds"),
        ({"backoff_seconds": 60, "backoff_max_seconds": 10}, "alerts.backoff_max_seconds"),
        ({"webhooks": [{"name": "x", "url": "ftp://h/x", "secret": "0123456789abcdef"}]},
         "alerts.webhooks.0.url"),
        ({"webhooks": [{"name": "x", "url": "https://h/x", "secret": "short"}]},
         "alerts.webhooks.0.secret"),
        ({"webhooks": [{"name": "x", "url": "https://h/x"}]}, "alerts.webhooks.0"),
        ({"webhooks": [{"name": "x", "url": "https://h/x", "secret": "0123456789abcdef",
                        "secret_env": "X"}]}, "alerts.webhooks.0"),
        ({"webhooks": [{"name": "x", "url": "https://h/x", "secret_env": "X",
                        "kinds": ["MQL!"]}]}, "alerts.webhooks.0.kinds"),
        ({"webhooks": [{"name": "x", "url": "https://h/x", "secret_env": "X"}] * 2},
         "alerts.webhooks"),
        ({"webhooks": [{"name": "x", "url": "https://h/x", "secret_env": "X", "retries": 3}]},
         "alerts.webhooks.0.retries"),
    ],
)  # fmt: skip
def test_bad_alert_settings_are_refused_with_their_location(alerts: dict[str, Any], field: str):
    fields = _refused(**alerts)

    assert field in fields, fields
