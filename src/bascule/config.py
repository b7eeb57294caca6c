"""Runtime settings, read from the environment (``BASCULE_*``) or passed explicitly."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

# The shipped secret key: good for a development run only (``Settings.refuse_unsafe_secret``).
DEFAULT_SECRET_KEY = "change-me"


class UnsafeSecretKey(Exception):
    """The server was asked to run for real with the shipped (public) secret key."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASCULE_", extra="ignore")

    database_url: str = "sqlite:///./bascule.db"
    # Signs the web forms' CSRF tokens. Anyone who knows it can forge them, so a server run
    # (``bascule serve``) refuses the default unless ``env`` is ``development``.
    secret_key: str = DEFAULT_SECRET_KEY
    env: Literal["production", "development"] = "production"
    smtp_url: str | None = None
    locale: str = "fr"
    # Read by nothing: every zone Bascule uses is the playbook's (``[general] timezone``: the
    # company's day, for "once a day" alerts and form dates; ``[calendar] timezone``: business
    # hours, SLA and conversion deadlines, the times the web UI and the reports show). Kept,
    # with ``bascule --timezone``, so that scripts and deployments that set it keep working.
    timezone: str = "Europe/Paris"
    # How long a process trusts its cached copy of the active playbook.
    playbook_cache_seconds: float = 5.0
    # Public forms (POST /api/v1/intake/...): requests per minute per form key and client
    # address, in each process; the largest body read.
    intake_rate_limit_per_minute: int = 60
    intake_max_body_bytes: int = 65536
    # Every request body (JSON or form): refused with 413 once past this many bytes, counted
    # while it streams in (``http.limits``). The events batch and imports have their own caps.
    max_body_bytes: int = 1024 * 1024
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, commas
    # between: "10.0.0.2, 172.16.0.0/12"). Empty: the header is ignored, the peer's address
    # is the client's (``http.client``).
    trusted_proxies: str = ""
    # Imports (POST /api/v1/imports): the largest upload accepted, refused with 413 as soon as
    # the Content-Length or the bytes received pass it (the file is spooled to a temporary
    # file on the way, never held whole in memory).
    import_max_bytes: int = 200 * 1024 * 1024
    # Live alerts (GET /api/v1/alerts/stream): a comment this often keeps idle connections
    # open; on SQLite each API process looks for newly delivered alerts this often.
    alerts_stream_keepalive_seconds: float = 15.0
    alerts_stream_poll_seconds: float = 1.0
    # Web sessions (server-side rows): a session ends after this long without a request, and
    # in any case this long after sign-in.
    session_idle_hours: float = 12.0
    session_absolute_hours: float = 72.0

    def refuse_unsafe_secret(self) -> None:
        """Raise ``UnsafeSecretKey`` when a non-development run would sign with a public key."""
        if self.env == "development":
            return
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 16:
            raise UnsafeSecretKey(
                "BASCULE_SECRET_KEY is the shipped default or shorter than 16 characters: set "
                "a random secret (python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
                ", or pass --dev (BASCULE_ENV=development) for a development run"
            )
