"""The requalification report's arithmetic (SPEC §2, §10): leads sales handed back to marketing
(``sql`` → ``nurturing``, history kind ``requalification``), counted per owner, reason and/or
source, with their reasons. Pure: hand-backs in, one line per group out; ``leads.reports``
reads the history rows of the period and calls ``summarize``.

- ``owner`` is who handed the lead back: the user who made the change, or, when a rule did (three
  failed contact attempts on an SQL), the lead's owner. Not the lead's owner today: marketing
  usually takes a lead back after a hand-back, which would credit it to the wrong person.
- ``reason`` groups the written reasons by their text with case, spacing and a final full stop
  left out ("Pas de budget" and "pas de budget." are one reason), shown as first written.
- ``source`` is the lead's source.

``requalifications`` counts hand-backs, ``leads`` distinct leads (a lead handed back twice in
the period counts once there), ``by_rule`` the hand-backs a rule made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GROUPS = ("owner", "reason", "source")
NO_REASON = ""


@dataclass(frozen=True)
class Handback:
    lead_id: int
    reason: str | None
    by_user_id: int | None
    by_rule: str | None
    lead_owner_id: int | None
    source: str

    @property
    def owner_id(self) -> int | None:
        return self.by_user_id if self.by_user_id is not None else self.lead_owner_id


def reason_key(reason: str | None) -> str:
    """What two reasons have in common when they say the same thing."""
    return " ".join((reason or "").split()).rstrip(".").strip().casefold()


def _dimension(handback: Handback, group: str) -> Any:
    if group == "owner":
        return handback.owner_id
    if group == "source":
        return handback.source
    return reason_key(handback.reason)


def _figures(handbacks: Sequence[Handback], labels: dict[str, str]) -> dict[str, Any]:
    reasons = Counter(reason_key(h.reason) for h in handbacks)
    return {
        "requalifications": len(handbacks),
        "leads": len({h.lead_id for h in handbacks}),
        "by_rule": sum(1 for h in handbacks if h.by_rule is not None),
        "reasons": [
            {"reason": labels[key], "count": n}
            for key, n in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        ],
    }


def summarize(
    handbacks: Iterable[Handback], *, group_by: Sequence[str]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One line per group (most hand-backs first), and the total over the period."""
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown:
        raise ValueError(f"unknown groups {unknown}; use {GROUPS}")
    items = list(handbacks)
    labels: dict[str, str] = {}
    for h in items:  # shown as first written
        labels.setdefault(reason_key(h.reason), " ".join((h.reason or "").split()) or NO_REASON)
    grouped: dict[tuple[Any, ...], list[Handback]] = {}
    for h in items:
        grouped.setdefault(tuple(_dimension(h, g) for g in group_by), []).append(h)
    lines = []
    for key, members in grouped.items():
        line: dict[str, Any] = {}
        for group, value in zip(group_by, key, strict=True):
            if group == "owner":
                line["owner_id"] = value
            elif group == "reason":
                line["reason"] = labels[value]
            else:
                line["source"] = value
        lines.append(line | _figures(members, labels))
    lines.sort(key=lambda line: (-line["requalifications"], _order(line, group_by)))
    return lines, _figures(items, labels)


def _order(line: dict[str, Any], group_by: Sequence[str]) -> tuple[Any, ...]:
    """Ties by group value, nobody (no owner) last."""
    names = {"owner": "owner_id", "reason": "reason", "source": "source"}
    return tuple((line[names[g]] is None, line[names[g]] or "") for g in group_by)
