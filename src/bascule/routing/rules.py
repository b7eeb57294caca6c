"""Who owns a new lead (SPEC §9): the playbook's ``[routing]`` rules applied to a lead. Pure.

The first rule whose conditions all match wins: territory (``countries``), segment
(``employees_min``/``employees_max``), ``sources``, ``form_types``, ``kinds``. A rule gives
the lead to one ``owner`` or round-robin within a ``team``. Only people who can answer the
lead count: active and not out of office at ``now``. When the winning rule has nobody
available, or no rule matches, the lead goes to ``fallback_owner`` if that user is active (out
of office or not: it is the last resort), else to nobody.

Weighted round-robin: each member's ``assigned`` counter over their weight is how far along
their share they are; the next lead goes to the member for whom (assigned + 1) / weight is
smallest (ties: the lowest user id), so weights 2:1 give two leads out of three, then one.
Someone who was away (or just joined the team) starts again at most one round behind the
member furthest ahead: coming back from a fortnight off must not bring a fortnight of leads in
a row. Counters are the rotation's position, so that catch-up is written back to them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bascule.playbook.routing import Routing, RoutingRule

FALLBACK = "fallback"
DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What routing reads of a lead."""

    country: str | None = None
    employees: int | None = None
    source: str | None = None
    form_type: str | None = None
    kind: str | None = "sales"


@dataclass(frozen=True, slots=True)
class Person:
    """A user as routing sees them."""

    user_id: int
    email: str
    is_active: bool = True
    absent_from: datetime | None = None
    absent_until: datetime | None = None

    def out_of_office(self, now: datetime) -> bool:
        """Away from ``absent_from`` (included) to ``absent_until`` (excluded; none: until
        they say they are back)."""
        if self.absent_from is None or now < self.absent_from:
            return False
        return self.absent_until is None or now < self.absent_until

    def available(self, now: datetime) -> bool:
        return self.is_active and not self.out_of_office(now)


@dataclass(frozen=True)
class People:
    """What the rules need from the database: the members of the teams the rules name, the
    users they name by e-mail (owners, fallback), and the counters of the team rules."""

    teams: Mapping[str, Sequence[Person]] = field(default_factory=dict)
    users: Mapping[str, Person] = field(default_factory=dict)  # by lower-cased e-mail
    counters: Mapping[str, Mapping[int, int]] = field(default_factory=dict)  # rule -> user -> n


@dataclass(frozen=True)
class Decision:
    """Who gets the lead (None: nobody), the rule that decided (its key, or ``fallback``, or
    ``disabled``), why in words, and the counters of that rule to write (user id -> value)."""

    owner_id: int | None
    rule: str
    explanation: str
    counters: Mapping[int, int] = field(default_factory=dict)
    # Nobody got it but a team rule matched: the lead waits in that team's queue (SPEC §18).
    team: str | None = None


def matches(rule: RoutingRule, facts: LeadFacts) -> bool:
    """Every condition the rule gives holds for the lead (an empty condition holds always)."""
    if rule.countries and (facts.country or "").upper() not in rule.countries:
        return False
    if rule.employees_min is not None or rule.employees_max is not None:
        if facts.employees is None:
            return False  # a segment rule cannot place a lead of unknown size
        if rule.employees_min is not None and facts.employees < rule.employees_min:
            return False
        if rule.employees_max is not None and facts.employees > rule.employees_max:
            return False
    if rule.sources and facts.source not in rule.sources:
        return False
    if rule.form_types and facts.form_type not in rule.form_types:
        return False
    return not (rule.kinds and facts.kind not in rule.kinds)


def first_match(routing: Routing, facts: LeadFacts) -> RoutingRule | None:
    return next((rule for rule in routing.rules if matches(rule, facts)), None)


def weight(rule: RoutingRule, person: Person) -> int:
    """The member's weight in a team rule (1 unless ``weights`` names them)."""
    return _weights(rule).get(person.email.lower(), 1)


def _weights(rule: RoutingRule) -> dict[str, int]:
    return {email.lower(): w for email, w in rule.weights.items()} if rule.weights else {}


def next_in_team(
    rule: RoutingRule,
    members: Sequence[Person],
    counters: Mapping[int, int],
    *,
    now: datetime,
) -> tuple[Person | None, dict[int, int]]:
    """The available member furthest behind their weighted share, and the counters to write
    (the chosen member's +1, and anyone lifted back to one round behind)."""
    available = sorted((m for m in members if m.available(now)), key=lambda m: m.user_id)
    if not available:
        return None, {}
    named = _weights(rule)
    weights = {m.user_id: named.get(m.email.lower(), 1) for m in available}
    done = {m.user_id: counters.get(m.user_id, 0) for m in available}
    # Shares compared exactly in whole numbers: done / weight, scaled by the weights' lcm.
    scale = math.lcm(*weights.values())
    unit = {i: scale // w for i, w in weights.items()}
    ahead = max(done[i] * unit[i] for i in done)
    changes: dict[int, int] = {}
    for i in done:
        floor = (ahead - scale) // unit[i]  # one round (one share) behind the furthest ahead
        if done[i] < floor:
            done[i] = changes[i] = floor
    chosen = min(available, key=lambda m: ((done[m.user_id] + 1) * unit[m.user_id], m.user_id))
    changes[chosen.user_id] = done[chosen.user_id] + 1
    return chosen, changes


def _describe(rule: RoutingRule) -> str:
    parts = []
    if rule.countries:
        parts.append("country " + "/".join(rule.countries))
    if rule.employees_min is not None and rule.employees_max is not None:
        parts.append(f"{rule.employees_min}-{rule.employees_max} employees")
    elif rule.employees_min is not None:
        parts.append(f"{rule.employees_min}+ employees")
    elif rule.employees_max is not None:
        parts.append(f"up to {rule.employees_max} employees")
    for name, values in (
        ("source", rule.sources),
        ("form", rule.form_types),
        ("kind", rule.kinds),
    ):
        if values:
            parts.append(f"{name} {'/'.join(values)}")
    return f"rule {rule.key}" + (f" ({', '.join(parts)})" if parts else " (every lead)")


def _state(person: Person) -> str:
    return "out of office" if person.is_active else "inactive"


def _skipped(people: Iterable[Person], now: datetime) -> str:
    away = [f"{p.email} ({_state(p)})" for p in people if not p.available(now)]
    return f"; skipped {', '.join(away)}" if away else ""


def decide(routing: Routing, facts: LeadFacts, people: People, *, now: datetime) -> Decision:
    """Apply the routing rules to one lead."""
    if not routing.enabled:
        return Decision(None, DISABLED, "routing is disabled in the playbook")
    rule = first_match(routing, facts)
    why: str
    if rule is None:
        why = "no routing rule matches"
    elif rule.team is not None:
        members = people.teams.get(rule.team, ())
        chosen, changes = next_in_team(rule, members, people.counters.get(rule.key, {}), now=now)
        if chosen is not None:
            return Decision(
                chosen.user_id,
                rule.key,
                f"{_describe(rule)}: round-robin in team {rule.team} → {chosen.email} "
                f"(weight {weight(rule, chosen)}){_skipped(members, now)}",
                changes,
            )
        why = f"{_describe(rule)}: nobody available in team {rule.team}{_skipped(members, now)}"
    else:
        owner = people.users.get((rule.owner or "").lower())
        if owner is not None and owner.available(now):
            return Decision(owner.user_id, rule.key, f"{_describe(rule)} → {owner.email}")
        state = "unknown user" if owner is None else _state(owner)
        why = f"{_describe(rule)}: owner {rule.owner} not available ({state})"
    fallback = people.users.get((routing.fallback_owner or "").lower())
    if fallback is not None and fallback.is_active:
        return Decision(fallback.user_id, FALLBACK, f"{why}; fallback owner {fallback.email}")
    queue = rule.team if rule is not None else None
    if routing.fallback_owner:
        why = f"{why}; fallback owner {routing.fallback_owner} inactive"
        return Decision(None, FALLBACK, why, team=queue)
    return Decision(None, FALLBACK, f"{why}; no fallback owner", team=queue)


def decide_all(
    routing: Routing, facts: Sequence[LeadFacts], people: People, *, now: datetime
) -> tuple[list[Decision], dict[str, dict[int, int]]]:
    """Route many leads in order (an import's chunk, a departing user's leads): each decision
    sees the counters the previous ones left. Returns the decisions and every counter that
    changed (rule -> user id -> value)."""
    counters = {rule: dict(values) for rule, values in people.counters.items()}
    changed: dict[str, dict[int, int]] = {}
    running = People(people.teams, people.users, counters)
    decisions = []
    for one in facts:
        decision = decide(routing, one, running, now=now)
        if decision.counters:
            counters.setdefault(decision.rule, {}).update(decision.counters)
            changed.setdefault(decision.rule, {}).update(decision.counters)
        decisions.append(decision)
    return decisions, changed
