"""An opportunity's life in the demo: outcome, stage path, amount, name. Pure.

Stage moves are checked by the real rule (``opportunities.model.check_stage_change``) against
the active playbook, so a playbook with other stages gets a demo with those stages.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from bascule.demo import vocabulary as v
from bascule.demo.records import StageStep
from bascule.demo.timeline import Office, days, in_office, spread
from bascule.opportunities.model import check_stage_change
from bascule.playbook.schema import Playbook

LOSS_WEIGHTS = {
    "no_real_need": 14,
    "budget": 14,
    "competitor": 24,
    "timing": 12,
    "no_decision": 18,
    "price": 13,
    "other": 5,
}
AM_TYPES = {"upsell": 40, "renewal": 25, "cross_sell": 20, "extension": 15}


def required_outcomes(playbook: Playbook) -> list[str]:
    """Outcomes the demo always contains: every stage, every loss reason."""
    return [
        "won",
        *(f"lost:{key}" for key in playbook.loss_reason_keys),
        *(f"open:{key}" for key in playbook.open_stage_keys),
    ]


def fits(outcome: str, age: timedelta) -> bool:
    """Whether an opportunity created ``age`` ago can plausibly have this outcome."""
    if outcome.startswith("open:"):
        return age < timedelta(days=150)
    return age > timedelta(days=20)


def random_outcome(rng: random.Random, age: timedelta, playbook: Playbook) -> str:
    closed_odds = (
        0.05
        if age < timedelta(days=20)
        else 0.25
        if age < timedelta(days=60)
        else 0.5
        if age < timedelta(days=120)
        else 0.85
    )
    if rng.random() < closed_odds:
        if rng.random() < 0.35:
            return "won"
        keys = playbook.loss_reason_keys
        return "lost:" + rng.choices(keys, weights=[LOSS_WEIGHTS.get(k, 5) for k in keys])[0]
    stages = playbook.open_stage_keys
    weights = [len(stages) - i for i in range(len(stages))]
    return "open:" + rng.choices(stages, weights=weights)[0]


def amount_for(rng: random.Random, opp_type: str, employees: int) -> Decimal:
    """A list price in euros, rounded to the hundred, that fits the company and the deal."""
    if opp_type == "service":
        low, high = 800, 6_000
    elif opp_type in ("upsell", "extension"):
        low, high = 4_000, 40_000
    elif opp_type == "cross_sell":
        low, high = 3_000, 25_000
    elif opp_type == "renewal":
        low, high = 10_000, 120_000
    elif employees < 20:
        low, high = 2_400, 9_600
    elif employees < 50:
        low, high = 6_000, 24_000
    elif employees < 250:
        low, high = 12_000, 72_000
    elif employees < 1000:
        low, high = 36_000, 180_000
    else:
        low, high = 90_000, 420_000
    return Decimal(round(rng.uniform(low, high) / 100) * 100)


def name_for(rng: random.Random, template_key: str, *, company: str, city: str, year: int) -> str:
    template = rng.choice(v.OPPORTUNITY_NAMES[template_key])
    short = company.removesuffix(" SAS").removesuffix(" SARL").removesuffix(" SA")
    n = rng.choice((5, 10, 15, 20, 25, 50))
    return template.format(company=short, city=city, year=year, n=n)


def stage_path(
    rng: random.Random,
    playbook: Playbook,
    *,
    outcome: str,
    created: datetime,
    now: datetime,
    amount: Decimal,
    actor: str | None,
    office: Office,
) -> tuple[list[StageStep], str | None]:
    """The stage history ending in ``outcome`` ("won", "lost:<reason>", "open:<stage>")."""
    stages = list(playbook.open_stage_keys)
    default = playbook.conversion.default_stage
    start = stages.index(default) if default in stages else 0
    if rng.random() < 0.2 and start + 1 < len(stages):
        start += 1  # scoping already done at conversion: straight to discovery
    kind, _, detail = outcome.partition(":")
    loss_reason: str | None = None
    if kind == "open":
        end = max(stages.index(detail), 0)
        start = min(start, end)
        targets = stages[start + 1 : end + 1]
    elif kind == "won":
        targets = [s for s in stages[start + 1 :] if rng.random() < 0.85] + [playbook.won_stage]
    else:
        loss_reason = detail
        early = detail == "no_real_need"  # a project that was never real dies early
        last = start + (rng.randint(0, 1) if early else rng.randint(0, len(stages) - start - 1))
        targets = [*stages[start + 1 : min(last, len(stages) - 1) + 1], playbook.lost_stage]
    times = in_office(spread(created, [days(rng, 5, 35) for _ in targets], now), now, office)
    first = stages[start]
    steps = [
        StageStep(created, None, first, playbook.stage(first).probability, amount, actor),
    ]
    discounted = False
    for target, at in zip(targets, times, strict=True):
        reason = loss_reason if target == playbook.lost_stage else None
        change = check_stage_change(steps[-1].to_stage, target, reason, playbook)
        if not discounted and (target == stages[-1] or change.outcome == "won"):
            # Negotiation usually costs a discount.
            discounted = True
            factor = Decimal(str(round(rng.uniform(0.85, 0.98), 2)))
            amount = max((amount / 100 * factor).quantize(Decimal(1)) * 100, Decimal(100))
        steps.append(
            StageStep(at, change.from_stage, target, change.probability, amount, actor, reason)
        )
    return steps, loss_reason


def expected_close(
    rng: random.Random, steps: list[StageStep], *, closed: bool, now: datetime
) -> date:
    if closed:
        return steps[-1].at.date()
    close = (steps[0].at + days(rng, 30, 120)).date()
    if close < now.date() and rng.random() < 0.7:
        close = (now + days(rng, 7, 90)).date()  # the rep moved the date when it slipped
    return close
