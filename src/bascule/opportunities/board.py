"""The board and the list of opportunities as rules (pure): which filters a request asks for,
and the board's columns (one per open stage, then the won and lost drop zones) with their
count, amount and weighted amount.

The totals are those of every opportunity the filters keep; the cards shown are only the
first of each column (a board of 500 cards would be unreadable and slow)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bascule.errors import ValidationFailed
from bascule.opportunities.model import CENT
from bascule.playbook.schema import Playbook, Stage

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
STATES = ("open", "won", "lost", "all")


@dataclass(frozen=True)
class OpportunityFilter:
    """What a board or list shows. ``owner``: ``None`` for everyone the reader may see, or
    one user's id (``mine`` is the reader's own id)."""

    owner_id: int | None = None
    close_month: tuple[date, date] | None = None
    stage: str | None = None
    state: str = "open"


def close_month(text: str | None) -> tuple[date, date] | None:
    """``2026-12`` → (1 Dec 2026, 31 Dec 2026); empty → None. ``ValidationFailed`` names the
    field otherwise."""
    if not text:
        return None
    found = MONTH.match(text.strip())
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1900:
        raise ValidationFailed("bad close month", fields={"close_month": "not a month (YYYY-MM)"})
    year, month = int(found[1]), int(found[2])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def owner_filter(text: str | None, actor_id: int | None) -> int | None:
    """``me`` → the reader, a number → that user, empty → everyone."""
    value = (text or "").strip()
    if not value:
        return None
    if value == "me":
        return actor_id
    if value.isdigit() and 0 < int(value) < 2**31:
        return int(value)
    raise ValidationFailed("bad owner", fields={"owner": "not a user"})


def check_state(text: str | None, stage: str | None, playbook: Playbook) -> tuple[str, str | None]:
    state = (text or "open").strip()
    if state not in STATES:
        raise ValidationFailed("bad state", fields={"state": f"one of {', '.join(STATES)}"})
    if stage and stage not in playbook.stage_keys:
        raise ValidationFailed("bad stage", fields={"stage": "not a stage"})
    return state, stage or None


def weighted(points: Decimal) -> Decimal:
    """Σ amount × probability (in percent points) as money."""
    return (points / Decimal(100)).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Column:
    stage: Stage
    count: int = 0
    amount: Decimal = Decimal(0)
    weighted_amount: Decimal = Decimal(0)
    cards: list[Any] = field(default_factory=list)

    @property
    def is_drop_zone(self) -> bool:
        """Won and lost: where a card goes to close, not a column of cards."""
        return self.stage.outcome != "open"

    @property
    def hidden(self) -> int:
        """Opportunities of the column not shown as cards."""
        return max(self.count - len(self.cards), 0)


def columns(
    playbook: Playbook,
    totals: Iterable[tuple[str, int, Decimal, Decimal]],
    cards: Sequence[Any],
    stage_of: Any = lambda card: card.opportunity.stage,
) -> list[Column]:
    """One column per stage in pipeline order: the open ones with their totals and cards,
    then the closed ones as empty drop zones. ``totals``: (stage, count, amount, points)."""
    board = [Column(stage) for stage in playbook.stages if stage.outcome == "open"]
    board += [Column(stage) for stage in playbook.stages if stage.outcome != "open"]
    by_key = {column.stage.key: column for column in board}
    for stage, count, amount, points in totals:
        column = by_key.get(stage)
        if column is not None and not column.is_drop_zone:
            column.count, column.amount = count, amount
            column.weighted_amount = weighted(points)
    for card in cards:
        column = by_key.get(stage_of(card))
        if column is not None and not column.is_drop_zone:
            column.cards.append(card)
    return board
