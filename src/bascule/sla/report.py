"""The SLA report's arithmetic (SPEC §10: "share of leads first-contacted within their SLA, by
rule and owner"), pure: clocks in, one line per group out. ``sla.service.report`` reads the
clocks started in the period and calls ``summarize``.

Each clock falls in exactly one outcome, as of ``now``:

- ``answered_in_time`` / ``answered_late``: stopped by a response, before or after its due time;
- ``breached_open``: still running past its due time (nobody has answered yet);
- ``breached_stopped``: stopped without a response after its due time (reassigned or closed
  once already late: the breach stays on the owner who had it, reassigning does not erase it);
- ``running``: still running, not due yet;
- ``stopped_in_time``: stopped without a response before its due time (reassigned, unassigned,
  closed or superseded in time: nobody was held to it).

``compliance`` is answered in time over the clocks whose fate is known (answered, or past due),
in percent; running and stopped-in-time clocks are left out of it. The response times are
business time from the start to the response (calendar hours, not wall-clock hours), median and
90th percentile, over the answered clocks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bascule.sla.rules import StopReason

GROUPS = ("rule", "owner")


class Outcome(StrEnum):
    ANSWERED_IN_TIME = "answered_in_time"
    ANSWERED_LATE = "answered_late"
    BREACHED_OPEN = "breached_open"
    BREACHED_STOPPED = "breached_stopped"
    RUNNING = "running"
    STOPPED_IN_TIME = "stopped_in_time"


@dataclass(frozen=True)
class ClockFacts:
    rule: str
    owner_id: int | None
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    stopped_by: str | None
    escalated_at: datetime | None


def outcome(clock: ClockFacts, now: datetime) -> Outcome:
    if clock.stopped_at is None:
        return Outcome.BREACHED_OPEN if clock.due_at <= now else Outcome.RUNNING
    late = clock.stopped_at > clock.due_at
    if clock.stopped_by == StopReason.RESPONSE:
        return Outcome.ANSWERED_LATE if late else Outcome.ANSWERED_IN_TIME
    return Outcome.BREACHED_STOPPED if late else Outcome.STOPPED_IN_TIME


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear between the closest ranks; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class _Tally:
    started: int = 0
    escalated: int = 0
    counts: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    hours: list[float] = field(default_factory=list)


def summarize(
    clocks: Iterable[ClockFacts],
    *,
    group_by: Sequence[str],
    now: datetime,
    elapsed: Callable[[datetime, datetime], timedelta],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(one line per group, sorted by its keys; the total line). ``elapsed(a, b)`` is the
    business time between two instants (``BusinessCalendar.elapsed``)."""
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown groups {unknown}; use {GROUPS}")
    groups: dict[tuple[Any, ...], _Tally] = {}
    total = _Tally()
    for clock in clocks:
        key = tuple(clock.rule if g == "rule" else clock.owner_id for g in group_by)
        for tally in (groups.setdefault(key, _Tally()), total):
            _count(tally, clock, now, elapsed)
    lines = [
        {("owner_id" if g == "owner" else g): k for g, k in zip(group_by, key, strict=True)}
        | _figures(tally)
        for key, tally in sorted(groups.items(), key=lambda item: _sortable(item[0]))
    ]
    return lines, _figures(total)


def _count(
    tally: _Tally,
    clock: ClockFacts,
    now: datetime,
    elapsed: Callable[[datetime, datetime], timedelta],
) -> None:
    result = outcome(clock, now)
    tally.started += 1
    tally.counts[result] += 1
    if clock.escalated_at is not None:
        tally.escalated += 1
    if result in (Outcome.ANSWERED_IN_TIME, Outcome.ANSWERED_LATE):
        assert clock.stopped_at is not None
        tally.hours.append(elapsed(clock.started_at, clock.stopped_at).total_seconds() / 3600)


def _figures(tally: _Tally) -> dict[str, Any]:
    counts = tally.counts
    decided = (
        counts[Outcome.ANSWERED_IN_TIME]
        + counts[Outcome.ANSWERED_LATE]
        + counts[Outcome.BREACHED_OPEN]
        + counts[Outcome.BREACHED_STOPPED]
    )
    median, p90 = percentile(tally.hours, 50), percentile(tally.hours, 90)
    return {
        "started": tally.started,
        **{o.value: counts[o] for o in Outcome},
        "escalated": tally.escalated,
        "median_response_business_hours": None if median is None else round(median, 2),
        "p90_response_business_hours": None if p90 is None else round(p90, 2),
        "compliance_percent": (
            None if decided == 0 else round(100 * counts[Outcome.ANSWERED_IN_TIME] / decided, 1)
        ),
    }


def _sortable(key: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    # Unowned clocks (an owner deleted since) sort last, without comparing None to numbers.
    return tuple((part is None, part if part is not None else 0) for part in key)
