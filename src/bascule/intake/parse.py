"""Reading the free answers of a form: budgets, timelines, numbers of users. Pure.

People type "20-30 k€", "150 000 € HT", "1,5 M€", "dans 3 mois", "Q3 2031" or "ASAP": these
functions return what can be read for sure, and None otherwise (the answer itself is always
kept on the signal, so nothing is lost when it cannot be read).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

MAX_AMOUNT = Decimal("1e12")  # the opportunity amount column's bound
MAX_USERS = 1_000_000

# A number: thousands grouped by space, dot, comma or apostrophe ("150 000", "1.500.000",
# "100,000"), or plain digits; then an optional decimal part ("1,5", "2.75").
_NUMBER = re.compile(r"(?<![\d])(\d{1,3}(?:[ .,'](?:\d{3}))+(?![\d])|\d+)(?:[.,](\d+))?(?![\d])")
_SCALE = re.compile(r"\s*(keur|k|meur|mio|millions?|m|mille)(?![a-z])")
_SCALES = {
    "k": Decimal(1000),
    "keur": Decimal(1000),
    "mille": Decimal(1000),
    "m": Decimal(1_000_000),
    "meur": Decimal(1_000_000),
    "mio": Decimal(1_000_000),
    "million": Decimal(1_000_000),
    "millions": Decimal(1_000_000),
}
_AT_MOST = ("<", "max", "jusqu", "up to", "moins de", "under", "below", "less than", "au plus")
_AT_LEAST = (">", "min", "plus de", "at least", "à partir de", "a partir de", "over", "more than")


def _text(value: str) -> str:
    """Lower case, no accents, one kind of space."""
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def _numbers(text: str) -> list[Decimal]:
    found: list[tuple[Decimal, Decimal | None]] = []
    for match in _NUMBER.finditer(text):
        whole = re.sub(r"[ .,']", "", match.group(1))
        raw = Decimal(whole + ("." + match.group(2) if match.group(2) else ""))
        suffix = _SCALE.match(text, match.end())
        found.append((raw, _SCALES[suffix.group(1)] if suffix else None))
    values: list[Decimal] = []
    for i, (raw, scale) in enumerate(found):
        if scale is None and i + 1 < len(found) and raw < 1000:
            # "20-30 k€": a bare small number takes the scale of the number after it.
            scale = found[i + 1][1]
        values.append(_tidy(raw * scale if scale is not None else raw))
    return values


def _tidy(amount: Decimal) -> Decimal:
    """1500000.0 -> 1500000; 2.755 -> 2.76 (amounts are kept to the cent)."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount.quantize(Decimal("0.01"))


def parse_amount_range(value: Any) -> tuple[Decimal | None, Decimal | None] | None:
    """(min, max) of a budget: a number gives (n, n); "20-30k€" gives (20000, 30000);
    "jusqu'à 50k" gives (None, 50000). None when no amount can be read (or it is absurd)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return None
        if not _plausible(amount):
            return None
        return _tidy(amount), _tidy(amount)
    if not isinstance(value, str):
        return None
    text = _text(value)
    numbers = _numbers(text)[:2]
    if not numbers or not all(_plausible(n) for n in numbers):
        return None
    if len(numbers) == 2:
        low, high = sorted(numbers)
        return low, high
    (amount,) = numbers
    if any(word in text for word in _AT_MOST):
        return None, amount
    if any(word in text for word in _AT_LEAST):
        return amount, None
    return amount, amount


def _plausible(amount: Decimal) -> bool:
    return amount.is_finite() and Decimal(0) <= amount < MAX_AMOUNT


def parse_amount(value: Any) -> Decimal | None:
    """One amount from a budget answer: the top of a range (the budget set aside), > 0."""
    found = parse_amount_range(value)
    if found is None:
        return None
    low, high = found
    amount = high if high is not None else low
    return amount if amount is not None and amount > 0 else None


def parse_users(value: Any) -> int | None:
    """A number of users: 25, "25", "25 utilisateurs", "20 à 30" (the upper one)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_USERS else None
    if not isinstance(value, str):
        return None
    numbers = [int(n) for n in re.findall(r"\d+", value) if len(n) <= 7]
    if not numbers:
        return None
    top = max(numbers)
    return top if 1 <= top <= MAX_USERS else None


# --- timelines -------------------------------------------------------------------------------

HORIZONS = ("now", "3_months", "6_months", "12_months")
_NOW_WORDS = (
    "asap",
    "immediat",
    "urgent",
    "tout de suite",
    "des que possible",
    "right now",
    "right away",
    "now",
    "maintenant",
)
_UNITS = (
    (r"(?:jours?|days?|j)", Decimal(1) / Decimal(30)),
    (r"(?:semaines?|weeks?|sem)", Decimal(7) / Decimal(30)),
    (r"(?:mois|months?)", Decimal(1)),
    (r"(?:ans?|annees?|years?)", Decimal(12)),
)
_QUARTER = re.compile(r"\b(?:q|t)([1-4])\b(?:\s*(\d{4}))?")
_DMY = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


@dataclass(frozen=True)
class Timing:
    horizon: str  # one of HORIZONS
    date: date | None = None


def horizon_for(months: Decimal | float) -> str | None:
    """The BANT horizon of a delay in months; None beyond a year."""
    if months <= 1:
        return "now"
    if months <= 3:
        return "3_months"
    if months <= 6:
        return "6_months"
    if months <= 12:
        return "12_months"
    return None


def _months_until(when: date, today: date) -> Decimal:
    return Decimal((when - today).days) / Decimal("30.44")


def _timing_for_date(when: date, today: date) -> Timing | None:
    if when < today:
        return None
    horizon = horizon_for(_months_until(when, today))
    return Timing(horizon, when) if horizon else None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_timeline(value: Any, today: date) -> Timing | None:
    """When the buyer wants to start: a date, a delay ("dans 3 mois", "6 weeks"), a quarter
    ("Q3 2031", "T2"), "fin d'année", "ASAP", or a horizon key ("3_months")."""
    if isinstance(value, date):
        return _timing_for_date(value, today)
    if not isinstance(value, str) or not value.strip():
        return None
    text = _text(value)
    if text in HORIZONS:
        return Timing(text)
    found = _ISO.search(text)
    if found:
        when = _date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        return _timing_for_date(when, today) if when else None
    found = _DMY.search(text)
    if found:
        when = _date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
        return _timing_for_date(when, today) if when else None
    found = _QUARTER.search(text)
    if found:
        quarter = int(found.group(1))
        year = int(found.group(2)) if found.group(2) else today.year
        end = _quarter_end(year, quarter)
        if end < today and not found.group(2):
            end = _quarter_end(year + 1, quarter)
        return _timing_for_date(end, today)
    for unit, months in _UNITS:
        found = re.search(r"(\d{1,3})\s*" + unit + r"\b", text)
        if found:
            horizon = horizon_for(int(found.group(1)) * months)
            return Timing(horizon) if horizon else None
    if any(word in text for word in ("fin d'annee", "fin de l'annee", "end of year", "this year")):
        return _timing_for_date(date(today.year, 12, 31), today)
    if any(re.search(rf"\b{word}\b", text) for word in _NOW_WORDS):
        return Timing("now")
    return None


def _quarter_end(year: int, quarter: int) -> date:
    first_of_next = date(year + (quarter == 4), (quarter * 3) % 12 + 1, 1)
    return first_of_next - timedelta(days=1)
