"""The worker loop in-process: periodic ticks, a webhook taken out of the playbook, the
``bascule alerts`` commands, and e-mail when the SMTP server is down then back."""

from __future__ import annotations

import threading
from datetime import datetime

from alerting import hook, running, wait_until

from bascule.storage.uow import Database


def test_ticks_run_periodically_and_a_failing_tick_does_not_stop_the_others(make_worker):
    calls: list[datetime] = []
    ran = threading.Event()

    def tick(database: Database, now: datetime) -> None:
        calls.append(now)
        if len(calls) >= 3:
            ran.set()

    def broken(database: Database, now: datetime) -> None:
        raise RuntimeError("a bug in another domain")

    worker = make_worker(ticks=[(0.05, broken), (0.05, tick)])
    with running(worker):
        assert ran.wait(10)

    assert len(calls) >= 3
    assert calls == sorted(calls) and calls[0].tzinfo is not None


def test_once_runs_each_tick_once(make_worker):
    calls: list[datetime] = []

    make_worker(ticks=[(3600, lambda db, now: calls.append(now))]).run(once=True)

    assert len(calls) == 1


def test_a_webhook_removed_from_the_playbook_is_skipped_not_retried(
    users, receiver, use_playbook, enqueue, make_worker, deliveries, attempt_log, make_due
):
    endpoint = receiver("fail")
    use_playbook([hook("old", endpoint)], backoff_seconds=60, backoff_max_seconds=60)
    enqueue(users["sales"].id)
    make_worker().run(once=True)  # fails once, waits for its retry
    use_playbook([])  # the webhook is gone
    make_due()

    make_worker().run(once=True)

    [row] = deliveries()
    assert [line.outcome for line in attempt_log(row.id)] == ["failed", "skipped"]
    assert "webhook old is off or gone" in (row.last_error or "")
    assert len(endpoint.hits) == 1


def test_email_waits_for_the_smtp_server_to_come_back(
    users, smtp, use_playbook, enqueue, make_worker, deliveries
):
    use_playbook(backoff_seconds=1, backoff_max_seconds=1)
    sales = users["sales"]
    enqueue(sales.id, key="smtp-down")

    make_worker(f"smtp://127.0.0.1:{smtp.port + 1}").run(once=True)  # nobody listens there
    [failed] = deliveries()
    with running(make_worker(smtp.url)):  # the retry comes after its backoff (1 s)
        wait_until(lambda: deliveries()[0].status == "delivered", 10, "the e-mail")

    assert (failed.status, failed.attempts) == ("pending", 1)
    assert "Connection" in (failed.last_error or "")
    assert len(smtp.mailbox.to(sales.email)) == 1
    assert deliveries()[0].attempts == 2


def test_the_alerts_commands_list_deliveries_and_their_log(
    users, receiver, use_playbook, enqueue, make_worker, deliveries, bascule_cli
):
    use_playbook([hook("flaky", receiver("fail"))], max_attempts=1)
    enqueue(users["sales"].id, kind="opportunity_suggested")
    make_worker().run(once=True)
    [dead] = deliveries()

    listed = bascule_cli("alerts", "deliveries", "--status", "dead")
    log = bascule_cli("alerts", "log", str(dead.id))
    none = bascule_cli("alerts", "deliveries", "--status", "delivered")

    assert listed.exit_code == 0, listed.output
    assert "opportunity_suggested" in listed.stdout and "flaky" in listed.stdout
    assert "HTTP 500" in listed.stdout
    assert listed.stdout.strip().endswith("1 delivery")
    assert log.exit_code == 0 and "dead" in log.stdout and "500" in log.stdout
    assert none.stdout.strip().endswith("0 deliveries")
