"""Helpers for the alert tests: webhook receivers (http.server) that answer, hang, fail or hang
up, an SMTP mailbox (aiosmtpd), a playbook with webhooks, and a worker running in a thread."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import tomli_w

from bascule.alerts import webhooks
from bascule.playbook.load import default_text
from bascule.worker import Worker

SECRET = "s3cret-for-the-tests-0123456789"


def now() -> datetime:
    return datetime.now(UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], Any], timeout: float = 10, what: str = "") -> float:
    """Poll until ``predicate()`` is true; how long it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            pytest.fail(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(0.01)
    return time.monotonic() - started


# --- webhook receivers ------------------------------------------------------------------------


@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def key(self) -> str:
        return self.headers.get("idempotency-key", "")

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def verified(self, secret: str = SECRET) -> bool:
        return webhooks.verify(
            secret,
            self.headers.get("x-bascule-timestamp", ""),
            self.body,
            self.headers.get("x-bascule-signature", ""),
        )


@dataclass
class Receiver:
    """``mode``: "ok" (204), "fail" (500), "hang" (no answer until the test ends), "close"
    (reads the request, then closes the connection without a word). Changeable at any time."""

    mode: str = "ok"
    hits: list[Hit] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/bascule?source=test"

    def keys(self) -> Counter[str]:
        return Counter(hit.key for hit in list(self.hits))

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.hits.append(Hit(headers, body, time.monotonic()))
                mode = receiver.mode
                if mode == "hang":
                    receiver.released.wait(30)
                    self.close_connection = True
                    return
                if mode == "close":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status = 204 if mode == "ok" else 500
                self.send_response(status)
                self.send_header("Content-Length", "0" if status == 204 else "5")
                self.end_headers()
                if status != 204:
                    self.wfile.write(b"oops!")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


# --- SMTP -------------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for rcpts, m in list(self.messages) if address in rcpts]


@dataclass
class SmtpServer:
    mailbox: Mailbox
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from=alertes@bascule-crm.fr"


# --- playbook and worker ----------------------------------------------------------------------


def playbook_text(webhooks: list[dict[str, Any]] | None = None, **alerts: Any) -> str:
    """The default playbook with fast retries (0.05 s, doubled, 1 s at most), a 0.5 s timeout,
    these webhooks and these ``[alerts]`` settings."""
    data = tomllib.loads(default_text())
    data["alerts"] = {
        **data.get("alerts", {}),
        "backoff_seconds": 0.05,
        "backoff_max_seconds": 1,
        "timeout_seconds": 0.5,
        **alerts,
        "webhooks": webhooks or [],
    }
    return tomli_w.dumps(data)


def hook(name: str, r: Receiver, **extra: Any) -> dict[str, Any]:
    return {"name": name, "url": r.url, "secret": SECRET} | extra


@contextlib.contextmanager
def running(worker: Worker) -> Iterator[Worker]:
    """The worker's loop in a thread for the duration of the block."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def target() -> None:
        try:
            worker.run(stop)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors
