"""In-app alerts as the API and the live stream show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AlertRead(BaseModel):
    id: int
    kind: str
    title: str
    payload: dict[str, Any]
    created_at: datetime
    delivered_at: datetime | None
    read_at: datetime | None
    read: bool


class AlertPage(BaseModel):
    items: list[AlertRead]
    total: int
    unread: int
    page: int
    page_size: int
