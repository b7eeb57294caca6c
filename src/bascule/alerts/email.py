"""E-mail over SMTP (stdlib ``smtplib``), configured by ``BASCULE_SMTP_URL``:

    smtp://host:port                      plain SMTP (port 25 by default)
    smtp://user:password@host:587?starttls=true
    smtps://user:password@host:465        SMTP over TLS
    ...?from=alertes@example.com          the sender (default bascule@<host name>)

One connection per message: alerts are few and the server may be far; a timeout bounds every
network step, so a hanging server costs one delivery slot for ``timeout`` seconds, no more.
"""

from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlsplit

from bascule.alerts.rules import Result
from bascule.errors import ValidationFailed

TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False

    @staticmethod
    def parse(url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValidationFailed(
                "BASCULE_SMTP_URL must look like smtp://host:port or smtps://user:pass@host:port",
                fields={"smtp_url": "expected smtp://host:port"},
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        tls = parts.scheme == "smtps"
        try:
            port = parts.port or (465 if tls else 25)
        except ValueError:
            raise ValidationFailed(
                "BASCULE_SMTP_URL has an invalid port", fields={"smtp_url": "invalid port"}
            ) from None
        return SmtpConfig(
            host=parts.hostname,
            port=port,
            sender=query.get("from") or f"bascule@{socket.getfqdn() or 'localhost'}",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
            starttls=query.get("starttls", "").lower() in TRUE,
        )


def message_id(idempotency_key: str, to: str) -> str:
    """The same on every retry of one alert to one address, so mail clients drop a duplicate."""
    digest = hashlib.sha256(f"{idempotency_key}\n{to}".encode()).hexdigest()[:32]
    return f"<{digest}@bascule.alerts>"


def build(
    config: SmtpConfig, *, to: str, subject: str, body: str, idempotency_key: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id(idempotency_key, to)
    msg["X-Bascule-Idempotency-Key"] = idempotency_key
    msg.set_content(body)
    return msg


def send(config: SmtpConfig, msg: EmailMessage, *, timeout: float) -> Result:
    started = time.perf_counter()

    def took() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        smtp: smtplib.SMTP
        if config.tls:
            smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout)
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=timeout)
        with smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return Result(False, exc.smtp_code, f"SMTP {exc.smtp_code}: {text}"[:500], took())
    except (smtplib.SMTPException, OSError) as exc:
        return Result(False, None, f"{type(exc).__name__}: {exc}"[:500], took())
    if refused:
        return Result(False, None, f"refused recipients: {', '.join(refused)}"[:500], took())
    return Result(True, 250, None, took())
