"""A lead's life in the demo: its scenario, status path, activities, BANT answers and score.

Pure. Every status change is checked by the real rules (``leads.model.check_transition``), so
the demo history is one the application itself could have written.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bascule.demo import vocabulary as v
from bascule.demo.records import DemoActivity, Step
from bascule.demo.timeline import Office, days, spread
from bascule.leads.model import (
    Budget,
    Need,
    Qualification,
    Timing,
    check_transition,
    conversion_change,
    ready_to_convert,
)
from bascule.playbook.schema import Playbook

MQL_RULE = "scoring.mql_threshold"
ATTEMPTS_RULE = "sla.failed_contact_attempts"
FIRST_OUTBOUND = "first outbound"  # the reason leads.service.log_activity records

# Scenario weights by age of the lead: young leads have not had time to go far.
YOUNG = {"new": 55, "contacted": 30, "nurturing": 5, "mql": 5, "disqualified": 5}
RECENT = {
    "new": 15,
    "contacted": 25,
    "nurturing": 15,
    "mql": 15,
    "sql": 8,
    "converted": 4,
    "disqualified": 15,
}
SETTLED = {
    "new": 4,
    "contacted": 12,
    "nurturing": 17,
    "mql": 12,
    "sql": 7,
    "converted": 13,
    "disqualified": 26,
    "recycled": 5,
    "requalified": 4,
}
DISQUALIFICATION_WEIGHTS = {
    "no_project": 25,
    "no_budget": 20,
    "competitor_customer": 15,
    "wrong_contact": 15,
    "spam": 8,
    "duplicate": 7,
    "other": 10,
}


def required_scenarios(playbook: Playbook) -> list[str]:
    """Scenarios the demo always contains, however few leads are asked for."""
    return [
        "new",
        "contacted",
        "nurturing",
        "mql",
        "sql",
        "converted",
        *(f"disqualified:{key}" for key in playbook.disqualification_reason_keys),
        "recycled",
        "requalified",
        "converted_support",
    ]


def random_scenario(rng: random.Random, age: timedelta, playbook: Playbook) -> str:
    table = YOUNG if age < timedelta(days=3) else RECENT if age < timedelta(days=21) else SETTLED
    scenario = rng.choices(list(table), weights=list(table.values()))[0]
    if scenario == "disqualified":
        return f"disqualified:{disqualification_reason(rng, playbook)}"
    return scenario


def disqualification_reason(rng: random.Random, playbook: Playbook) -> str:
    keys = playbook.disqualification_reason_keys
    return rng.choices(keys, weights=[DISQUALIFICATION_WEIGHTS.get(k, 5) for k in keys])[0]


@dataclass(frozen=True, slots=True)
class Move:
    """A planned status change before it gets its time: who makes it and why."""

    to: str
    actor: str  # "sdr", "sales", "marketer" or "rule"
    reason: str | None = None
    rule: str | None = None
    delay: tuple[float, float] = (1, 10)  # days after the previous change


def plan_moves(scenario: str, rng: random.Random, playbook: Playbook) -> list[Move]:
    """The statuses a lead goes through after ``new`` for a scenario."""
    contact = Move("contacted", "sdr", FIRST_OUTBOUND)
    mql = Move("mql", "rule", "score ≥ 50 (seuil MQL)", MQL_RULE, (3, 45))
    sql = Move("sql", "sales", "Lead accepté après l'appel de découverte", delay=(1, 15))
    nurture_rule = Move("nurturing", "rule", "3 tentatives de contact sans réponse", ATTEMPTS_RULE)
    nurture_hand = Move("nurturing", "sdr", rng.choice(v.NURTURING_REASONS))

    def prefix(*options: list[Move]) -> list[Move]:
        return list(rng.choice(options))

    name, _, detail = scenario.partition(":")
    if name == "new":
        return []
    if name == "contacted":
        return [contact]
    if name == "nurturing":
        return prefix([contact, nurture_rule], [contact, nurture_hand], [nurture_hand])
    if name == "mql":
        manual = Move("mql", "marketer", "qualifié à la main après un webinar", delay=(3, 30))
        return prefix([contact, nurture_hand, mql], [mql], [contact, manual], [nurture_rule, mql])
    if name in ("sql", "converted", "converted_support"):
        moves = prefix([contact, sql], [contact, mql, sql], [mql, contact, sql])
        if name == "sql":
            return moves
        return [*moves, Move("converted", "sales", None, delay=(3, 30))]
    if name == "disqualified":
        reason = f"{detail}: {v.DISQUALIFICATION_TEXTS.get(detail, 'autre raison')}"
        before = prefix([], [contact], [contact, nurture_hand], [contact, mql], [contact, sql])
        actor = "sales" if before and before[-1].to == "sql" else "sdr"
        return [*before, Move("disqualified", actor, reason, delay=(1, 30))]
    if name == "recycled":
        reason = disqualification_reason(rng, playbook)
        before = prefix([contact], [contact, nurture_hand], [])
        moves = [
            *before,
            Move("disqualified", "sdr", f"{reason}: {v.DISQUALIFICATION_TEXTS.get(reason, '')}"),
            Move("nurturing", "marketer", rng.choice(v.RECYCLING_REASONS), delay=(30, 150)),
        ]
        return moves + ([mql] if rng.random() < 0.3 else [])
    if name == "requalified":
        back = Move("nurturing", "sales", rng.choice(v.REQUALIFICATION_REASONS), delay=(7, 45))
        moves = [*prefix([contact, sql], [contact, mql, sql]), back]
        return moves + ([mql] if rng.random() < 0.2 else [])
    raise ValueError(f"unknown demo scenario {scenario!r}")


@dataclass(frozen=True, slots=True)
class Cast:
    """The people who work on one lead."""

    sdr: str
    sales: str
    marketer: str

    def who(self, actor: str) -> str | None:
        return {"sdr": self.sdr, "sales": self.sales, "marketer": self.marketer}.get(actor)


def timed_steps(
    moves: list[Move],
    *,
    rng: random.Random,
    created: datetime,
    first_contact: datetime,
    now: datetime,
    cast: Cast,
    source: str,
    playbook: Playbook,
    office: Office,
) -> list[Step]:
    """The lead's history: the creation row, then one validated row per move."""
    delays: list[timedelta] = []
    for i, move in enumerate(moves):
        if move.to == "contacted" and i == 0:
            delays.append(first_contact - created)
        else:
            delays.append(days(rng, *move.delay))
    times = spread(created, delays, now)
    for i, move in enumerate(moves):
        if move.actor != "rule":  # people act during office hours, rules at any time
            times[i] = office(times[i], times[i + 1] if i + 1 < len(times) else now)
    if source in ("trade_show", "purchased_list"):
        steps = [Step(created, None, "new", "creation", f"source: {source}", cast.marketer)]
    elif source in ("referral", "inbound_call", "other"):
        steps = [Step(created, None, "new", "creation", f"source: {source}", cast.sdr)]
    else:
        steps = [Step(created, None, "new", "creation", f"source: {source}", None, "intake")]
    status = "new"
    for move, at in zip(moves, times, strict=True):
        if move.to == "converted":
            change = conversion_change(status)
        else:
            change = check_transition(status, move.to, move.reason, playbook)
        who = None if move.actor == "rule" else cast.who(move.actor)
        steps.append(
            Step(at, status, move.to, change.kind, change.reason, who, move.rule),
        )
        status = move.to
    return steps


def activities_for(
    steps: list[Step],
    *,
    rng: random.Random,
    lead_ref: int,
    source: str,
    campaign: str | None,
    cast: Cast,
    office: Office,
) -> list[DemoActivity]:
    """Calls, e-mails, meetings, notes and signals consistent with the status history."""
    out: list[DemoActivity] = []

    def add(
        kind: str,
        direction: str | None,
        outcome: str | None,
        summary: str,
        at: datetime,
        user: str | None,
        details: dict[str, Any] | None = None,
    ) -> None:
        out.append(
            DemoActivity(kind, direction, outcome, summary, at, user, lead_ref, details=details)
        )

    created = steps[0].at
    if source in ("content_download", "web_form", "demo_request", "freemium_signup"):
        summary = {
            "content_download": f"Téléchargement : {campaign or 'livre blanc'}",
            "web_form": "Formulaire de contact du site",
            "demo_request": "Demande de démo sur le site",
            "freemium_signup": "Inscription à l'offre gratuite (3 utilisateurs)",
        }[source]
        add("signal", "in", None, summary, created, None, {"type": "form_submission"})
    elif source == "trade_show":
        add(
            "note",
            None,
            None,
            f"Carte de visite scannée sur le stand – {campaign}",
            created,
            cast.sdr,
        )
    for i, step in enumerate(steps[1:], start=1):
        previous = steps[i - 1].at
        before = office(previous + (step.at - previous) * 0.5, step.at)
        if step.to_status == "contacted":
            failing = i + 1 < len(steps) and steps[i + 1].rule == ATTEMPTS_RULE
            outcome = (
                rng.choice(("no_answer", "voicemail"))
                if failing
                else rng.choice(("reached", "reached", "voicemail", "meeting_booked"))
            )
            kind = rng.choice(("call", "call", "email"))
            add(kind, "out", outcome, v.CALL_SUMMARIES[outcome], step.at, step.actor)
        elif step.rule == ATTEMPTS_RULE:
            for k, outcome in enumerate(("no_answer", "bounced")):
                at = office(previous + (step.at - previous) * (0.3 + 0.4 * k), step.at)
                kind = "email" if outcome == "bounced" else "call"
                add(kind, "out", outcome, v.CALL_SUMMARIES[outcome], at, cast.sdr)
        elif step.rule == MQL_RULE:
            add(
                "signal",
                "in",
                None,
                "Visite de la page tarifs",
                before,
                None,
                {"type": "page_visit", "url": "/tarifs"},
            )
        elif step.to_status == "sql":
            add(
                "meeting",
                "out",
                "reached",
                "Appel de découverte avec le commercial",
                before,
                cast.sales,
            )
        elif step.kind == "conversion":
            add(
                "meeting",
                "out",
                "reached",
                "Réunion de cadrage : besoin, budget et calendrier",
                before,
                cast.sales,
            )
        elif step.to_status == "disqualified":
            add("note", None, None, f"Disqualifié – {step.reason}", step.at, step.actor)
        elif step.kind == "requalification":
            add("note", None, None, f"Renvoyé au marketing – {step.reason}", step.at, step.actor)
    return out


def qualification_for(
    scenario: str, rng: random.Random, playbook: Playbook, *, support: bool
) -> Qualification | None:
    """BANT (and MEDDIC) answers gathered by the time the lead reached its status."""
    name = scenario.partition(":")[0]
    if name not in ("sql", "converted", "converted_support", "requalified", "mql"):
        return None
    if name == "mql" and rng.random() < 0.8:
        return None
    ready = name in ("converted", "converted_support") or (name == "sql" and rng.random() < 0.5)
    need_text = rng.choice(v.SUPPORT_NEEDS if support else v.NEEDS)
    low = Decimal(rng.choice((5, 10, 20, 40, 80)) * 1000)
    if ready and rng.random() < 0.4:
        budget = Budget("confirmed", amount=low * Decimal("1.5"))
    elif ready or rng.random() < 0.4:
        budget = Budget("range", min=low, max=low * 2)
    else:
        budget = Budget("none")
    horizon = rng.choice(("now", "3_months", "6_months")) if ready else "unknown"
    meddic = {}
    if ready:
        meddic = {
            "metrics": "Taux de conversion MQL→SQL, délai de première réponse",
            "economic_buyer": "Direction générale",
            "decision_criteria": "Simplicité, coût total, intégration à l'ERP",
            "decision_process": "Démo, proposition, validation en comité",
            "identify_pain": need_text,
            "champion": "Direction commerciale",
        }
    q = Qualification(
        framework=playbook.qualification.framework,
        budget=budget,
        authority=rng.choice(("influencer", "decision_maker", "none")),
        need=Need(text=need_text, confirmed=ready or rng.random() < 0.3),
        timing=Timing(horizon=horizon),
        meddic=meddic,
    )
    return q


def is_ready(q: Qualification | None, playbook: Playbook) -> bool:
    return q is not None and ready_to_convert(q, playbook)


def first_contact_at(
    rng: random.Random,
    created: datetime,
    sla_hours: float | None,
    add_hours: Callable[[datetime, float], datetime],
) -> datetime:
    """When the first outbound call or e-mail happened: mostly within the SLA, not always."""
    if sla_hours is None:
        return add_hours(created, rng.uniform(2, 40))
    factor = rng.uniform(0.05, 0.95) if rng.random() < 0.82 else rng.uniform(1.1, 5)
    return add_hours(created, sla_hours * factor)
