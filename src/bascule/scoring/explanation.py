"""A score's explanation (SPEC §8): its entries, the behaviour state behind them, and their
compact JSON. Pure.

A lead stores its explanation as shown (``Score.shown``: reason, points, rule) and, apart, the
state a later batch advances its score from (``Score.state``: each behaviour rule's decayed
points before the cap, and their time; the ``lead_score_state`` table). Both together are
``Score.explanation``, the form the state had when it travelled in the lead's explanation
(before migration 0019), which ``state_of`` still reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

# Behaviour rule keys: "signal:<signal type>" and "form:<form type>".
SIGNAL, FORM = "signal:", "form:"

Behaviour = dict[str, float]  # rule key -> decayed points before the cap


@dataclass(frozen=True, slots=True)
class Contribution:
    rule: str  # "seniority", "employees"..., "signal:page_view", "form:demo_request", "ceiling"
    reason: str
    points: int
    value: float | None = None  # behaviour: decayed points before the cap, at ``Score.as_of``


@dataclass(frozen=True, slots=True)
class Score:
    total: int
    band: str
    contributions: tuple[Contribution, ...]
    behaviour: Behaviour
    as_of: datetime

    def shown(self) -> list[dict[str, Any]]:
        """The entries stored on the lead and shown as ``score_explanation``."""
        return [
            {"reason": c.reason, "points": c.points, "rule": c.rule} for c in self.contributions
        ]

    def state(self) -> State:
        """The state stored beside the lead: values kept to 4 decimals, as they always were
        (a later score advances from what was stored, not from the exact values)."""
        values = {c.rule: round(c.value, 4) for c in self.contributions if c.value is not None}
        return State(values, self.as_of if values else None)

    def explanation(self) -> list[dict[str, Any]]:
        """The entries shown, each behaviour entry with its state (``value``; the time once,
        ``as_of``): what the lead stored before its state had a table of its own."""
        stamp: str | None = stamp_of(self.as_of)
        out: list[dict[str, Any]] = []
        for c in self.contributions:
            entry: dict[str, Any] = {"reason": c.reason, "points": c.points, "rule": c.rule}
            if c.value is not None:
                entry["value"] = round(c.value, 4)
                if stamp is not None:  # the values' time, once
                    entry["as_of"], stamp = stamp, None
            out.append(entry)
        return out


@dataclass(frozen=True, slots=True)
class State:
    """A stored score's behaviour values and the time they hold at (None: no behaviour)."""

    behaviour: Behaviour
    as_of: datetime | None


def state_of(explanation: Sequence[Any] | None) -> State | None:
    """The state kept in a stored explanation; None when it is not one these rules wrote
    (empty, or from elsewhere): the score must then be computed from the signals."""
    if not explanation:
        return None
    values: Behaviour = {}
    as_of: datetime | None = None
    for entry in explanation:
        rule = entry.get("rule") if isinstance(entry, dict) else None
        if not isinstance(rule, str):
            return None
        if not rule.startswith((SIGNAL, FORM)):
            continue
        value, stamp = entry.get("value"), entry.get("as_of")
        if not isinstance(value, int | float):
            return None
        if stamp is not None:
            try:
                as_of = parse_time(stamp)
            except (TypeError, ValueError):
                return None
        values[rule] = float(value)
    if values and as_of is None:
        return None
    return State(values, as_of)


# A batch's explanations share one time: parse and format it once.
parse_time = lru_cache(maxsize=256)(datetime.fromisoformat)
stamp_of = lru_cache(maxsize=256)(datetime.isoformat)


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
