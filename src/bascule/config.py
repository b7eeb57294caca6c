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
