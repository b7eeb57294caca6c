"""What the opportunity pages and the conversion wizard read, on SQLite and PostgreSQL: the
board's totals and cards within what the reader may see, the list's sort and pages, one
opportunity unreadable by another rep, and the wizard's preview of a conversion."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bascule.accounts import service as accounts
from bascule.analytics.conditions import OpportunityFilters
from bascule.conversion import preview as conversion_preview
from bascule.errors import NotFound
from bascule.leads import service as leads
from bascule.opportunities import pages
from bascule.opportunities import service as opportunities
from bascule.opportunities.board import OpportunityFilter
from bascule.playbook.load import default_playbook
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
OPEN = OpportunityFilters(state="open")  # the list as the page first shows it
PLAYBOOK = default_playbook()


@pytest.fixture
def team(database: Database) -> dict[str, Actor]:
    """Two reps and their manager; Anne owns three open opportunities on Logitrans, Bruno one."""
    with database.uow(write=True) as uow:
        made = {}
        made["manager"] = users.create_user(
            uow, email="chef@bascule.fr", role="sales", name="Chef", now=NOW
        )
        for key, name in (("anne", "Anne"), ("bruno", "Bruno")):
            made[key] = users.create_user(
                uow, email=f"{key}@bascule.fr", role="sales", name=name,
                manager_email="chef@bascule.fr", now=NOW,
            )  # fmt: skip
        actors = {key: users.actor_for(user) for key, user in made.items()}
        account = accounts.create_account(
            uow, data={"name": "Logitrans", "domain": "logitrans.fr"}, actor=actors["anne"],
            now=NOW,
        )  # fmt: skip
        for name, amount, stage, owner, close in (
            ("Projet A", 12500, "qualification", "anne", date(2026, 12, 5)),
            ("Projet B", 30000, "proposal", "anne", date(2026, 12, 20)),
            ("Projet C", 8000, "proposal", "anne", date(2027, 1, 10)),
            ("Projet D", 5000, "proposal", "bruno", date(2026, 12, 1)),
        ):
            opportunities.create(
                uow, data={"name": name, "account_id": account.id, "amount": amount,
                           "expected_close_date": close, "stage": stage,
                           "lead_source": "web_form", "owner_id": made[owner].id},
                actor=actors[owner], playbook=PLAYBOOK, now=NOW,
            )  # fmt: skip
        uow.commit()
        return actors


def totals(board: pages.Board) -> dict[str, tuple[int, Decimal, Decimal, int]]:
    return {c.stage.key: (c.count, c.amount, c.weighted_amount, len(c.cards))
            for c in board.columns if c.count}  # fmt: skip


def test_the_board_counts_what_the_reader_may_see(database: Database, team) -> None:
    with database.uow() as uow:
        anne = pages.board(uow, actor=team["anne"], flt=OpportunityFilter(), playbook=PLAYBOOK)
        chef = pages.board(uow, actor=team["manager"], flt=OpportunityFilter(), playbook=PLAYBOOK)
        december = pages.board(
            uow, actor=team["manager"], playbook=PLAYBOOK,
            flt=OpportunityFilter(close_month=(date(2026, 12, 1), date(2026, 12, 31))),
        )  # fmt: skip
        assert totals(anne) == {
            "qualification": (1, Decimal("12500"), Decimal("1250.00"), 1),
            "proposal": (2, Decimal("38000"), Decimal("19000.00"), 2),
        }
        assert totals(chef)["proposal"] == (3, Decimal("43000"), Decimal("21500.00"), 3)
        assert totals(december)["proposal"] == (2, Decimal("35000"), Decimal("17500.00"), 2)
        assert [name for _, name in anne.owners] == ["Anne"]
        assert [name for _, name in chef.owners] == ["Anne", "Bruno", "Chef"]
        # Cards of a column: soonest expected close first.
        (proposal,) = [c for c in chef.columns if c.stage.key == "proposal"]
        assert [card.opportunity.name for card in proposal.cards] == [
            "Projet D",
            "Projet B",
            "Projet C",
        ]
        assert {card.account_name for card in proposal.cards} == {"Logitrans"}


def test_the_list_sorts_and_pages(database: Database, team) -> None:
    with database.uow() as uow:
        rows, total = pages.listing(
            uow, actor=team["manager"], flt=OPEN, sort="-amount", page=1,
            page_size=3, playbook=PLAYBOOK, now=NOW,
        )  # fmt: skip
        second, _ = pages.listing(
            uow, actor=team["manager"], flt=OPEN, sort="-amount", page=2,
            page_size=3, playbook=PLAYBOOK, now=NOW,
        )  # fmt: skip
        bruno, bruno_total = pages.listing(
            uow, actor=team["manager"], sort="owner", page=1, page_size=10, playbook=PLAYBOOK,
            flt=OpportunityFilters(owner_id=team["bruno"].user_id, state="all"), now=NOW,
        )  # fmt: skip
        assert total == 4
        assert [r.opportunity.name for r in rows + second] == [
        "Projet B", "Projet A", "Projet C", "Projet D"
        ]  # fmt: skip
        assert (bruno_total, [r.owner_name for r in bruno]) == (1, ["Bruno"])


def test_another_reps_opportunity_is_not_found(database: Database, team) -> None:
    with database.uow() as uow:
        rows, _ = pages.listing(
            uow, actor=team["bruno"], flt=OpportunityFilters(state="open"), sort="name", page=1,
            page_size=10, playbook=PLAYBOOK, now=NOW,
        )  # fmt: skip
        (own,) = rows
        bruno, manager = team["bruno"], team["manager"]
        assert pages.detail(uow, opportunity_id=own.opportunity.id, actor=bruno, playbook=PLAYBOOK)
        with pytest.raises(NotFound):
            pages.readable(uow, own.opportunity.id - 1, bruno, PLAYBOOK)  # one of Anne's
        page = pages.detail(
            uow, opportunity_id=own.opportunity.id, actor=manager, playbook=PLAYBOOK
        )
        assert [(h.from_stage, h.to_stage, name) for h, name in page.history] == [
            (None, "proposal", "Bruno")
        ]


def test_the_wizard_preview_shows_matching_accounts_and_their_open_opportunities(
    database: Database, team
) -> None:
    with database.uow(write=True) as uow:
        accounts.create_account(uow, data={"name": "Logitrans Sud"}, actor=team["anne"], now=NOW)
        lead, _ = leads.create(
            uow, data={"email": "sophie@logitrans.fr", "company": "Logitrans",
                       "source": "web_form"},
            actor=team["anne"], playbook=PLAYBOOK, now=NOW,
        )  # fmt: skip
        seen = conversion_preview.preview(uow, lead=lead, playbook=PLAYBOOK)
        assert [(s.account.name, s.matched_on) for s in seen.accounts] == [
        ("Logitrans", "domain"), ("Logitrans Sud", "similar_name")
        ]  # fmt: skip
        assert seen.suggested_account_id == seen.accounts[0].account.id and not seen.ambiguous
        assert [r.opportunity.name for r in seen.open_opportunities] == [
        "Projet D", "Projet A", "Projet B", "Projet C"
        ]  # fmt: skip
        assert set(seen.missing) == {"need", "budget", "timing"}
        assert seen.contact is None and seen.conversion is None
