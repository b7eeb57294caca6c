"""``GET /api/v1/alerts`` (the caller's only), ``POST /alerts/{id}/read``, and the live
``GET /api/v1/alerts/stream`` over a real uvicorn server (SPEC §8, §13)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from alerting import free_port, wait_until

from bascule.app import create_app
from bascule.config import Settings
from bascule.storage.uow import Database

# Written around a seller's own records: the driver calls as the sales user.
AS = "sales"


def test_each_user_sees_only_their_own_delivered_alerts(api, users, enqueue, make_worker):
    mine = enqueue(users["sales"].id, 3, key="sales")
    theirs = enqueue(users["marketing"].id, 2, key="marketing")
    make_worker().run(once=True)
    later = enqueue(users["sales"].id, kind="opportunity_suggested", key="later")  # not yet

    sales = api.ok(api.get("/alerts"))
    marketing = api.ok(api.get("/alerts", as_="marketing"))
    admin = api.ok(api.get("/alerts", as_="admin"))

    assert [a["id"] for a in sales["items"]] == sorted(mine, reverse=True)
    assert (sales["total"], sales["unread"]) == (3, 3)
    assert [a["id"] for a in marketing["items"]] == sorted(theirs, reverse=True)
    assert admin["items"] == [] and admin["total"] == 0
    assert later[0] not in [a["id"] for a in sales["items"]]
    assert set(sales["items"][0]) == {
        "id", "kind", "title", "payload", "created_at", "delivered_at", "read_at", "read",
    }  # fmt: skip


def test_reading_an_alert_and_the_unread_filter(api, users, enqueue, make_worker):
    first, second = enqueue(users["sales"].id, 2)
    make_worker().run(once=True)

    read = api.ok(api.post(f"/alerts/{first}/read"))
    again = api.ok(api.post(f"/alerts/{first}/read"))
    unread = api.ok(api.get("/alerts", params={"unread": "true"}))
    already = api.ok(api.get("/alerts", params={"unread": "false"}))
    everything = api.ok(api.get("/alerts", params={"page_size": 1, "page": 2}))

    assert read["read"] is True and read["read_at"] is not None
    assert again["read_at"] == read["read_at"]  # the first read time is kept
    assert [a["id"] for a in unread["items"]] == [second]
    assert (unread["total"], unread["unread"]) == (1, 1)
    assert [a["id"] for a in already["items"]] == [first]
    assert already["total"] == 1
    assert [a["id"] for a in everything["items"]] == [first]
    assert everything["total"] == 2


def test_another_users_alert_cannot_be_read_or_marked(api, users, enqueue, make_worker):
    [theirs] = enqueue(users["marketing"].id)
    make_worker().run(once=True)

    response = api.post(f"/alerts/{theirs}/read")

    api.error(response, 404, "not_found")
    marketing = api.ok(api.get("/alerts", as_="marketing"))
    assert marketing["items"][0]["read"] is False


def test_alerts_need_a_token_and_bad_parameters_are_4xx(api):
    api.error(api.get("/alerts", as_=None), 401, "unauthorized")
    api.error(api.get("/alerts/stream", as_=None), 401, "unauthorized")
    api.error(api.get("/alerts", params={"page_size": 0}), 422, "validation_failed")
    api.error(api.get("/alerts", params={"unread": "maybe"}), 422, "validation_failed")
    api.error(api.post("/alerts/0/read"), 422, "validation_failed")
    api.error(api.post("/alerts/123456/read"), 404, "not_found")


# --- the live stream --------------------------------------------------------------------------


@pytest.fixture
def server(database: Database) -> Iterator[str]:
    """The app on a real uvicorn server in a thread; its base URL."""
    settings = Settings(
        database_url=database.url,
        alerts_stream_keepalive_seconds=0.3,
        alerts_stream_poll_seconds=0.05,
    )
    config = uvicorn.Config(
        create_app(settings, database), host="127.0.0.1", port=free_port(), log_level="warning",
        timeout_graceful_shutdown=1,
    )  # fmt: skip
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    wait_until(lambda: instance.started, 10, "uvicorn")
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


class Events:
    """Reads a text/event-stream: comments and events, one block at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.iter_lines()

    def next_block(self) -> list[str]:
        block: list[str] = []
        for line in self.lines:
            if line == "":
                if block:
                    return block
                continue
            block.append(line)
        return block

    def next_event(self, deadline: float = 10) -> dict[str, str]:
        ends = time.monotonic() + deadline
        while time.monotonic() < ends:
            block = self.next_block()
            fields = dict(line.split(": ", 1) for line in block if not line.startswith(":"))
            if "event" in fields:
                return fields
        raise AssertionError("no event")


def test_the_stream_pushes_an_alert_delivered_after_the_client_connected(
    server, users, enqueue, make_worker
):
    sales = users["sales"]
    with (
        httpx.Client(base_url=server, timeout=10) as client,
        client.stream("GET", "/api/v1/alerts/stream", headers=sales.headers) as response,
    ):
        events = Events(response)
        hello = events.next_block()  # subscribed: what is delivered from now on comes
        enqueue(users["marketing"].id, key="not-for-sales")
        [alert_id] = enqueue(sales.id, payload={"lead_id": 7, "score": 71}, key="live")
        make_worker().run(once=True)
        event = events.next_event()

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert any(line.startswith(": connected") for line in hello)
    assert event["event"] == "alert"
    assert event["id"] == str(alert_id)
    data = json.loads(event["data"])
    assert (data["id"], data["kind"], data["payload"]) == (alert_id, "mql_reached", {
        "lead_id": 7, "score": 71,
    })  # fmt: skip
    assert data["title"] == "Lead #7 devenu MQL (score 71)"


def test_the_stream_keeps_the_connection_alive_and_resumes_after_last_event_id(
    server, users, enqueue, make_worker
):
    sales = users["sales"]
    first, second = enqueue(sales.id, 2, key="missed")
    make_worker().run(once=True)
    headers = {**sales.headers, "Last-Event-ID": str(first)}
    with (
        httpx.Client(base_url=server, timeout=10) as client,
        client.stream("GET", "/api/v1/alerts/stream", headers=headers) as response,
    ):
        events = Events(response)
        events.next_block()
        missed = events.next_event()
        keep_alive = events.next_block()

    assert missed["id"] == str(second)  # only what came after the last event seen
    assert keep_alive == [": keep-alive"]
