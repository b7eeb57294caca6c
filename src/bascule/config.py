"""Runtime settings, read from the environment (``BASCULE_*``) or passed explicitly."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BASCULE_", extra="ignore")

    database_url: str = "sqlite:///./bascule.db"
    secret_key: str = "change-me"
    smtp_url: str | None = None
    locale: str = "fr"
    timezone: str = "Europe/Paris"
    # How long a process trusts its cached copy of the active playbook.
    playbook_cache_seconds: float = 5.0
    # Public forms (POST /api/v1/intake/...): requests per minute per form key and client
    # address, in each process; the largest body read.
    intake_rate_limit_per_minute: int = 60
    intake_max_body_bytes: int = 65536
    # Imports (POST /api/v1/imports): the largest upload accepted, refused with 413 as soon as
    # the Content-Length or the bytes received pass it (the file is spooled to a temporary
    # file on the way, never held whole in memory).
    import_max_bytes: int = 200 * 1024 * 1024
    # Live alerts (GET /api/v1/alerts/stream): a comment this often keeps idle connections
    # open; on SQLite each API process looks for newly delivered alerts this often.
    alerts_stream_keepalive_seconds: float = 15.0
    alerts_stream_poll_seconds: float = 1.0
