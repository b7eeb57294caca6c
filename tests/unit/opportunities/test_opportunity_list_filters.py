"""The opportunity list's filters as an address asks for them (``opportunities.listing``),
read alike by ``GET /api/v1/opportunities`` and the ``/opportunities`` page: pure."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs

from bascule.opportunities import listing
from bascule.playbook.load import default_playbook

PLAYBOOK = default_playbook()


def parse(query: str, default_state: str = "all") -> listing.Parsed:
    return listing.parse(
        parse_qs(query), playbook=PLAYBOOK, actor_id=7, default_state=default_state
    )


def test_the_report_filters_and_their_words():
    parsed = parse(
        "owner=none&stage=proposal,negotiation&type=upsell&source=none&state=lost"
        "&expected_close_from=2026-01-01&expected_close_to=2026-03-31&closed_from=2026-02-01"
        "&closed_to=2026-02-28&loss_reason=no_real_need&stalled=true&account_id=3"
    )

    assert parsed.refused == {}
    f = parsed.filters
    assert (f.unowned, f.owner_id, f.stage, f.type, f.source) == (
        True, None, ("proposal", "negotiation"), "upsell", ("none",),
    )  # fmt: skip
    assert (f.state, f.loss_reason, f.stalled, f.account_id) == ("lost", "no_real_need", True, 3)
    assert (f.expected_close_from, f.closed_to) == (date(2026, 1, 1), date(2026, 2, 28))
    assert parsed.asked["stage"] == "proposal,negotiation" and parsed.asked["owner"] == "none"


def test_the_state_the_list_shows_unless_asked_and_a_close_month():
    assert parse("").filters.state == "all"
    assert parse("", default_state="open").filters.state == "open"
    f = parse("owner=me&close_month=2026-02").filters
    assert (f.owner_id, f.expected_close_from, f.expected_close_to) == (
        7, date(2026, 2, 1), date(2026, 2, 28),
    )  # fmt: skip


def test_values_that_make_no_sense_are_refused_by_name():
    parsed = parse(
        "stage=won,closed&state=finished&closed_from=2026-02-30&loss_reason=bad_luck"
        "&owner=someone&is_closed=perhaps&close_month=2026-13&type=gift"
    )

    assert set(parsed.refused) == {"stage", "state", "closed_from", "loss_reason", "owner",
                                   "is_closed", "close_month", "type"}  # fmt: skip
    assert parsed.filters.stage == ("won",) and parsed.filters.state == "all"
    fields = listing.problems(parsed.refused, PLAYBOOK)
    assert fields["state"] == "one of open, won, lost, all, not 'finished'"
