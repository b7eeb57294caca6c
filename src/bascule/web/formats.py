"""Dates, times, numbers and money as the reader's language writes them, through Babel
(French ``05/12/2026``, ``12 500 €``; English ``Dec 5, 2026``, ``€12,500``). Stored instants
are UTC; they are shown in the zone given (the company calendar's, or the user's)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import NumberPattern, format_decimal, parse_pattern

from bascule.web.i18n import language

# Babel's width per language: the short French date is the one French readers expect
# (05/12/2026); the short English one (12/5/26) is ambiguous, the medium one is not.
DATE_WIDTH = {"fr": "short", "en": "medium"}
EMPTY = "—"


def _lang(locale: str | None) -> str:
    return locale or language()


@lru_cache(maxsize=16)
def _locale(lang: str) -> Locale:
    """Parsed once per language: Babel parses a language name again at every call."""
    return Locale.parse(lang)


def date(
    value: dt.date | dt.datetime | str | None, locale: str | None = None, zone: str = "UTC"
) -> str:
    """A day (a date, an instant seen in ``zone``, or ISO text as stored in JSON columns)."""
    if value is None or value == "":
        return EMPTY
    lang = _lang(locale)
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.astimezone(ZoneInfo(zone)).date()
    return format_date(value, DATE_WIDTH.get(lang, "medium"), locale=_locale(lang))


def datetime(value: dt.datetime | None, locale: str | None = None, zone: str = "UTC") -> str:
    """Date and hour:minute in ``zone``: ``05/12/2026 14:30`` / ``Dec 5, 2026, 2:30 PM``."""
    if value is None:
        return EMPTY
    lang = _lang(locale)
    local = value.astimezone(ZoneInfo(zone))
    day = format_date(local.date(), DATE_WIDTH.get(lang, "medium"), locale=lang)
    hour = format_time(local.time(), "short", locale=lang)
    pattern = Locale.parse(lang).datetime_formats[DATE_WIDTH.get(lang, "medium")]
    return str(pattern).replace("{1}", day).replace("{0}", hour)


def number(value: float | int | Decimal | None, locale: str | None = None, digits: int = 0) -> str:
    """``1 234,5`` / ``1,234.5``, with exactly ``digits`` decimals; a dash for no figure."""
    if value is None:
        return EMPTY
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, pattern, locale=_lang(locale))


@lru_cache(maxsize=16)
def _currency_pattern(lang: str, whole: bool) -> tuple[Locale, NumberPattern]:
    """The locale and its parsed currency pattern (without cents for a whole amount): parsed
    once, not for each of the hundreds of amounts a board or list writes."""
    found = _locale(lang)
    pattern = found.currency_formats["standard"].pattern
    return found, parse_pattern(pattern.replace(".00", "") if whole else pattern)


def money(value: float | int | Decimal | None, currency: str, locale: str | None = None) -> str:
    """``12 500 €`` for a whole amount, ``12 500,50 €`` otherwise (the locale's pattern)."""
    if value is None:
        return EMPTY
    amount = Decimal(str(value))
    found, pattern = _currency_pattern(_lang(locale), amount == amount.to_integral_value())
    return str(pattern.apply(amount, found, currency=currency, currency_digits=False))


def percent(value: float | int | Decimal | None, locale: str | None = None, digits: int = 0) -> str:
    """``42,5 %`` / ``42.5%`` for a value already in percent (42.5, not 0.425)."""
    if value is None:
        return EMPTY
    return number(value, locale, digits) + ("\u202f%" if _lang(locale) == "fr" else "%")


def items(values: list[str], locale: str | None = None) -> str:
    """``a, b et c`` / ``a, b, and c``."""
    return format_list([str(v) for v in values], locale=_lang(locale)) if values else ""


def business_time(value: dt.timedelta) -> str:
    """A span of business time, to the minute: ``45 min``, ``3 h 05 min``, ``27 h 00 min``."""
    minutes = int(abs(value).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
