"""The lead list's state in an address (``leads.listing``), the lead page's timeline
(``leads.timeline``) and who may reassign (``leads.actions.may_reassign``): pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode

from bascule.leads import listing
from bascule.leads.actions import may_reassign
from bascule.leads.timeline import merge
from bascule.users.model import Role

SOURCES = ("web_form", "trade_show", "demo_request")


def parse(query: str) -> listing.Parsed:
    return listing.parse(parse_qs(query), sources=SOURCES)


def test_an_address_holds_every_filter_the_sort_the_columns_and_the_page():
    address = (
        "mine=yes&status=new&status=mql&source=trade_show&tag=Salon-Lyon&temperature=hot"
        "&min_score=40&ready=yes&overdue=no&q=durand&created_from=2026-11-01"
        "&created_to=2026-11-30&sort=-score&col=name&col=owner&col=tags&page=3"
    )

    parsed = parse(address)

    assert parsed.refused == {}
    q = parsed.query
    assert (q.mine, q.status, q.source, q.tag, q.temperature) == (
        True, ("new", "mql"), ("trade_show",), "salon-lyon", "hot",
    )  # fmt: skip
    assert (q.min_score, q.ready, q.overdue, q.q) == (40, True, False, "durand")
    assert (q.created_from, q.created_to) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (q.sort, q.storage_sort(), q.columns, q.page) == (
        "-score", "-score", ("name", "owner", "tags"), 3,
    )  # fmt: skip
    # Written back, then read again: the same state.
    assert parse(urlencode(q.params())).query == q


def test_the_api_way_of_listing_statuses_is_understood_and_defaults_stay_out_of_the_address():
    q = parse("status=new,contacted&sort=-created").query

    assert q.status == ("new", "contacted")
    assert q.params() == [("status", "new"), ("status", "contacted")]
    assert listing.LeadQuery().params() == []


def test_values_that_make_no_sense_are_left_out_and_named():
    parsed = parse(
        "status=new&status=bogus&source=fax&min_score=101&ready=perhaps&created_from=31/12/2026"
        "&sort=-shoe_size&page=0&owner=abc&temperature=tepid"
    )

    assert set(parsed.refused) == {
        "status", "source", "min_score", "ready", "created_from", "sort", "page", "owner",
        "temperature",
    }  # fmt: skip
    q = parsed.query
    assert q.status == ("new",) and q.source == () and q.min_score is None
    assert (q.sort, q.page, q.owner, q.temperature) == ("-created", 1, None, None)


def test_clicking_a_column_sorts_by_it_then_the_other_way_from_the_first_page():
    q = listing.LeadQuery(page=4)

    by_score = q.sorted_by("score")
    assert (by_score.sort, by_score.page) == ("score", 1)
    assert by_score.sorted_by("score").sort == "-score"
    assert by_score.sorted_by("owner").storage_sort() == "owner"
    assert listing.LeadQuery(sort="-sla").storage_sort() == "-sla_due_at"


def test_mine_wins_over_an_owner_and_the_period_covers_both_days_in_the_company_zone():
    q = listing.LeadQuery(mine=True, owner=7, created_from=date(2026, 3, 29),
                          created_to=date(2026, 3, 29))  # fmt: skip

    assert q.owner_id(3) == 3
    assert listing.LeadQuery(owner=7).owner_id(3) == 7
    start, end = q.created_between("Europe/Paris")
    # The night summer time starts in Paris: a 23-hour day.
    assert start is not None and end is not None
    assert start.astimezone(UTC) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_a_saved_view_reads_back_as_the_address_it_was_saved_from():
    q = parse("status=sql&ready=yes&sort=owner&col=name&col=owner").query

    params = listing.from_view(q.filters(), q.sort, q.columns)

    assert listing.parse(params, sources=SOURCES).query == q
    assert q.filters() == {"status": ["sql"], "ready": True}


def _row(**fields):
    return SimpleNamespace(**fields)


def test_the_timeline_merges_everything_newest_first_with_who_did_it():
    at = datetime(2026, 11, 23, 9, tzinfo=UTC)
    later = datetime(2026, 11, 23, 10, tzinfo=UTC)
    call = _row(id=1, occurred_at=later, user_id=5)
    page_view = _row(id=2, occurred_at=at)
    contacted = _row(id=3, changed_at=later, actor_user_id=5, actor_rule=None, kind="progress")
    given = _row(id=4, changed_at=at, actor_user_id=None, actor_rule="routing:west",
                 kind="assignment")  # fmt: skip
    alert = _row(id=5, created_at=later, recipient_user_id=9)

    events = merge(
        activities=[call], signals=[page_view], history=[contacted, given], alerts=[alert],
        names={5: "Inès Garnier"},
    )  # fmt: skip

    assert [(e.kind, e.row.id) for e in events] == [
        ("alert", 5), ("status", 3), ("activity", 1), ("assignment", 4), ("signal", 2),
    ]  # fmt: skip
    assert [e.who for e in events] == ["#9", "Inès Garnier", "Inès Garnier", None, None]
    assert events[3].rule == "routing:west"


def test_managers_sales_ops_and_administrators_reassign_others_do_not():
    assert may_reassign(Role.ADMIN, manages_others=False)
    assert may_reassign(Role.SALES_OPS, manages_others=False)
    assert may_reassign(Role.SALES, manages_others=True)
    assert not may_reassign(Role.SDR, manages_others=False)
    assert not may_reassign(Role.MARKETING, manages_others=False)


def test_the_report_filters_are_read_written_back_and_refused_by_name():
    address = (
        "owner=none&source=none&source=web_form&campaign=none&segment=10-49&employees_min=5"
        "&employees_max=40&reached=sql&outcome=lost&stalled=true&ready_to_convert=true"
        "&conversion_overdue=false"
    )

    parsed = listing.parse(parse_qs(address), sources=SOURCES, segments=("1-9", "10-49"))

    assert parsed.refused == {}
    q = parsed.query
    assert (q.owner, q.unowned, q.source, q.campaign, q.segment) == (
        None, True, ("none", "web_form"), "none", "10-49",
    )  # fmt: skip
    assert (q.employees_min, q.employees_max, q.reached, q.outcome, q.stalled) == (
        5, 40, "sql", "lost", True,
    )  # fmt: skip
    assert (q.ready, q.overdue) == (True, False)  # the API's words, understood
    again = listing.parse(parse_qs(urlencode(q.params())), sources=SOURCES,
                          segments=("1-9", "10-49"))  # fmt: skip
    assert again.query == q
    _, refused = listing.parse_filters(
        parse_qs("reached=customer&outcome=maybe&segment=11-12&stalled=perhaps&owner=x"),
        sources=SOURCES, segments=("1-9",),
    )  # fmt: skip
    assert set(refused) == {"reached", "outcome", "segment", "stalled", "owner"}
    fields = listing.problems({"ready": "perhaps", **refused}, sources=SOURCES, segments=("1-9",))
    assert fields["ready_to_convert"].startswith("yes or no")  # named as the API names it
    assert fields["reached"] == "one of new, contacted, mql, sql, converted, not 'customer'"
