"""A lead's timeline (issue 11): its activities, signals, status and assignment history and the
alerts raised about it, merged into one list, newest first, each with who did it. Pure: the
rows in, the events out; the page says them in the reader's words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

ASSIGNMENT = "assignment"
OVERDUE = "conversion_overdue"
# Among events of the same instant, the order they happen in: the status change an activity
# caused comes after it, and the alert after both. Newest first reverses it.
ORDER = {"activity": 0, "signal": 1, "status": 2, "assignment": 3, "overdue": 4, "alert": 5}


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # activity, signal, status, assignment, overdue, alert
    row: Any  # the activity, signal, history row or alert itself
    who: str | None = None  # the user who did it (or was told, for an alert)
    rule: str | None = None  # or the playbook rule that did it


def _name(names: Mapping[int, str], user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return names.get(user_id, f"#{user_id}")


def merge(
    *,
    activities: Iterable[Any],
    signals: Iterable[Any],
    history: Iterable[Any],
    alerts: Iterable[Any],
    names: Mapping[int, str],
) -> list[Event]:
    events = [Event(a.occurred_at, "activity", a, _name(names, a.user_id)) for a in activities]
    events += [Event(s.occurred_at, "signal", s) for s in signals]
    for h in history:
        kind = {ASSIGNMENT: "assignment", OVERDUE: "overdue"}.get(h.kind, "status")
        events.append(Event(h.changed_at, kind, h, _name(names, h.actor_user_id), h.actor_rule))
    events += [Event(a.created_at, "alert", a, _name(names, a.recipient_user_id)) for a in alerts]
    return sorted(events, key=lambda e: (e.at, ORDER[e.kind], e.row.id), reverse=True)
