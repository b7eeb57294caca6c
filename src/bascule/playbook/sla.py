"""The ``[calendar]`` and ``[sla]`` sections of the playbook (SPEC §4, §7, §9).

Pure data, validated where it is read: working hours that overlap or end before they start, an
unknown country or subdivision, a negative or zero delay, two rules with one key are refused
with the field at fault (``calendar.hours.mon``, ``sla.rules.1.business_hours``...).
``bascule.sla.calendar`` computes business time from ``Calendar``; ``bascule.sla.rules``
picks the rule of a lead. ``default.toml`` documents every setting with these defaults.
"""

from __future__ import annotations

import re
from datetime import date, time
from itertools import pairwise
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from bascule.playbook.section import Key, Section, unique_keys

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEMPERATURES = ("hot", "warm", "cold")
# SPEC §1: the outbound activities that count as a response, and the failed outcomes.
RESPONSE_KINDS = ("call", "email", "meeting")
FAILED_OUTCOMES = ("no_answer", "voicemail", "bounced")
ACTIVITY_OUTCOMES = (
    "reached",
    "no_answer",
    "voicemail",
    "bounced",
    "meeting_booked",
    "replied",
    "sent",
    "done",
    "other",
)

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _clock(text: str) -> time:
    if not _HHMM.match(text):
        raise ValueError(f"{text!r} is not a time of day HH:MM (00:00 to 24:00)")
    if text == "24:00":
        return time.max
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


Period = tuple[str, str]
DEFAULT_DAY: tuple[Period, ...] = (("09:00", "18:00"),)


class Calendar(Section):
    """When the company works: per weekday, periods ``["HH:MM", "HH:MM"]`` in ``timezone``
    (none: closed that day); public holidays of ``country`` (and ``subdivision``, e.g. "57"
    for Moselle or "6AE" for Alsace, with Good Friday and 26 December) from the ``holidays``
    package; extra ``closed_days``.
    ``business_day_hours`` is how long "one business day" is (SPEC §9: 9 h by default)."""

    timezone: str = "Europe/Paris"
    """Working hours are read in this zone (daylight saving included)."""
    country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")
    """Public holidays of this country (ISO code) are closed."""
    subdivision: str | None = Field(default=None, min_length=1, max_length=10)
    """A region of the country whose own public holidays are closed too (e.g. "57" Moselle,
    "6AE" Alsace)."""
    closed_days: tuple[date, ...] = ()
    """Other closed days (``2026-08-14`` for a bridge day)."""
    business_day_hours: float = Field(default=9, gt=0, le=24)
    """How many business hours make "one business day"."""
    hours: dict[str, tuple[Period, ...]] = Field(
        default_factory=lambda: {
            **{day: DEFAULT_DAY for day in WEEKDAYS[:5]},
            "sat": (),
            "sun": (),
        }
    )
    """Working periods per weekday (``mon`` to ``sun``), ``["HH:MM", "HH:MM"]`` each, ending
    after they start, without overlap; a day left out, or ``[]``, is closed."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("hours", mode="before")
    @classmethod
    def _all_days(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        unknown = [k for k in value if k not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekdays {', '.join(map(str, unknown))}; use {WEEKDAYS}")
        # A day left out is closed.
        return {day: value.get(day, ()) for day in WEEKDAYS}

    @field_validator("hours")
    @classmethod
    def _ordered_periods(
        cls, value: dict[str, tuple[Period, ...]]
    ) -> dict[str, tuple[Period, ...]]:
        for day, periods in value.items():
            for start_text, end_text in periods:
                try:
                    start, end = _clock(start_text), _clock(end_text)
                except ValueError as exc:
                    raise ValueError(f"{day}: {exc}") from None
                if end <= start:
                    raise ValueError(f"{day}: {start_text}-{end_text} ends before it starts")
            # Periods may be written in any order; touching ones (12:00 then 12:00) are fine.
            ordered = sorted(periods, key=lambda period: _clock(period[0]))
            for before, after in pairwise(ordered):
                if _clock(after[0]) < _clock(before[1]):
                    raise ValueError(
                        f"{day}: {after[0]}-{after[1]} overlaps {before[0]}-{before[1]}"
                    )
        if not any(value.values()):
            raise ValueError("at least one weekday needs working hours")
        return value

    @model_validator(mode="after")
    def _known_country(self) -> Calendar:
        import holidays  # imported here: loading every country's rules takes a moment

        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValueError(f"country: {self.country!r} has no public holidays calendar")
        if self.subdivision is not None:
            try:
                # Also accepts the package's aliases ("Moselle" for "57").
                holidays.country_holidays(self.country, subdiv=self.subdivision)
            except NotImplementedError:
                codes = supported[self.country]
                known = ", ".join(codes[:12]) + ("..." if len(codes) > 12 else "")
                raise ValueError(
                    f"subdivision: {self.subdivision!r} is not a subdivision of {self.country} "
                    f"({known or 'it has none'})"
                ) from None
        return self

    def periods(self, weekday: int) -> tuple[tuple[time, time], ...]:
        """Working periods of a weekday (0 = Monday), as times of day."""
        return tuple((_clock(a), _clock(b)) for a, b in self.hours[WEEKDAYS[weekday]])


class SlaRule(Section):
    """A first-response deadline. A lead matches when every condition given matches
    (``form_types``: the form that created the lead or last asked for contact; ``sources``;
    ``temperatures``); the first matching rule wins. The deadline is ``business_hours`` or
    ``business_days`` (× calendar.business_day_hours) of business time after assignment."""

    key: Key
    """The rule's key (on the clock, in the SLA report); unique."""
    form_types: tuple[str, ...] = ()
    """Condition: the form that created the lead or last asked for contact is one of these."""
    sources: tuple[str, ...] = ()
    """Condition: the lead's source is one of these."""
    temperatures: tuple[Literal["hot", "warm", "cold"], ...] = ()
    """Condition: the lead's temperature is one of these."""
    business_hours: float | None = Field(default=None, gt=0, le=10_000)
    """The delay in business hours (give this or ``business_days``)."""
    business_days: float | None = Field(default=None, gt=0, le=1_000)
    """The delay in business days of ``calendar.business_day_hours`` (give this or
    ``business_hours``)."""

    @model_validator(mode="after")
    def _one_delay(self) -> SlaRule:
        if (self.business_hours is None) == (self.business_days is None):
            raise ValueError("business_hours: give exactly one of business_hours, business_days")
        return self


DEFAULT_SLA_RULES: tuple[dict[str, object], ...] = (
    {"key": "contact_expert", "form_types": ("contact_expert",), "business_hours": 2},
    {"key": "demo_request", "form_types": ("demo_request",), "business_days": 1},
    {"key": "pricing_request", "form_types": ("pricing_request",), "business_hours": 8},
    {"key": "support_request", "form_types": ("support_request",), "business_hours": 8},
    {"key": "rfp", "form_types": ("rfp",), "business_days": 1},
)


class Sla(Section):
    """First-response deadlines, what happens when they run out, and failed attempts."""

    enabled: bool = True
    """Off: no new first-response clocks, no breach alerts, failed attempts not counted."""
    rules: tuple[SlaRule, ...] = Field(
        default_factory=lambda: tuple(SlaRule.model_validate(r) for r in DEFAULT_SLA_RULES)
    )
    """First-response deadlines; the first matching rule wins, a lead no rule matches has no
    deadline."""
    escalate_after_business_hours: float = Field(default=2, ge=0, le=1_000)
    """After a breach alerts the owner, the owner's manager (else the team's) is alerted this
    much business time later if there is still no response."""
    failed_attempts_to_nurturing: int = Field(default=3, ge=1, le=100)
    """This many consecutive failed outbound attempts send the lead back to nurturing (any
    other outcome resets the count; SPEC §9)."""
    failed_outcomes: tuple[str, ...] = FAILED_OUTCOMES
    """Outcomes counted as failed attempts."""
    response_kinds: tuple[str, ...] = RESPONSE_KINDS
    """Outbound activities that count as a first response (call, email, meeting)."""

    _unique_keys = field_validator("rules")(unique_keys)

    @field_validator("failed_outcomes")
    @classmethod
    def _known_outcomes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in ACTIVITY_OUTCOMES]
        if unknown:
            raise ValueError(f"unknown outcomes {', '.join(unknown)}; use {ACTIVITY_OUTCOMES}")
        return value

    @field_validator("response_kinds")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [k for k in value if k not in RESPONSE_KINDS]
        if unknown:
            raise ValueError(f"unknown activity kinds {', '.join(unknown)}; use {RESPONSE_KINDS}")
        return value
