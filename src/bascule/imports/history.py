"""The past of a record, as an export writes it: statuses, stages, dates, yes/no flags. Pure.

A history file (SPEC §16) says where each lead stands (`status`, in the words of the system it
comes from) and when it got there (`created_at`, `mql_at`, `sql_at`, `converted_at`,
`disqualified_at`); an opportunity file says its stage and its dates. This module reads those
values and turns one record's dates into its history rows, in time order:

    clean_date("02/24/26 02:18 AM", day_first=False) -> (datetime(2026, 2, 24, 2, 18), None)
    lead_events(created, {"mql": mql_at, "sql": sql_at}, status="sql") -> [Event...]

Dates without a zone are the company's wall-clock time: the writer places them in the
playbook's zone. Status and stage words go through the person's value map first, then through
the built-in vocabularies of the exports Bascule knows (Salesforce, HubSpot, Maven CRM).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from bascule.imports.enumerated import translated, value_key
from bascule.leads.model import LeadStatus

# Lead fields of a history file (beyond the profile fields of `values.LEAD_FIELDS`).
LEAD_DATES = {  # date field -> the status it marks
    "mql_at": "mql",
    "sql_at": "sql",
    "converted_at": "converted",
    "disqualified_at": "disqualified",
}
CREATED_AT = "created_at"
LEAD_HISTORY_FIELDS = (
    "status",
    CREATED_AT,
    *LEAD_DATES,
    "disqualification_reason",
    "owner",
    "do_not_contact",
    "opportunity_external_id",
)
DATE_FIELDS = frozenset({CREATED_AT, *LEAD_DATES, "closed_at", "expected_close_date"})

STATUSES = tuple(str(s) for s in LeadStatus)
# Status words of the exports Bascule knows, by value_key: Salesforce's standard lead
# statuses, HubSpot's lifecycle stages and lead statuses (internal names and labels), and the
# French wordings of both.
STATUS_WORDS: dict[str, str] = {
    # Salesforce
    "open_not_contacted": "new",
    "open": "new",
    "working_contacted": "contacted",
    "working": "contacted",
    "contacted": "contacted",
    "closed_converted": "converted",
    "closed_not_converted": "disqualified",
    "qualified": "sql",
    "unqualified": "disqualified",
    "nurturing": "nurturing",
    "nurture": "nurturing",
    # HubSpot lifecycle stages and lead statuses
    "subscriber": "new",
    "lead": "new",
    "marketingqualifiedlead": "mql",
    "marketing_qualified_lead": "mql",
    "salesqualifiedlead": "sql",
    "sales_qualified_lead": "sql",
    "opportunity": "converted",
    "customer": "converted",
    "evangelist": "converted",
    "in_progress": "contacted",
    "attempted_to_contact": "contacted",
    "connected": "contacted",
    "open_deal": "converted",
    "bad_timing": "nurturing",
    # French CRMs
    "nouveau": "new",
    "nouvelle": "new",
    "contacte": "contacted",
    "en_cours": "contacted",
    "converti": "converted",
    "disqualifie": "disqualified",
    "perdu": "disqualified",
}
# Stage words of the exports Bascule knows, by value_key, to the default playbook's stages
# (a stage the playbook lacks is left out, see `stage_words`). Salesforce's standard sales
# process, its Data Loader sample, HubSpot's default deal pipeline, Maven CRM.
STAGE_WORDS: dict[str, str] = {
    "prospecting": "qualification",
    "qualify": "qualification",
    "qualification": "qualification",
    "appointmentscheduled": "qualification",
    "appointment_scheduled": "qualification",
    "qualifiedtobuy": "discovery",
    "qualified_to_buy": "discovery",
    "needs_analysis": "discovery",
    "value_proposition": "discovery",
    "id_decision_makers": "discovery",
    "perception_analysis": "discovery",
    "presentationscheduled": "discovery",
    "presentation_scheduled": "discovery",
    "decisionmakerboughtin": "proposal",
    "decision_maker_bought_in": "proposal",
    "proposal_price_quote": "proposal",
    "proposal": "proposal",
    "contractsent": "negotiation",
    "contract_sent": "negotiation",
    "negotiation_review": "negotiation",
    "negotiation": "negotiation",
}
WON_WORDS = ("closed_won", "closedwon", "won", "gagne", "gagnee")
LOST_WORDS = ("closed_lost", "closedlost", "lost", "perdu", "perdue")
YES = frozenset({"1", "true", "yes", "y", "oui", "vrai", "x", "on", "t"})
NO = frozenset({"0", "false", "no", "n", "non", "faux", "off", "f"})


def stage_words(
    stages: Iterable[tuple[str, str, Iterable[str]]],
) -> dict[str, str]:
    """{value_key(word): stage key} for a playbook's stages, given as (key, outcome, labels):
    its own keys and labels, the known export words whose stage it has, and the won and lost
    words for its won and lost stages."""
    words: dict[str, str] = {}
    keys: list[str] = []
    for key, outcome, labels in stages:
        keys.append(key)
        words.setdefault(value_key(key), key)
        for label in labels:
            words.setdefault(value_key(label), key)
        for word in WON_WORDS if outcome == "won" else LOST_WORDS if outcome == "lost" else ():
            words.setdefault(word, key)
    for word, key in STAGE_WORDS.items():
        if key in keys:
            words.setdefault(word, key)
    return words


def clean_status(
    text: str, value_map: Mapping[str, Mapping[str, str]]
) -> tuple[str | None, str | None]:
    mapped = translated(value_map, "status", text)
    key = value_key(mapped)
    status = key if key in STATUSES else STATUS_WORDS.get(key)
    if status is None:
        return None, (
            f"{text.strip()!r} is not a lead status ({', '.join(STATUSES)}): map it, e.g. "
            f"--map-values status='{text.strip()}=contacted'"
        )
    return status, None


def clean_bool(text: str) -> tuple[bool | None, str | None]:
    value = text.strip().casefold()
    if value in YES:
        return True, None
    if value in NO:
        return False, None
    return None, f"{text.strip()!r} is not yes or no (true/false, 1/0, yes/no)"


_AMOUNT_JUNK = re.compile(r"[\s\u00a0\u202f$€£¥]|(?:EUR|USD|GBP|CHF)$|^(?:EUR|USD|GBP|CHF)")
MAX_AMOUNT = Decimal("999999999999.99")


def clean_amount(text: str) -> tuple[Decimal | None, str | None]:
    """ "1,054" "1 054,50" "€1054.5" "1054" -> Decimal; negative or too large refused."""
    value = _AMOUNT_JUNK.sub("", text.strip())
    if "," in value and "." in value:  # the last one is the decimal separator
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif "," in value:
        whole, _, part = value.rpartition(",")
        value = value.replace(",", "") if len(part) == 3 and whole else f"{whole}.{part}"
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None, f"{text.strip()!r} is not an amount"
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        return None, f"{text.strip()!r} is not an amount from 0 to {MAX_AMOUNT:,}"
    return amount.quantize(Decimal("0.01")), None


# --- dates ------------------------------------------------------------------------------------

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_NUMERIC = re.compile(
    r"^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?$",
    re.IGNORECASE,
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "janv", "janvier"),
            ("feb", "february", "fev", "fevr", "fevrier"),
            ("mar", "march", "mars"),
            ("apr", "april", "avr", "avril"),
            ("may", "mai"),
            ("jun", "june", "juin"),
            ("jul", "july", "juil", "juillet"),
            ("aug", "august", "aou", "aout"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "octobre"),
            ("nov", "november", "novembre"),
            ("dec", "december", "decembre"),
        ),
        start=1,
    )
    for name in names
}
_WORDED = re.compile(r"^(?:(\d{1,2})\s+([a-z]+)\.?|([a-z]+)\.?\s+(\d{1,2})),?\s+(\d{4})$")
EXCEL_EPOCH = date(1899, 12, 30)


def date_order(values: Iterable[str]) -> bool | None:
    """Whether numeric dates like 03/04/2024 put the day first, from a column's values: True
    when one has a first number over 12, False when one has a second number over 12, None
    when none tells."""
    first = second = False
    for text in values:
        match = _NUMERIC.match(text.strip())
        if match and len(match.group(1)) <= 2:
            first |= int(match.group(1)) > 12
            second |= int(match.group(2)) > 12
    if first != second:
        return first
    return None


def clean_date(text: str, *, day_first: bool = True) -> tuple[datetime | None, str | None]:
    """A date or date-time of an export, as a datetime: aware when the text has a zone
    (Salesforce's "2024-01-22T20:36:47.000+0000"), naive (wall-clock time) otherwise.

    Read: ISO 8601; numeric day/month/year or month/day/year (`day_first` decides when both
    numbers are 12 or less; a two-digit year is 20xx up to this year + 10), with a time and
    AM/PM; "5 Jan 2024", "Jan 5, 2024", "5 janvier 2024"; an Excel serial day (45000).
    """
    value = " ".join(text.strip().split())
    try:
        return _parse(value, day_first), None
    except ValueError:
        return None, (
            f"{text.strip()!r} is not a date (2024-03-31, 31/03/2024, 03/31/2024, "
            "31 Mar 2024, with or without a time)"
        )


def _parse(value: str, day_first: bool) -> datetime:
    if match := _ISO.match(value):
        y, m, d, hh, mm, ss, zone = match.groups()
        at = datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        return _zoned(at, zone)
    if match := _NUMERIC.match(value):
        a, b, c, hh, mm, ss, half = match.groups()
        if len(a) == 4:  # 2024/03/31
            y, m, d = int(a), int(b), int(c)
        else:
            first, second = int(a), int(b)
            if first > 12 or (day_first and second <= 12):
                d, m = first, second
            else:
                m, d = first, second
            y = _year(c)
        hour = int(hh or 0)
        if half:
            if not 1 <= hour <= 12:
                raise ValueError(value)
            hour = hour % 12 + (12 if half.upper() == "PM" else 0)
        return datetime(y, m, d, hour, int(mm or 0), int(ss or 0))
    if match := _WORDED.match(_plain(value)):
        d1, month1, month2, d2, y = match.groups()
        month = _MONTHS.get(month1 or month2)
        if month is None:
            raise ValueError(value)
        return datetime(int(y), month, int(d1 or d2))
    if value.isdigit() and 20_000 <= int(value) <= 80_000:  # an Excel serial day
        day = EXCEL_EPOCH + timedelta(days=int(value))
        return datetime(day.year, day.month, day.day)
    raise ValueError(value)


def _plain(value: str) -> str:
    return value.casefold().replace("é", "e").replace("û", "u").replace("è", "e")


def _year(text: str) -> int:
    if len(text) == 4:
        return int(text)
    if len(text) == 2:
        year = 2000 + int(text)
        return year if year <= datetime.now(UTC).year + 10 else year - 100
    raise ValueError(text)


def _zoned(at: datetime, zone: str | None) -> datetime:
    if not zone:
        return at
    if zone.upper() == "Z":
        return at.replace(tzinfo=UTC)
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (at - sign * offset).replace(tzinfo=UTC)


# --- history rows -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """One history row to write: the record went from `before` to `to` at `at`."""

    before: str | None
    to: str
    at: datetime


STEP = {"new": 0, "contacted": 1, "nurturing": 1, "mql": 2, "sql": 3, "converted": 4}


def lead_events(
    created: datetime,
    dates: Mapping[str, datetime],
    status: str | None,
) -> tuple[list[Event], str]:
    """A lead's history rows from its creation date, the dates it reached statuses
    ({status: when}) and its status now; and that status.

    Born `new` at `created`; then each dated status in time order (the funnel's order when
    two share a date); then, if the file's status is not the last one reached, a move to it
    at the last date known (an export says where a lead stands, not always since when).
    """
    events = [Event(None, "new", created)]
    order = {s: i for i, s in enumerate(("mql", "sql", "converted", "disqualified"))}
    for reached, at in sorted(dates.items(), key=lambda item: (item[1], order[item[0]])):
        if reached != events[-1].to:
            events.append(Event(events[-1].to, reached, at))
    current = status or events[-1].to
    if current != events[-1].to:
        events.append(Event(events[-1].to, current, events[-1].at))
    return events, current


def stage_events(
    created: datetime, stage: str, closed_at: datetime | None, *, is_closed: bool,
    first_stage: str,
) -> list[Event]:  # fmt: skip
    """An opportunity's stage history from what an export knows: born in `first_stage` at
    its creation, then in its stage now, at its close date when closed (else at creation)."""
    events = [Event(None, first_stage if is_closed else stage, created)]
    if is_closed:
        at = max(closed_at or created, created)
        events.append(Event(first_stage, stage, at))
    return events
