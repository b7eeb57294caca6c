"""PostgreSQL LISTEN in a background thread: the worker is woken when an alert is written, and
API processes learn that an alert was delivered in-app (for the live stream).

One dedicated connection per listener (not from the pool: it stays in LISTEN for the life of
the process); it reconnects after a network error, and callers keep a polling fallback, so a
notification lost while reconnecting only costs latency.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import psycopg
from sqlalchemy import Engine

log = logging.getLogger("bascule.notify")


def conninfo(engine: Engine) -> str:
    """The engine's URL as libpq understands it (without SQLAlchemy's driver suffix)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """Calls ``on_notify(channel, payload)`` from its own thread for each notification."""

    def __init__(
        self,
        engine: Engine,
        channels: Sequence[str],
        on_notify: Callable[[str, str], None],
        *,
        name: str = "bascule-listen",
    ) -> None:
        self._conninfo = conninfo(engine)
        self._channels = tuple(channels)
        self._on_notify = on_notify
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self, wait: float = 5.0) -> Listener:
        self._thread.start()
        self._ready.wait(wait)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def listening(self) -> bool:
        return self._ready.is_set()

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    for channel in self._channels:
                        conn.execute(f'LISTEN "{channel}"')
                    self._ready.set()
                    delay = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            try:
                                self._on_notify(note.channel, note.payload)
                            except Exception:  # a bad subscriber must not stop the listener
                                log.exception("notification handler failed")
            except psycopg.Error as exc:
                self._ready.clear()
                log.warning("LISTEN connection lost (%s); reconnecting in %.1f s", exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, 10.0)
