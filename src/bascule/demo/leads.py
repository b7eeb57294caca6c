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
from bascule.playbook.sla import Sla
from bascule.sla import attempts

MQL_RULE = "mql_threshold"  # the rule name scoring writes (scoring.changes.MQL_RULE)
ATTEMPTS_RULE = attempts.RULE  # the history actor of sla.followup's failed-attempts rule
FIRST_OUTBOUND = "first outbound"  # the reason leads.service.log_activity records
# Failed outcomes the demo's unanswered attempts take in turn (those the playbook counts).
FAILED = ("no_answer", "voicemail", "bounced")

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
    nurture_hand = Move("nurturing", "sdr", rng.choice(v.NURTURING_REASONS))
    # SPEC §9: after the playbook's count of failed attempts in a row, the rule hands the lead
    # back to marketing (with SLAs off, nothing counts them: someone does it by hand).
    nurture_rule = (
        Move("nurturing", "rule", attempts.reason(playbook.sla), ATTEMPTS_RULE)
        if playbook.sla.enabled
        else nurture_hand
    )

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
        return prefix(
            [contact, nurture_hand, mql], [mql], [contact, manual], [contact, nurture_rule, mql]
        )
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
        if nurture_rule.rule is not None and rng.random() < 0.25:
            back = Move("nurturing", "rule", nurture_rule.reason, ATTEMPTS_RULE, (7, 45))
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
        # People act during office hours, rules at any time; the failed-attempts rule fires
        # on the call that fails, and the first contact was planned in office hours already.
        planned = i == 0 and move.to == "contacted" and times[0] == first_contact
        if (move.actor != "rule" or move.rule == ATTEMPTS_RULE) and not planned:
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


FORM_SUMMARIES = {
    "contact_expert": "Demande de contact avec un expert",
    "pricing_request": "Demande de tarifs",
    "support_request": "Demande de support",
}


def activities_for(
    steps: list[Step],
    *,
    rng: random.Random,
    lead_ref: int,
    source: str,
    campaign: str | None,
    form_type: str | None,
    cast: Cast,
    office: Office,
    sla: Sla,
    now: datetime,
) -> list[DemoActivity]:
    """Calls, e-mails, meetings, notes and signals consistent with the status history.

    Failed attempts follow the playbook (``sla.attempts``): the attempts before the failed-
    attempts rule hands a lead back are that many failures in a row, the last one when it
    fires; elsewhere failures in a row stay below the count (a voicemail at the first call,
    sometimes a second unanswered call on a lead still being contacted)."""
    out: list[DemoActivity] = []
    limit = sla.failed_attempts_to_nurturing
    failed = [o for o in FAILED if o in sla.failed_outcomes] or list(sla.failed_outcomes)
    streak = 0  # failed attempts in a row so far
    kinds, failures = sla.response_kinds, sla.failed_outcomes

    def add(
        kind: str,
        direction: str | None,
        outcome: str | None,
        summary: str,
        at: datetime,
        user: str | None,
        details: dict[str, Any] | None = None,
    ) -> None:
        nonlocal streak
        out.append(
            DemoActivity(kind, direction, outcome, summary, at, user, lead_ref, details=details)
        )
        if outcome is not None and direction == "out" and kind in kinds:  # an attempt
            streak = streak + 1 if outcome in failures else 0

    def attempt(outcome: str, at: datetime, user: str | None) -> None:
        kind = "email" if outcome == "bounced" else "call"
        if kind not in sla.response_kinds and sla.response_kinds:
            kind = sla.response_kinds[0]
        add(kind, "out", outcome, v.CALL_SUMMARIES.get(outcome, outcome), at, user)

    created = steps[0].at
    if source in ("content_download", "web_form", "demo_request", "freemium_signup"):
        summary = (
            FORM_SUMMARIES.get(form_type or "")
            or {
                "content_download": f"Téléchargement : {campaign or 'livre blanc'}",
                "web_form": "Formulaire de contact du site",
                "demo_request": "Demande de démo sur le site",
                "freemium_signup": "Inscription à l'offre gratuite (3 utilisateurs)",
            }[source]
        )
        details: dict[str, Any] = {"type": "form_submission"}
        if form_type is not None:
            details["form_type"] = form_type
        add("signal", "in", None, summary, created, None, details)
    elif source == "trade_show":
        add(
            "note",
            None,
            None,
            f"Carte de visite scannée sur le stand – {campaign}",
            created,
            cast.sdr,
        )

    def halfway(previous: datetime, at: datetime) -> datetime:
        """Between two changes, in office hours (what led to the second one)."""
        return office(previous + (at - previous) * 0.5, at)

    for i, step in enumerate(steps[1:], start=1):
        previous = steps[i - 1].at
        if step.to_status == "contacted":
            failing = i + 1 < len(steps) and steps[i + 1].rule == ATTEMPTS_RULE and limit > 1
            outcome = (
                rng.choice(failed[:2])
                if failing
                else rng.choice(("reached", "reached", "voicemail", "meeting_booked"))
            )
            if not failing and outcome in failures and streak + 1 >= limit:
                outcome = "reached"  # one more failure would hand the lead back
            kind = rng.choice(("call", "call", "email"))
            add(kind, "out", outcome, v.CALL_SUMMARIES[outcome], step.at, step.actor)
        elif step.rule == ATTEMPTS_RULE:
            # The rule fires on the failure that makes the count: the last one, at step.at.
            who = cast.sales if step.from_status == "sql" else cast.sdr
            count = max(limit - streak, 1)
            for k in range(count):
                at = previous + (step.at - previous) * ((k + 1) / count)
                at = step.at if k == count - 1 else office(at, step.at)
                attempt(failed[(k + streak) % len(failed)], at, who)
        elif step.rule == MQL_RULE:
            add(
                "signal",
                "in",
                None,
                "Visite de la page tarifs",
                halfway(previous, step.at),
                None,
                {"type": "page_visit", "url": "/tarifs"},
            )
        elif step.to_status == "sql":
            add(
                "meeting",
                "out",
                "reached",
                "Appel de découverte avec le commercial",
                halfway(previous, step.at),
                cast.sales,
            )
        elif step.kind == "conversion":
            add(
                "meeting",
                "out",
                "reached",
                "Réunion de cadrage : besoin, budget et calendrier",
                halfway(previous, step.at),
                cast.sales,
            )
        elif step.to_status == "disqualified":
            add("note", None, None, f"Disqualifié – {step.reason}", step.at, step.actor)
        elif step.kind == "requalification":
            add("note", None, None, f"Renvoyé au marketing – {step.reason}", step.at, step.actor)
    last = steps[-1]
    if last.to_status == "contacted" and 0 < streak < limit - 1 and rng.random() < 0.5:
        # Still trying: a second call nobody picked up (the count stays below the rule's).
        at = office(last.at + (now - last.at) * rng.uniform(0.2, 0.8), now)
        attempt("no_answer", at, cast.sdr)
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
    start: datetime,
    allowance: timedelta | None,
    add: Callable[[datetime, timedelta], datetime],
) -> datetime:
    """When the first outbound call or e-mail happened, ``add`` being business time
    (``BusinessCalendar.add``): mostly within the SLA's ``allowance`` counted from ``start``
    (the assignment), not always; without an SLA, within a few business days."""
    if allowance is None:
        return add(start, timedelta(hours=rng.uniform(2, 40)))
    factor = rng.uniform(0.05, 0.95) if rng.random() < 0.82 else rng.uniform(1.1, 5)
    return add(start, allowance * factor)
