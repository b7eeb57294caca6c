"""The query every report takes, read alike by the API and the report pages: the period
(``from`` and ``to``, days of the company's calendar, both included; by default the 30 days up
to today) and the grouping."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query

from bascule.errors import ValidationFailed
from bascule.http.deps import Now, PlaybookDep

DEFAULT_DAYS = 30
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9998, 12, 31)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date


def period(
    playbook: PlaybookDep,
    now: Now,
    from_: Annotated[
        dt.date | None, Query(alias="from", description="first day (YYYY-MM-DD)")
    ] = None,
    to: Annotated[dt.date | None, Query(description="last day, included (YYYY-MM-DD)")] = None,
) -> Period:
    """The report's days; ``to`` defaults to today in the calendar's time zone, ``from`` to
    30 days before ``to``."""
    for name, day in (("from", from_), ("to", to)):
        # Year 1 or 9999 would overflow once turned into instants of the calendar's zone.
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationFailed(
                "the period is out of range", fields={name: f"between {FIRST_DAY} and {LAST_DAY}"}
            )
    end = to or now.astimezone(ZoneInfo(playbook.calendar.timezone)).date()
    start = from_ or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed("the period ends before it starts", fields={"from": "after to"})
    return Period(start, end)


PeriodDep = Annotated[Period, Depends(period)]


def groups(value: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """``group_by``: a comma list of the report's dimensions, each at most once."""
    chosen = tuple(part.strip() for part in value.split(",") if part.strip())
    if not chosen or any(g not in allowed for g in chosen) or len(set(chosen)) < len(chosen):
        raise ValidationFailed(
            "unknown grouping", fields={"group_by": f"a comma list of {', '.join(allowed)}"}
        )
    return chosen
