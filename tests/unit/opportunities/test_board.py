"""The board's rules (pure): filters as asked in the address, and one column per open stage
with its count, amount and weighted amount, then the won and lost drop zones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from bascule.errors import ValidationFailed
from bascule.opportunities.board import check_state, close_month, columns, owner_filter
from bascule.playbook.load import default_playbook

PLAYBOOK = default_playbook()


@dataclass(frozen=True)
class Card:
    stage: str
    name: str


def test_columns_follow_the_pipeline_with_totals_and_drop_zones_last() -> None:
    totals = [("proposal", 3, Decimal("30000"), Decimal("1500000")),
              ("qualification", 1, Decimal("12500"), Decimal("125000"))]  # fmt: skip
    cards = [Card("proposal", "a"), Card("qualification", "b"), Card("proposal", "c")]
    board = columns(PLAYBOOK, totals, cards, stage_of=lambda card: card.stage)
    assert [c.stage.key for c in board] == [
        "qualification", "discovery", "proposal", "negotiation", "won", "lost"
    ]  # fmt: skip
    qualification, discovery, proposal = board[:3]
    assert (qualification.count, qualification.amount, qualification.weighted_amount) == (
        1, Decimal("12500"), Decimal("1250.00")
    )  # fmt: skip
    assert (proposal.count, proposal.weighted_amount, proposal.hidden) == (
        3,
        Decimal("15000.00"),
        1,
    )
    assert [card.name for card in proposal.cards] == ["a", "c"]
    assert (discovery.count, discovery.amount, discovery.cards) == (0, Decimal(0), [])
    assert [c.is_drop_zone for c in board] == [False] * 4 + [True] * 2


def test_a_closed_stage_never_gets_cards_or_totals() -> None:
    board = columns(PLAYBOOK, [("won", 2, Decimal(10), Decimal(1000))], [Card("won", "x")],
                    stage_of=lambda card: card.stage)  # fmt: skip
    won = board[4]
    assert (won.stage.key, won.count, won.cards) == ("won", 0, [])


def test_close_month_is_the_whole_month() -> None:
    assert close_month("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert close_month("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert close_month("") is None and close_month(None) is None


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "december", "0001-01", "2026-12-05"])
def test_a_close_month_that_is_not_one_names_the_field(text: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        close_month(text)
    assert exc.value.fields == {"close_month": "not a month (YYYY-MM)"}


def test_owner_filter_mine_someone_or_everyone() -> None:
    assert owner_filter("me", 7) == 7
    assert owner_filter("12", 7) == 12
    assert owner_filter("", 7) is None
    with pytest.raises(ValidationFailed) as exc:
        owner_filter("-3", 7)
    assert exc.value.fields == {"owner": "not a user"}


def test_state_and_stage_are_checked() -> None:
    assert check_state(None, None, PLAYBOOK) == ("open", None)
    assert check_state("lost", "lost", PLAYBOOK) == ("lost", "lost")
    with pytest.raises(ValidationFailed):
        check_state("closed", None, PLAYBOOK)
    with pytest.raises(ValidationFailed):
        check_state("open", "signed", PLAYBOOK)
