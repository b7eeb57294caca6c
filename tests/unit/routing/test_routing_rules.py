"""Routing rules (SPEC §9), pure: first matching rule, territory, segment, weighted round-robin
skipping inactive and out-of-office people, fallback owner."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bascule.playbook.routing import Routing, RoutingRule
from bascule.routing.rules import (
    DISABLED,
    FALLBACK,
    LeadFacts,
    People,
    Person,
    decide,
    decide_all,
    matches,
    next_in_team,
)

NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)
ALICE = Person(1, "alice@bascule-crm.fr")
BRUNO = Person(2, "bruno@bascule-crm.fr")
CHLOE = Person(3, "chloe@bascule-crm.fr")
DAVID = Person(4, "david@bascule-crm.fr")
EMMA = Person(5, "emma@bascule-crm.fr")


def rule(key: str, **fields: object) -> RoutingRule:
    return RoutingRule.model_validate({"key": key, **fields})


def routing(*rules: RoutingRule, fallback: str | None = None, enabled: bool = True) -> Routing:
    return Routing(enabled=enabled, rules=rules, fallback_owner=fallback)


def people(*persons: Person, teams: dict[str, list[Person]] | None = None) -> People:
    return People(teams=teams or {}, users={p.email: p for p in persons})


def owners_of(decisions: list) -> list[int | None]:
    return [d.owner_id for d in decisions]


# --- which rule -------------------------------------------------------------------------------


def test_the_first_matching_rule_wins_even_when_a_later_one_matches_too():
    rules = routing(
        rule("france", countries=["FR"], owner=ALICE.email),
        rule("everyone", owner=BRUNO.email),
    )
    decision = decide(rules, LeadFacts(country="FR"), people(ALICE, BRUNO), now=NOW)
    assert (decision.owner_id, decision.rule) == (ALICE.user_id, "france")
    decision = decide(rules, LeadFacts(country="BE"), people(ALICE, BRUNO), now=NOW)
    assert (decision.owner_id, decision.rule) == (BRUNO.user_id, "everyone")


def test_territory_by_country_ignores_the_case_of_the_lead_country():
    france = rule("france", countries=["FR", "BE"], owner=ALICE.email)
    assert matches(france, LeadFacts(country="fr"))
    assert matches(france, LeadFacts(country="BE"))
    assert not matches(france, LeadFacts(country="DE"))
    assert not matches(france, LeadFacts(country=None))


@pytest.mark.parametrize(
    ("employees", "expected"),
    [(None, False), (49, False), (50, True), (250, True), (999, True), (1000, False)],
)
def test_segment_by_company_size_includes_both_bounds(employees, expected):
    mid_market = rule("mid_market", employees_min=50, employees_max=999, owner=ALICE.email)
    assert matches(mid_market, LeadFacts(employees=employees)) is expected


def test_segment_with_one_bound_only():
    large = rule("large", employees_min=1000, owner=ALICE.email)
    small = rule("small", employees_max=49, owner=ALICE.email)
    assert matches(large, LeadFacts(employees=5000)) and not matches(large, LeadFacts(employees=10))
    assert matches(small, LeadFacts(employees=0)) and not matches(small, LeadFacts(employees=50))


def test_source_form_and_kind_conditions_must_all_hold():
    demos = rule(
        "demos_fr",
        countries=["FR"],
        sources=["demo_request"],
        form_types=["demo_request"],
        kinds=["sales"],
        owner=ALICE.email,
    )
    facts = LeadFacts(country="FR", source="demo_request", form_type="demo_request", kind="sales")
    assert matches(demos, facts)
    assert not matches(demos, LeadFacts(country="FR", source="demo_request", kind="sales"))
    support = LeadFacts(
        country="FR", source="demo_request", form_type="demo_request", kind="support_service"
    )
    assert not matches(demos, support)


def test_territory_then_segment_routes_three_leads_three_ways():
    rules = routing(
        rule("large_accounts", employees_min=1000, team="Grands comptes"),
        rule("france", countries=["FR"], owner=BRUNO.email),
        rule("rest", owner=CHLOE.email),
    )
    known = people(BRUNO, CHLOE, teams={"Grands comptes": [DAVID]})
    leads = [
        LeadFacts(country="FR", employees=5000),
        LeadFacts(country="FR", employees=20),
        LeadFacts(country="DE", employees=20),
    ]
    decisions, _ = decide_all(rules, leads, known, now=NOW)
    assert owners_of(decisions) == [DAVID.user_id, BRUNO.user_id, CHLOE.user_id]
    assert [d.rule for d in decisions] == ["large_accounts", "france", "rest"]


# --- fallback ---------------------------------------------------------------------------------


def test_no_rule_matching_goes_to_the_fallback_owner():
    rules = routing(rule("france", countries=["FR"], owner=ALICE.email), fallback=EMMA.email)
    decision = decide(rules, LeadFacts(country="ES"), people(ALICE, EMMA), now=NOW)
    assert (decision.owner_id, decision.rule) == (EMMA.user_id, FALLBACK)
    assert "no routing rule matches" in decision.explanation
    assert EMMA.email in decision.explanation


def test_no_rule_and_no_fallback_owner_leaves_the_lead_unassigned():
    rules = routing(rule("france", countries=["FR"], owner=ALICE.email))
    decision = decide(rules, LeadFacts(country="ES"), people(ALICE), now=NOW)
    assert (decision.owner_id, decision.rule) == (None, FALLBACK)
    assert decision.explanation == "no routing rule matches; no fallback owner"


def test_an_inactive_fallback_owner_gets_nothing_but_an_absent_one_does():
    rules = routing(fallback=EMMA.email)
    gone = Person(EMMA.user_id, EMMA.email, is_active=False)
    assert decide(rules, LeadFacts(), people(gone), now=NOW).owner_id is None
    away = Person(EMMA.user_id, EMMA.email, absent_from=NOW - timedelta(days=1))
    # the fallback owner is the last resort: better an owner back next week than none
    assert decide(rules, LeadFacts(), people(away), now=NOW).owner_id == EMMA.user_id


def test_an_owner_rule_whose_owner_is_out_of_office_falls_back():
    rules = routing(rule("france", countries=["FR"], owner=ALICE.email), fallback=EMMA.email)
    away = Person(ALICE.user_id, ALICE.email, absent_from=NOW - timedelta(hours=1))
    decision = decide(rules, LeadFacts(country="FR"), people(away, EMMA), now=NOW)
    assert (decision.owner_id, decision.rule) == (EMMA.user_id, FALLBACK)
    assert "out of office" in decision.explanation


def test_a_team_with_nobody_available_falls_back():
    team = [Person(1, "a@x.fr", is_active=False), Person(2, "b@x.fr", absent_from=NOW)]
    rules = routing(rule("team", team="PME"), fallback=EMMA.email)
    decision = decide(rules, LeadFacts(), people(EMMA, teams={"PME": team}), now=NOW)
    assert (decision.owner_id, decision.rule) == (EMMA.user_id, FALLBACK)
    assert "nobody available in team PME" in decision.explanation
    assert decision.counters == {}


def test_disabled_routing_places_nobody_even_with_a_fallback_owner():
    rules = routing(rule("all", owner=ALICE.email), fallback=EMMA.email, enabled=False)
    decision = decide(rules, LeadFacts(), people(ALICE, EMMA), now=NOW)
    assert (decision.owner_id, decision.rule) == (None, DISABLED)


# --- round-robin ------------------------------------------------------------------------------


def test_round_robin_takes_turns_in_user_id_order():
    rules = routing(rule("team", team="PME"))
    known = people(teams={"PME": [CHLOE, ALICE, BRUNO]})
    decisions, changed = decide_all(rules, [LeadFacts()] * 7, known, now=NOW)
    assert owners_of(decisions) == [1, 2, 3, 1, 2, 3, 1]
    assert changed == {"team": {1: 3, 2: 2, 3: 2}}


def test_weights_two_to_one_give_two_thirds_and_one_third():
    rules = routing(rule("team", team="PME", weights={ALICE.email: 2}))
    known = people(teams={"PME": [ALICE, BRUNO]})
    decisions, _ = decide_all(rules, [LeadFacts()] * 300, known, now=NOW)
    assert Counter(owners_of(decisions)) == {ALICE.user_id: 200, BRUNO.user_id: 100}
    # and never more than two in a row to one person
    assert owners_of(decisions)[:6] == [1, 1, 2, 1, 1, 2]


def test_weights_are_matched_whatever_the_case_of_the_email():
    rules = routing(rule("team", team="PME", weights={"ALICE@Bascule-CRM.fr": 3}))
    known = people(teams={"PME": [ALICE, BRUNO]})
    decisions, _ = decide_all(rules, [LeadFacts()] * 40, known, now=NOW)
    assert Counter(owners_of(decisions)) == {ALICE.user_id: 30, BRUNO.user_id: 10}


def test_inactive_and_out_of_office_members_are_skipped():
    away = Person(BRUNO.user_id, BRUNO.email, absent_from=NOW - timedelta(days=2))
    gone = Person(CHLOE.user_id, CHLOE.email, is_active=False)
    rules = routing(rule("team", team="PME"))
    known = people(teams={"PME": [ALICE, away, gone, DAVID]})
    decisions, _ = decide_all(rules, [LeadFacts()] * 4, known, now=NOW)
    assert owners_of(decisions) == [ALICE.user_id, DAVID.user_id] * 2
    assert "skipped bruno@bascule-crm.fr (out of office), chloe@bascule-crm.fr (inactive)" in (
        decisions[0].explanation
    )


@pytest.mark.parametrize(
    ("absent_from", "absent_until", "away"),
    [
        (None, None, False),
        (NOW, None, True),  # from is included
        (NOW + timedelta(seconds=1), None, False),  # not yet
        (NOW - timedelta(days=5), NOW, False),  # until is excluded: back now
        (NOW - timedelta(days=5), NOW + timedelta(seconds=1), True),
        (NOW - timedelta(days=5), None, True),  # open-ended
    ],
)
def test_out_of_office_is_from_included_to_until_excluded(absent_from, absent_until, away):
    person = Person(1, "a@x.fr", absent_from=absent_from, absent_until=absent_until)
    assert person.out_of_office(NOW) is away
    assert person.available(NOW) is not away


def test_back_from_holidays_rejoins_the_rotation_instead_of_taking_every_lead():
    # Alice and Bruno took 100 leads each while Chloé was away: she starts one round behind
    # them (the next lead is hers), then the three take turns again.
    rules = routing(rule("team", team="PME"))
    known = People(teams={"PME": [ALICE, BRUNO, CHLOE]}, counters={"team": {1: 100, 2: 100}})
    decisions, changed = decide_all(rules, [LeadFacts()] * 6, known, now=NOW)
    assert owners_of(decisions) == [3, 1, 2, 3, 1, 2]
    assert changed == {"team": {1: 102, 2: 102, 3: 101}}


def test_counters_given_are_where_the_rotation_goes_on():
    rules = routing(rule("team", team="PME"))
    known = People(teams={"PME": [ALICE, BRUNO]}, counters={"team": {1: 5, 2: 4}})
    decision = decide(rules, LeadFacts(), known, now=NOW)
    assert (decision.owner_id, dict(decision.counters)) == (BRUNO.user_id, {2: 5})


def test_the_same_inputs_give_the_same_decisions():
    rules = routing(rule("team", team="PME", weights={CHLOE.email: 3}))
    known = people(teams={"PME": [CHLOE, BRUNO, ALICE]})
    first, _ = decide_all(rules, [LeadFacts()] * 50, known, now=NOW)
    again, _ = decide_all(rules, [LeadFacts()] * 50, known, now=NOW)
    assert first == again


@given(
    weights=st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=5),
    rounds=st.integers(min_value=1, max_value=6),
)
def test_over_whole_rounds_everyone_gets_exactly_their_weight(weights, rounds):
    team = [Person(i + 1, f"rep{i + 1}@x.fr") for i in range(len(weights))]
    rules = routing(
        rule("team", team="T", weights={p.email: w for p, w in zip(team, weights, strict=True)})
    )
    leads = [LeadFacts()] * (sum(weights) * rounds)
    decisions, _ = decide_all(rules, leads, people(teams={"T": team}), now=NOW)
    got = Counter(owners_of(decisions))
    assert got == {p.user_id: w * rounds for p, w in zip(team, weights, strict=True)}


def test_nobody_in_the_team_gives_no_counter_change():
    chosen, changes = next_in_team(rule("t", team="T"), [], {}, now=NOW)
    assert (chosen, changes) == (None, {})
