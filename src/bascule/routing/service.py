"""Routing use cases: fetch the people the rules name, apply ``rules.decide``, write the
round-robin counters in the caller's transaction.

Counters are read and written under a per-rule lock (PostgreSQL advisory lock held to commit;
SQLite write transactions are serialised already), so two leads routed at the same time by one
rule never go to the same turn of the rotation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bascule.playbook.routing import Routing, RoutingRule
from bascule.playbook.schema import Playbook
from bascule.routing.rules import (
    Decision,
    LeadFacts,
    People,
    Person,
    decide,
    decide_all,
    first_match,
)
from bascule.storage import routing as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork


def facts_of(lead: t.Lead) -> LeadFacts:
    return LeadFacts(
        country=lead.country,
        employees=lead.employees,
        source=lead.source,
        form_type=lead.form_type,
        kind=lead.kind,
    )


def person(user: t.User) -> Person:
    return Person(
        user_id=user.id,
        email=user.email,
        is_active=bool(user.is_active),
        absent_from=user.absent_from,
        absent_until=user.absent_until,
    )


def _people(uow: UnitOfWork, routing: Routing, rules: Iterable[RoutingRule]) -> People:
    """What ``decide`` needs for these rules (the ones the leads match) and the fallback owner:
    three queries at most, and the team rules' locks taken before their counters are read."""
    chosen = list({rule.key: rule for rule in rules}.values())
    team_rules = [rule.key for rule in chosen if rule.team is not None]
    session = uow.session
    store.lock_rules(session, team_rules)
    emails = [rule.owner for rule in chosen if rule.owner] + [routing.fallback_owner or ""]
    teams = store.team_members(session, {rule.team for rule in chosen if rule.team})
    return People(
        teams={name: [person(u) for u in members] for name, members in teams.items()},
        users={email: person(u) for email, u in store.users_by_email(session, emails).items()},
        counters=store.counters(session, team_rules),
    )


def route(uow: UnitOfWork, *, facts: LeadFacts, now: datetime, playbook: Playbook) -> Decision:
    """Who owns this lead, by the playbook's routing rules; the rotation moves on (its counter
    is written in the caller's transaction). No rule and no fallback owner: no query."""
    routing = playbook.routing
    rule = first_match(routing, facts) if routing.enabled else None
    if not routing.enabled or (rule is None and routing.fallback_owner is None):
        return decide(routing, facts, People(), now=now)
    decision = decide(routing, facts, _people(uow, routing, [rule] if rule else []), now=now)
    if decision.counters:
        store.save_counters(uow.session, {decision.rule: decision.counters})
    return decision


def route_many(
    uow: UnitOfWork, *, facts: Sequence[LeadFacts], now: datetime, playbook: Playbook
) -> list[Decision]:
    """Route many leads in order (an import's chunk, a departing user's leads): the people
    read once, every counter written once."""
    routing = playbook.routing
    if not facts:
        return []
    if not routing.enabled or (not routing.rules and routing.fallback_owner is None):
        return [decide(routing, one, People(), now=now) for one in facts]
    matched = [rule for one in facts if (rule := first_match(routing, one)) is not None]
    people = _people(uow, routing, matched)
    decisions, changed = decide_all(routing, facts, people, now=now)
    store.save_counters(uow.session, changed)
    return decisions


def has_rules(playbook: Playbook) -> bool:
    """Routing can give a lead to someone: enabled, with a rule or a fallback owner."""
    routing = playbook.routing
    return routing.enabled and bool(routing.rules or routing.fallback_owner)
