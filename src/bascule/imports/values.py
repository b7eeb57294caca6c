"""Cleaning the text of one row into Bascule lead values. Pure.

Each cleaner takes the text found for one field and returns `(value, None)` or
`(None, reason)`; `clean_fields` runs them all on a row and adds the row-level check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from bascule.imports import fastcheck
from bascule.imports.countries import country_code
from bascule.imports.enumerated import translated
from bascule.imports.history import (
    CREATED_AT,
    DATE_FIELDS,
    LEAD_DATES,
    LEAD_HISTORY_FIELDS,
    clean_bool,
    clean_date,
    clean_status,
)
from bascule.imports.rows import ROW, FieldValue
from bascule.leads.fields import (
    FIELDS,
    FILE_FIELDS,
    MAX_EMPLOYEES,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    FieldKind,
)

# SPEC §13.1 lead fields a file may fill (``leads.fields``).
LEAD_FIELDS = FILE_FIELDS
# "Name" columns and vCard FN: split into first and last name when those are not given.
FULL_NAME = "full_name"
# The record's id in the system the file comes from (Salesforce Id, "Prospect ID"...): it
# identifies a row that has no name, e-mail or company, and finds it again on a re-import.
EXTERNAL_ID = "external_id"
MAPPABLE_FIELDS = (*LEAD_FIELDS, EXTERNAL_ID, FULL_NAME, *LEAD_HISTORY_FIELDS)
# What says who a row is (SPEC §16): a lead without an e-mail is fine if something else does.
IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone", "company", EXTERNAL_ID)

# Longest text accepted per field (the API's limits, so an import never stores more); e-mail
# and phone have their own checks.
_TEXTS = (FieldKind.NAME, FieldKind.TEXT, FieldKind.CODE)
MAX_LENGTH: dict[str, int] = {
    f.name: f.max_length for f in FIELDS if f.by_file and f.kind in _TEXTS and f.max_length
}
MAX_LENGTH[EXTERNAL_ID] = 255
MAX_LENGTH["opportunity_external_id"] = 255
MAX_LENGTH["owner"] = 254
MAX_LENGTH["disqualification_reason"] = 200

# What exports write for "no answer" (x_education writes "Select"; others "N/A", "unknown").
PLACEHOLDERS = frozenset(
    {"select", "unknown", "n/a", "#n/a", "null", "-", "--", "?", "inconnu", "n.c.", "non renseigné"}
)
TEMPERATURES = {
    "hot": "hot",
    "warm": "warm",
    "cold": "cold",
    "chaud": "hot",
    "chaude": "hot",
    "tiede": "warm",
    "tiède": "warm",
    "froid": "cold",
    "froide": "cold",
}
_NULL_IDS = frozenset({"000000000000000", "000000000000000AAA"})
_LONGEST_PLACEHOLDER = max(len(text) for text in PLACEHOLDERS | _NULL_IDS)
UNDECODABLE = "\ufffd"
NAMELESS = "no name, e-mail, phone, company or external id: nothing says who this is"

_NUMBER = r"\d[\d\s.,'\u00a0\u202f]*"
_RANGE = re.compile(rf"^({_NUMBER})\s*(?:-|–|—|to|à|bis)\s*({_NUMBER})$")
_PLUS = re.compile(rf"^(?:>\s*|more than\s+|plus de\s+)?({_NUMBER})\s*\+?$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:([.,' ])\d{3})(?:\1\d{3})*$")
_WORDS = re.compile(r"\s*(?:employees|employés|employes|salariés|salaries|people|pers\.?)$")


def shown(text: str) -> str:
    """A value as quoted in a message: short enough to read."""
    return repr(text if len(text) <= 60 else text[:57] + "...")


def tidy(text: str) -> str:
    """Trimmed, with every run of white space (line breaks included) made one space."""
    return " ".join(text.split())


def clean_text(field: str, text: str) -> tuple[str | None, str | None]:
    value = tidy(text)
    limit = MAX_LENGTH.get(field)
    if limit is not None and len(value) > limit:
        return None, f"longer than {limit} characters ({len(value)})"
    return value, None


def clean_employees(text: str) -> tuple[int | None, str | None]:
    """Head count: "1 000", "1,000", "1.000" -> 1000; a range "50-200" -> its lower bound 50;
    "500+" -> 500; "5k" -> 5000."""
    value = _WORDS.sub("", text.strip().lower())
    if (match := _RANGE.match(value)) or (match := _PLUS.match(value)):
        value = match.group(1)
    multiplier = 1
    if value.endswith("k") and value[:-1].strip().isdigit():
        value, multiplier = value[:-1], 1000
    number = _integer(value.strip())
    if number is None:
        return None, f"{shown(text)} is not a number of employees"
    number *= multiplier
    if number > MAX_EMPLOYEES:
        return None, f"{number} employees is more than {MAX_EMPLOYEES:,}"
    return number, None


def _integer(text: str) -> int | None:
    compact = text.replace("\u00a0", " ").replace("\u202f", " ")
    if compact.isdigit():
        return int(compact)
    if _THOUSANDS.match(compact):
        return int(re.sub(r"\D", "", compact))
    if re.fullmatch(r"\d+[.,]0+", compact):  # "250.0" from spreadsheets
        return int(re.split(r"[.,]", compact)[0])
    return None


def clean_country(text: str) -> tuple[str | None, str | None]:
    code = country_code(text)
    if code is None:
        return None, f"{shown(text)} is not a country we recognise (give a name or ISO code)"
    return code, None


def clean_temperature(text: str) -> tuple[str | None, str | None]:
    value = TEMPERATURES.get(text.strip().lower())
    if value is None:
        return None, f"{shown(text)} is not a temperature (hot, warm or cold)"
    return value, None


def clean_tags(text: str) -> tuple[list[str] | None, list[str]]:
    """Tags split on `;` or `,`, tidied, without repeats. Returns (tags, problems)."""
    tags: list[str] = []
    problems: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"[;,]", text):
        tag = tidy(part)
        if not tag or tag.casefold() in seen:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            problems.append(f"tag {shown(tag)} is longer than {MAX_TAG_LENGTH} characters")
            continue
        seen.add(tag.casefold())
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        problems.append(f"{len(tags)} tags: only the first {MAX_TAGS} are kept")
        tags = tags[:MAX_TAGS]
    return tags or None, problems


def split_full_name(text: str) -> tuple[str | None, str | None]:
    """(first name, last name). "Last, First" is understood; otherwise the first word is the
    first name and the rest the last name; a single word is a last name."""
    name = tidy(text)
    if "," in name:
        last, _, first = name.partition(",")
        return tidy(first) or None, tidy(last) or None
    first, _, last = name.partition(" ")
    if not last:
        return None, first or None
    return first, last


def is_blank(text: str | None) -> bool:
    """Empty, a placeholder, or the null id of Salesforce Data Loader exports."""
    if text is None:
        return True
    value = text.strip()
    if not value:
        return True
    return len(value) <= _LONGEST_PLACEHOLDER and (
        value.lower() in PLACEHOLDERS or value in _NULL_IDS
    )


def is_undecodable(text: str) -> bool:
    """Bytes that are not text in the file's encoding (read as U+FFFD), or a NUL."""
    return UNDECODABLE in text or "\x00" in text


def lost_as_not_text(field: str, text: str) -> str:
    return (
        f"{shown(text)} has bytes that are not text: not taken as {field}, kept as read in "
        "the lead's attributes"
    )


def clean_fields(
    texts: Mapping[str, str],
    *,
    default_region: str = "FR",
    nameless: str = NAMELESS,
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    day_first: bool = True,
) -> tuple[dict[str, FieldValue], list[tuple[str, str]]]:
    """Clean the text found for each field of one row.

    `texts` maps a field of MAPPABLE_FIELDS to its text. Blank texts and placeholders
    ("Select", "N/A"...) count as missing. The phone is read in the row's country when it has
    one, else in `default_region`. The temperature is read through `value_map` first (see
    `enumerated`). Returns (values, errors): a refused value is left out of values and
    explained in errors; a row with no name, e-mail, phone, company or external id gets a
    "row" error. History fields (`history`): the status through `value_map` and the known
    export words, dates read with `day_first` for 03/04/2024, a status date before the
    creation date refused. A text with bytes that are not text is refused: the parser keeps
    it in the row's extra columns (the lead's attributes), as the error says.
    """
    values: dict[str, FieldValue] = {}
    errors: list[tuple[str, str]] = []
    good: dict[str, str] = {}
    for field, text in texts.items():
        if is_blank(text):
            continue
        if is_undecodable(text):
            errors.append((field, lost_as_not_text(field, text)))
        else:
            good[field] = text

    if "country" in good:
        _keep(values, errors, "country", clean_country(good["country"]))
    for field, text in good.items():
        if field in ("country", FULL_NAME):
            continue
        if field == "email":
            _keep(values, errors, field, _checked(fastcheck.email(text), text, "an e-mail address"))
        elif field == "phone":
            region = values.get("country", default_region)
            number = text.strip().removeprefix("tel:")
            checked = fastcheck.phone(number, str(region))
            _keep(values, errors, field, _checked(checked, text, "a phone number"))
        elif field == "employees":
            _keep(values, errors, field, clean_employees(text))
        elif field == "temperature":
            text = translated(value_map or {}, field, text)
            _keep(values, errors, field, clean_temperature(text))
        elif field in DATE_FIELDS:
            _keep(values, errors, field, clean_date(text, day_first=day_first))
        elif field == "status":
            _keep(values, errors, field, clean_status(text, value_map or {}))
        elif field == "do_not_contact":
            _keep(values, errors, field, clean_bool(text))
        elif field == "tags":
            tags, problems = clean_tags(text)
            if tags:
                values[field] = tags
            errors.extend((field, problem) for problem in problems)
        else:
            _keep(values, errors, field, clean_text(field, text))
    if FULL_NAME in good and "first_name" not in good and "last_name" not in good:
        first, last = split_full_name(good[FULL_NAME])
        for field, part in (("first_name", first), ("last_name", last)):
            if part:
                _keep(values, errors, field, clean_text(field, part))
    created = values.get(CREATED_AT)
    for field in LEAD_DATES:
        at = values.get(field)
        if isinstance(at, datetime) and isinstance(created, datetime) and _before(at, created):
            errors.append((field, f"{at:%Y-%m-%d %H:%M} is before the creation date"))
            del values[field]
    if not any(field in values for field in IDENTITY_FIELDS):
        errors.append((ROW, nameless))
    return values, errors


def _before(at: datetime, created: datetime) -> bool:
    """Whether `at` is before `created` (one aware and one not: compared by their dates)."""
    if (at.tzinfo is None) != (created.tzinfo is None):
        return at.date() < created.date()
    return at < created


def _checked(
    result: tuple[str | None, str | None], text: str, what: str
) -> tuple[str | None, str | None]:
    value, problem = result
    if value is None:
        # The checkers' reasons already say what is wrong ("An email address must have an
        # @-sign.", "not a possible phone number"): said once, after the value.
        reason = _LIBRARY_CODE.sub("", problem) if problem else f"not {what}"
        return None, f"{shown(text)}: {reason}"
    return value, None


_LIBRARY_CODE = re.compile(r"\(\d+\) ")  # phonenumbers' "(1) The string supplied..."


def _keep(
    values: dict[str, FieldValue],
    errors: list[tuple[str, str]],
    field: str,
    result: tuple[FieldValue | None, str | None],
) -> None:
    value, problem = result
    if value is not None:
        values[field] = value
    elif problem:
        errors.append((field, problem))
