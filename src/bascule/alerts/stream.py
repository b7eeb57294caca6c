"""Who is watching the live alert stream in this API process, and how they hear of new alerts.

One ``AlertHub`` per process, however many clients: on PostgreSQL one LISTEN connection on
``bascule_alerts`` (the worker NOTIFYs ``"<user id>:<alert id>"`` in the transaction that
delivers the alert in-app, so every API process hears it); on SQLite one thread polls for
alerts delivered since its last look (``poll_seconds``). Either starts with the first client.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bascule.storage import alerts as store
from bascule.storage.notify import Listener
from bascule.storage.uow import Database

log = logging.getLogger("bascule.alerts.stream")

# SQLite: an alert committed a little after its delivered_at is still found.
OVERLAP = timedelta(seconds=5)


@dataclass(eq=False)
class Subscription:
    user_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[int]


class AlertHub:
    def __init__(self, database: Database, *, poll_seconds: float = 1.0) -> None:
        self.database = database
        self.poll_seconds = poll_seconds
        self._subs: dict[int, set[Subscription]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: Listener | None = None
        self._poller: threading.Thread | None = None

    # --- clients ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start listening (idempotent). Blocks until LISTEN is set up: call it from a thread,
        not from the event loop."""
        with self._lock:
            self._start()

    def subscribe(self, user_id: int) -> Subscription:
        """From the client's event loop: alert ids for this user arrive on ``queue``."""
        sub = Subscription(user_id, asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._subs.setdefault(user_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.user_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.user_id]

    def publish(self, user_id: int, alert_id: int) -> None:
        with self._lock:
            subs = list(self._subs.get(user_id, ()))
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(sub.queue.put_nowait, alert_id)
            except RuntimeError:  # the client's event loop is gone
                self.unsubscribe(sub)

    @property
    def watching(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.stop()
        if self._poller is not None:
            self._poller.join(timeout=5)

    # --- sources ------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._listener is not None or self._poller is not None:
            return
        if self.database.is_sqlite:
            self._poller = threading.Thread(target=self._poll, name="bascule-sse-poll", daemon=True)
            self._poller.start()
        else:
            self._listener = Listener(
                self.database.engine, [store.ALERTS_CHANNEL], self._on_notify, name="bascule-sse"
            ).start()

    def _on_notify(self, _channel: str, payload: str) -> None:
        user, _, alert = payload.partition(":")
        if user.isdigit() and alert.isdigit():
            self.publish(int(user), int(alert))

    def _poll(self) -> None:
        since = datetime.now(UTC)
        seen: dict[int, datetime] = {}
        try:  # what was delivered before the first client came is not news
            with self.database.uow() as uow:
                seen = {a: at for a, _, at in store.delivered_since(uow.session, since - OVERLAP)}
        except Exception:
            log.exception("polling for delivered alerts failed")
        while not self._stop.wait(self.poll_seconds):
            if not self.watching:
                continue
            try:
                with self.database.uow() as uow:
                    rows = store.delivered_since(uow.session, since - OVERLAP)
            except Exception:
                log.exception("polling for delivered alerts failed")
                continue
            for alert_id, user_id, delivered_at in rows:
                if alert_id not in seen:
                    seen[alert_id] = delivered_at
                    self.publish(user_id, alert_id)
                since = max(since, delivered_at)
            horizon = since - OVERLAP
            for alert_id in [a for a, at in seen.items() if at < horizon]:
                del seen[alert_id]
