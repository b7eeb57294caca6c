"""Webhook calls: a JSON POST signed with the webhook's secret.

Headers sent with every call:

    Content-Type: application/json
    Idempotency-Key: <the alert's idempotency key>      the same on every retry: dedupe on it
    X-Bascule-Event: <alert kind>
    X-Bascule-Delivery: <delivery id>      X-Bascule-Attempt: <1, 2, ...>
    X-Bascule-Timestamp: <unix seconds>
    X-Bascule-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares it in
constant time, and refuses timestamps too far from its clock (``verify`` does all three).
Any 2xx answer is a delivery; anything else (another status, a refused or closed connection,
no answer within the timeout) is a failed attempt, retried with backoff. Redirects are not
followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bascule import __version__
from bascule.alerts.rules import Result
from bascule.playbook.schema import Webhook

SIGNATURE_PREFIX = "sha256="
MAX_ANSWER_BYTES = 65_536  # what is read of an answer (the rest is dropped)


@dataclass(frozen=True)
class Call:
    url: str
    body: bytes
    headers: dict[str, str]


class SecretMissing(Exception):
    pass


def secret_of(webhook: Webhook) -> str:
    if webhook.secret is not None:
        return webhook.secret.get_secret_value()
    value = os.environ.get(webhook.secret_env or "")
    if not value:
        raise SecretMissing(
            f"webhook {webhook.name}: environment variable {webhook.secret_env} is not set "
            "in the worker's environment"
        )
    return value


def body(alert: dict[str, Any]) -> bytes:
    """The JSON document sent: the same bytes on every retry."""
    return json.dumps(alert, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: str, payload: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + payload, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    payload: bytes,
    header: str,
    *,
    now: float | None = None,
    tolerance: float = 300,
) -> bool:
    """What a receiver checks: the signature, and a timestamp within ``tolerance`` seconds."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, payload), header)


def prepare(
    webhook: Webhook,
    alert: dict[str, Any],
    *,
    idempotency_key: str,
    delivery_id: int,
    attempt: int,
    timestamp: int | None = None,
) -> Call:
    payload = body(alert)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"Bascule-Webhooks/{__version__}",
        "Idempotency-Key": idempotency_key,
        "X-Bascule-Event": str(alert.get("kind", "")),
        "X-Bascule-Delivery": str(delivery_id),
        "X-Bascule-Attempt": str(attempt),
        "X-Bascule-Timestamp": stamp,
        "X-Bascule-Signature": signature(secret_of(webhook), stamp, payload),
    }
    return Call(webhook.url, payload, headers)


def post(call: Call, *, timeout: float) -> Result:
    """POST with a connect timeout and a read timeout of ``timeout`` seconds each."""
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    parts = urlsplit(call.url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=call.body, headers=call.headers)
        response = conn.getresponse()
        answer = response.read(MAX_ANSWER_BYTES)
        status = response.status
    except TimeoutError:
        return Result(False, None, f"timeout: no answer within {timeout:g} s", took())
    except (OSError, http.client.HTTPException) as exc:
        return Result(False, None, f"{type(exc).__name__}: {exc}"[:500], took())
    finally:
        conn.close()
    if 200 <= status < 300:
        return Result(True, status, None, took())
    excerpt = answer[:200].decode("utf-8", errors="replace").strip()
    return Result(False, status, f"HTTP {status}: {excerpt}"[:500], took())
