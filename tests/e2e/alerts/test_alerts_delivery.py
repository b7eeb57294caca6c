"""Alert delivery by the worker: in-app, e-mail over real SMTP, signed webhooks; failing
endpoints, retries with backoff, dead letters and replay; do-not-contact (SPEC §8, §11)."""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime

from alerting import SECRET, hook, running, wait_until

from bascule.alerts import outbox, webhooks
from bascule.playbook.schema import Webhook
from bascule.storage import tables as t

# Written around a seller's own records: the driver calls as the sales user.
AS = "sales"


def test_an_alert_reaches_the_app_the_mailbox_and_a_signed_webhook(
    api, users, smtp, receiver, use_playbook, enqueue, make_worker, deliveries, attempt_log
):
    endpoint = receiver("ok")
    use_playbook([hook("crm-bridge", endpoint, kinds=["mql_reached"])])
    sales = users["sales"]
    [alert_id] = enqueue(sales.id, payload={"lead_id": 42, "score": 57}, key="mql")

    before = api.ok(api.get("/alerts"))
    stats = make_worker(smtp.url).run(once=True)
    after = api.ok(api.get("/alerts"))

    # In-app: listed only once the worker delivered it.
    assert before["items"] == []
    assert [a["id"] for a in after["items"]] == [alert_id]
    assert after["items"][0]["title"] == "Lead #42 devenu MQL (score 57)"
    assert after["unread"] == 1
    # E-mail: one message to the recipient, with a Message-ID stable across retries.
    [mail] = smtp.mailbox.to(sales.email)
    assert mail["Subject"] == "[Bascule] Lead #42 devenu MQL (score 57)"
    assert mail["From"] == "alertes@bascule-crm.fr"
    assert mail["X-Bascule-Idempotency-Key"] == "mql:0"
    assert "lead_id: 42" in mail.get_content()
    # Webhook: signed over timestamp + "." + body, with the alert's idempotency key.
    [hit] = endpoint.hits
    assert hit.verified()
    assert not hit.verified("another-secret-of-16-chars")
    assert hit.key == "mql:0"
    assert hit.headers["x-bascule-event"] == "mql_reached"
    assert hit.headers["x-bascule-attempt"] == "1"
    assert hit.json["id"] == alert_id
    assert hit.json["payload"] == {"lead_id": 42, "score": 57}
    assert hit.json["recipient_user_id"] == sales.id
    # The delivery log: one line per channel.
    rows = deliveries()
    assert sorted((d.channel, d.target, d.status) for d in rows) == [
        ("email", sales.email, "delivered"),
        ("webhook", "crm-bridge", "delivered"),
    ]
    for row in rows:
        [line] = attempt_log(row.id)
        assert (line.attempt, line.outcome) == (1, "delivered")
    assert stats.outcomes["delivered"] == 2


def test_webhooks_get_only_the_kinds_they_subscribe_to_and_secrets_can_come_from_env(
    users, receiver, use_playbook, enqueue, make_worker, monkeypatch
):
    mql_only, everything = receiver("ok"), receiver("ok")
    monkeypatch.setenv("BASCULE_TEST_HOOK_SECRET", "from-the-environment-0123")
    use_playbook(
        [
            hook("mql-only", mql_only, kinds=["mql_reached"]),
            {
                "name": "all",
                "url": everything.url,
                "secret_env": "BASCULE_TEST_HOOK_SECRET",
                "kinds": ["*"],
            },
        ]
    )
    enqueue(users["sales"].id, kind="mql_reached", key="a")
    enqueue(users["sales"].id, kind="opportunity_suggested", key="b")

    make_worker().run(once=True)

    assert sorted(mql_only.keys()) == ["a:0"]
    assert sorted(everything.keys()) == ["a:0", "b:0"]
    assert all(h.verified("from-the-environment-0123") for h in everything.hits)


def test_hanging_failing_and_closing_endpoints_do_not_hold_up_the_others(
    users, smtp, receiver, use_playbook, enqueue, make_worker, deliveries, database
):
    good, hangs, fails, closes = receiver("ok"), receiver("hang"), receiver("fail"), receiver()
    closes.mode = "close"
    # timeout 0.5 s: each call to the hanging endpoint holds a slot that long.
    use_playbook(
        [hook("good", good), hook("hangs", hangs), hook("fails", fails), hook("closes", closes)],
        backoff_seconds=30,
        backoff_max_seconds=60,
    )
    sales = users["sales"]
    enqueue(sales.id, 20, key="burst")
    worker = make_worker(smtp.url, concurrency=8, per_endpoint=2)

    with running(worker):
        took = wait_until(lambda: len(good.keys()) == 20, 10, "the good endpoint")
        mails = wait_until(lambda: len(smtp.mailbox.to(sales.email)) == 20, 10, "the e-mails")
        hanging_now = len(hangs.hits)
        wait_until(lambda: len(fails.hits) == 20 and len(closes.hits) == 20, 10, "the failures")

    # 20 calls to the hanging endpoint take 10 rounds of 0.5 s at 2 at a time; the good
    # endpoint and the mailbox did not wait for them.
    assert took < 3, took
    assert mails < 3, mails
    assert hanging_now < 20
    by_target: dict[str, set[tuple[str, int]]] = {}
    for d in deliveries():
        by_target.setdefault(d.target, set()).add((d.status, d.attempts))
    assert by_target["good"] == {("delivered", 1)}
    assert by_target[sales.email] == {("delivered", 1)}
    assert by_target["fails"] == {("pending", 1)}
    assert by_target["closes"] == {("pending", 1)}
    errors = {d.target: d.last_error or "" for d in deliveries()}
    assert errors["fails"].startswith("HTTP 500")
    assert "RemoteDisconnected" in errors["closes"] or "Connection" in errors["closes"]
    hung = [d for d in deliveries() if d.target == "hangs" and d.attempts == 1]
    assert hung and all("timeout" in (d.last_error or "") for d in hung)
    # Failed deliveries wait for their backoff (30 s) before the next try.
    assert all(
        (d.next_attempt_at - datetime.now(UTC)).total_seconds() > 20
        for d in deliveries()
        if d.status == "pending" and d.attempts == 1
    )


def test_retries_back_off_then_dead_letter_then_replay_delivers(
    users, receiver, use_playbook, enqueue, make_worker, deliveries, attempt_log, bascule_cli
):
    endpoint = receiver("fail")
    use_playbook([hook("flaky", endpoint)], max_attempts=3, backoff_seconds=0.1)
    enqueue(users["sales"].id, key="retry")

    with running(make_worker()):
        wait_until(lambda: [d.status for d in deliveries()] == ["dead"], 10, "a dead letter")
    [dead] = deliveries()
    log = attempt_log(dead.id)
    replayed = bascule_cli("alerts", "replay", str(dead.id))
    endpoint.mode = "ok"
    make_worker().run(once=True)

    assert [(line.attempt, line.outcome, line.status_code) for line in log] == [
        (1, "failed", 500),
        (2, "failed", 500),
        (3, "dead", 500),
    ]
    gaps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(log)]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2, gaps  # 0.1 s, then doubled
    assert dead.attempts == 3
    assert replayed.exit_code == 0, replayed.output
    [delivered] = deliveries()
    assert (delivered.status, delivered.attempts) == ("delivered", 1)
    assert [line.outcome for line in attempt_log(dead.id)] == [
        "failed", "failed", "dead", "replayed", "delivered",
    ]  # fmt: skip
    # Every attempt carried the same idempotency key: the receiver can drop repeats.
    assert endpoint.keys() == {"retry:0": 4}
    assert [h.headers["x-bascule-attempt"] for h in endpoint.hits] == ["1", "2", "3", "1"]


def test_replaying_a_delivery_that_is_not_dead_is_refused(
    users, receiver, use_playbook, enqueue, make_worker, deliveries, bascule_cli
):
    use_playbook([hook("ok", receiver("ok"))])
    enqueue(users["sales"].id)
    make_worker().run(once=True)
    [done] = deliveries()

    result = bascule_cli("alerts", "replay", str(done.id))
    missing = bascule_cli("alerts", "replay", "999999")

    assert result.exit_code == 1
    assert "is delivered, not a dead letter" in result.stderr
    assert missing.exit_code == 1
    assert "not found" in missing.stderr


def test_do_not_contact_stops_messages_and_webhooks_about_the_person_not_internal_e_mail(
    api, users, smtp, receiver, use_playbook, make_worker, deliveries, database
):
    endpoint = receiver("ok")
    use_playbook([hook("crm", endpoint)])
    blocked = api.create_lead(email="ne-pas-contacter@exemple.fr", owner_id=users["sales"].id)
    reachable = api.create_lead(email="joignable@exemple.fr")
    with database.uow(write=True) as uow:
        uow.session.get(t.Lead, blocked["id"]).do_not_contact = True
        now = datetime.now(UTC)
        for lead in (blocked, reachable):
            outbox.enqueue_message_to_person(
                uow, lead_id=lead["id"], subject="Votre démo", body="Bonjour,",
                idempotency_key=f"msg:{lead['id']}", now=now,
            )  # fmt: skip
        outbox.enqueue(
            uow, kind="mql_reached", recipient_user_id=users["sales"].id,
            payload={"lead_id": blocked["id"], "score": 60}, idempotency_key="mql:dnc", now=now,
        )  # fmt: skip
        uow.commit()

    make_worker(smtp.url).run(once=True)

    assert smtp.mailbox.to("ne-pas-contacter@exemple.fr") == []
    [message] = smtp.mailbox.to("joignable@exemple.fr")
    assert message["Subject"] == "Votre démo"
    # The internal alert about the do-not-contact lead still reaches its owner (a user), but
    # no webhook: that would hand the person's data to a system that may contact them.
    assert len(smtp.mailbox.to(users["sales"].email)) == 1
    assert endpoint.keys() == {}
    statuses = {(d.channel, d.target): (d.status, d.last_error) for d in deliveries()}
    assert statuses[("webhook", "crm")][0] == "skipped"
    assert "do_not_contact" in statuses[("webhook", "crm")][1]
    assert statuses[("person_email", "ne-pas-contacter@exemple.fr")][0] == "skipped"
    assert "do_not_contact" in statuses[("person_email", "ne-pas-contacter@exemple.fr")][1]
    assert statuses[("person_email", "joignable@exemple.fr")] == ("delivered", None)
    # A message to a person is not an in-app alert of anyone.
    assert api.ok(api.get("/alerts"))["total"] == 1


def test_do_not_contact_set_after_the_message_was_queued_still_stops_it(
    api, users, smtp, use_playbook, make_worker, deliveries, database, make_due
):
    use_playbook(max_attempts=5, backoff_seconds=60, backoff_max_seconds=60)
    lead = api.create_lead(email="change-d-avis@exemple.fr")
    with database.uow(write=True) as uow:
        outbox.enqueue_message_to_person(
            uow, lead_id=lead["id"], subject="Relance", body="…", idempotency_key="msg:late",
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    worker = make_worker("smtp://127.0.0.1:1")  # nobody listens: the first try fails
    worker.run(once=True)
    with database.uow(write=True) as uow:
        uow.session.get(t.Lead, lead["id"]).do_not_contact = True
        uow.commit()
    make_due()

    make_worker(smtp.url).run(once=True)

    [row] = deliveries()
    assert (row.status, row.attempts) == ("skipped", 2)
    assert smtp.mailbox.messages == []


def test_a_message_sent_through_the_api_reaches_the_person_unless_they_said_no(
    api, smtp, use_playbook, make_worker, deliveries
):
    use_playbook()
    reachable = api.create_contact(last_name="Oui", email="oui@exemple.fr")
    blocked = api.create_contact(last_name="Non", email="non@exemple.fr", do_not_contact=True)
    late = api.create_lead(email="plus-tard@exemple.fr")
    message = {"subject": "Votre démo", "body": "Bonjour,\nvoici le lien."}

    api.ok(api.post(f"/contacts/{reachable['id']}/messages", message), 202)
    refused = api.post(f"/contacts/{blocked['id']}/messages", message)
    api.ok(api.post(f"/leads/{late['id']}/messages", message), 202)
    # The lead says no after the message was queued, before the worker sends it.
    api.ok(api.patch(f"/leads/{late['id']}", {"do_not_contact": True}))
    make_worker(smtp.url).run(once=True)

    api.error(refused, 409, "do_not_contact")
    [mail] = smtp.mailbox.to("oui@exemple.fr")
    assert mail["Subject"] == "Votre démo"
    assert smtp.mailbox.to("non@exemple.fr") == smtp.mailbox.to("plus-tard@exemple.fr") == []
    statuses = {d.target: d.status for d in deliveries()}
    assert statuses == {"oui@exemple.fr": "delivered", "plus-tard@exemple.fr": "skipped"}


def test_an_alert_raised_before_the_lead_had_an_owner_goes_to_its_owner(
    api, users, enqueue, make_worker, use_playbook
):
    use_playbook()
    lead = api.create_lead(email="sans-proprio@exemple.fr")
    enqueue(None, payload={"lead_id": lead["id"], "form_type": "demo_request"}, key="orphan")
    api.ok(api.patch(f"/leads/{lead['id']}", {"owner_id": users["sdr"].id}))

    make_worker().run(once=True)

    assert api.ok(api.get("/alerts", as_="sdr"))["total"] == 1
    assert api.ok(api.get("/alerts", as_="sales"))["total"] == 0


def test_a_webhook_whose_secret_is_missing_fails_with_a_clear_reason(
    users, receiver, use_playbook, enqueue, make_worker, deliveries, monkeypatch
):
    monkeypatch.delenv("BASCULE_TEST_UNSET_SECRET", raising=False)
    endpoint = receiver("ok")
    use_playbook(
        [{"name": "nosecret", "url": endpoint.url, "secret_env": "BASCULE_TEST_UNSET_SECRET"}],
        backoff_seconds=60,
        backoff_max_seconds=60,
    )
    enqueue(users["sales"].id)

    make_worker().run(once=True)

    [row] = deliveries()
    assert endpoint.hits == []
    assert (row.status, row.attempts) == ("pending", 1)
    assert "BASCULE_TEST_UNSET_SECRET is not set" in (row.last_error or "")


def test_the_webhook_body_is_the_json_that_was_signed(users, receiver, use_playbook, enqueue):
    endpoint = receiver("ok")
    use_playbook([hook("crm", endpoint)])
    call = webhooks.prepare(
        Webhook(name="x", url=endpoint.url, secret=SECRET),
        {"kind": "mql_reached", "payload": {"é": 1}},
        idempotency_key="k", delivery_id=1, attempt=1, timestamp=int(time.time()),
    )  # fmt: skip

    result = webhooks.post(call, timeout=2)

    assert result.ok and result.status_code == 204
    [hit] = endpoint.hits
    assert hit.verified()
    assert json.loads(hit.body) == {"kind": "mql_reached", "payload": {"é": 1}}
