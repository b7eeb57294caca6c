"""The interface's languages: Babel gettext catalogues (``web/locale/<lang>/LC_MESSAGES``), the
language of a request, and ``_()`` for Python code and templates alike.

Messages are written in English in the code and templates; ``fr`` and ``en`` catalogues hold
every one of them (a test fails on a missing or fuzzy translation). ``make install`` compiles
the ``.mo`` files; a fresh clone without them compiles the ``.po`` in memory on first use.

The language of a request: ``?lang=fr|en`` (kept in a cookie by ``web.security``), else the
cookie, else the browser's ``Accept-Language``, else ``BASCULE_LOCALE``."""

from __future__ import annotations

import gettext as gettext_module
import io
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("fr", "en")
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}
LANG_COOKIE = "bascule_lang"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("bascule_web_language", default="en")


def supported(value: str | None) -> str | None:
    """``fr`` for ``fr``, ``fr-CA``, ``FR_fr``...; None for a language we do not speak."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first language we speak in the browser's preference order (``q`` weights)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        language = supported(tag)
        if language and weight > 0:
            choices.append((-weight, position, language))
    return min(choices)[2] if choices else None


def choose(query: str | None, cookie: str | None, accept: str | None, default: str) -> str:
    return (
        supported(query)
        or supported(cookie)
        or from_accept_language(accept)
        or supported(default)
        or LANGUAGES[0]
    )


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext_module.GNUTranslations:
    """The compiled catalogue, or the ``.po`` compiled in memory when no ``.mo`` was built."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled = folder / f"{DOMAIN}.mo"
    source = folder / f"{DOMAIN}.po"
    if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
        with compiled.open("rb") as handle:
            return gettext_module.GNUTranslations(handle)
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext_module.GNUTranslations(buffer)


def set_language(language: str) -> None:
    """The language ``_()`` answers in for the rest of this request (a context variable, so
    concurrent requests do not see each other's)."""
    _current.set(language)


def language() -> str:
    return _current.get()


def _(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for extraction without translating it (translated when shown)."""
    return message
