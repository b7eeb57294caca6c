"""The worker's decisions, without a database: who gets what, backoff, dead letters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bascule.alerts import rules
from bascule.alerts.rules import Channel, Person, Planned, Result, Status
from bascule.playbook.schema import Alerts, Webhook

NOW = datetime(2031, 3, 4, 9, 30, tzinfo=UTC)
SECRET = "0123456789abcdef"


def _hook(name: str, *kinds: str, enabled: bool = True) -> Webhook:
    return Webhook(
        name=name, url=f"https://{name}.example/h", secret=SECRET, kinds=kinds, enabled=enabled
    )


def test_an_internal_alert_goes_by_email_and_to_the_webhooks_of_its_kind():
    hooks = [_hook("mql", "mql_reached"), _hook("all"), _hook("star", "*"), _hook("sla", "sla")]

    planned = rules.plan_internal(
        "mql_reached", recipient_email="vendeur@x.fr", email_on=True, webhooks=hooks
    )

    assert planned == [
        Planned(Channel.EMAIL, "vendeur@x.fr"),
        Planned(Channel.WEBHOOK, "mql"),
        Planned(Channel.WEBHOOK, "all"),
        Planned(Channel.WEBHOOK, "star"),
    ]


def test_no_email_without_smtp_or_recipient_and_disabled_webhooks_get_nothing():
    hooks = [_hook("off", enabled=False)]

    assert rules.plan_internal("x", recipient_email="a@x.fr", email_on=False, webhooks=hooks) == []
    assert rules.plan_internal("x", recipient_email=None, email_on=True, webhooks=hooks) == []


def test_a_message_to_a_person_honours_do_not_contact():
    blocked = rules.plan_person(Person("p@x.fr", do_not_contact=True), email_on=True)
    allowed = rules.plan_person(Person("p@x.fr", do_not_contact=False), email_on=True)
    nobody = rules.plan_person(None, email_on=True)
    no_address = rules.plan_person(Person(None, False), email_on=True)

    assert [(p.status, p.reason) for p in blocked] == [(Status.SKIPPED, rules.DO_NOT_CONTACT)]
    assert allowed == [Planned(Channel.PERSON_EMAIL, "p@x.fr")]
    assert nobody[0].status == no_address[0].status == Status.SKIPPED


def test_backoff_doubles_from_the_base_up_to_the_maximum():
    delays = [rules.backoff(n, base=30, maximum=600).total_seconds() for n in range(1, 8)]

    assert delays == [30, 60, 120, 240, 480, 600, 600]


@given(st.integers(min_value=1, max_value=10_000))
def test_backoff_never_exceeds_the_maximum(failures: int):
    assert rules.backoff(failures, base=0.5, maximum=3600) <= timedelta(seconds=3600)


@pytest.mark.parametrize(
    ("result", "attempt", "expected"),
    [
        (Result(True, 204), 1, (Status.DELIVERED, "delivered", None)),
        (Result(False, 500, "HTTP 500"), 1, (Status.PENDING, "failed", NOW + timedelta(0, 10))),
        (Result(False, 500, "HTTP 500"), 2, (Status.PENDING, "failed", NOW + timedelta(0, 20))),
        (Result(False, None, "timeout"), 3, (Status.DEAD, "dead", None)),
        (Result(False, error="dnc", skipped=True), 1, (Status.SKIPPED, "skipped", None)),
    ],
)
def test_after_an_attempt(result: Result, attempt: int, expected: tuple):
    playbook_rules = Alerts(max_attempts=3, backoff_seconds=10, backoff_max_seconds=60)

    after = rules.after_attempt(result, attempt=attempt, rules=playbook_rules, now=NOW)

    assert (after.status, after.outcome, after.next_attempt_at) == expected


def test_one_opportunity_suggested_alert_per_lead_form_and_day():
    key = rules.alert_key("opportunity_suggested", 12, "pricing_request", date(2030, 3, 1))
    assert key == "opportunity_suggested:lead:12:pricing_request:2030-03-01"
    assert len(key) <= 120
