"""Reading a list's address query (``?status=new,mql&owner=3&stalled=yes``): the words the
lead and opportunity lists' parsers share (``leads.listing``, ``opportunities.listing``), so
both lists, their API and their exports read a value the same way. Pure: a refused value
raises ``ValueError`` and the caller names it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MAX_TEXT = 200
MAX_ID = 2_147_483_647


def first(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    """The first non-blank value of ``name``, trimmed and cut to ``MAX_TEXT``."""
    values = [v.strip() for v in params.get(name, ()) if v and v.strip()]
    return values[0][:MAX_TEXT] if values else None


def many(params: Mapping[str, Sequence[str]], name: str) -> list[str]:
    """Both ``status=new&status=mql`` (a form's way) and ``status=new,mql`` (the API's way)."""
    return [p.strip() for v in params.get(name, ()) for p in v.split(",") if p.strip()]


def whole(text: str | None, low: int, high: int) -> int:
    """A whole number within ``low..high``."""
    if text is None or not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(text)
    return int(text)


def record_id(text: str) -> int:
    return whole(text, 1, MAX_ID)


def flag(text: str | None) -> bool | None:
    """yes/true/1 or no/false/0; nothing asked is ``None``."""
    if text is None or text == "":
        return None
    if text.lower() in ("yes", "true", "1"):
        return True
    if text.lower() in ("no", "false", "0"):
        return False
    raise ValueError(text)
