"""Rule scoring (SPEC §8): what a lead is and what it does, as points with their reasons. Pure.

- **Behaviour**: each signal is worth its type's points when it happens and half of them one
  half-life later; what the signals of one type add up to is capped. A form submission scores
  as its form (``scoring.forms``). Signals older than the horizon (8 half-lives) count nothing.
- **Firmographics and demographics**: company size band, seniority and job function read from
  the job title (French and English), sector, country, technology in use
  (``scoring.firmographics``).
- The total is clamped to 0-100 by an explicit entry, so the explanation always adds up.

Decay is exponential, so the decayed total of a type at one time gives it at any later time
(times 2^-(elapsed / half-life)): a batch of new signals updates a score from the previous
state and those signals alone (``advance``), with the same result as reading every signal
again (``behaviour``). That state (the decayed points before the cap, and their time) is kept
beside the lead (``scoring.explanation``, ``Score.state``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bascule.leads.vocabulary import Temperature
from bascule.playbook.schema import Playbook
from bascule.playbook.scoring import Scoring, SignalRule
from bascule.scoring import words

# Re-exported (``as``): the score's values and the profile are named through this module too.
from bascule.scoring.explanation import FORM as FORM
from bascule.scoring.explanation import SIGNAL as SIGNAL
from bascule.scoring.explanation import Behaviour as Behaviour
from bascule.scoring.explanation import Contribution as Contribution
from bascule.scoring.explanation import Score as Score
from bascule.scoring.explanation import State as State
from bascule.scoring.explanation import compact_json as compact_json
from bascule.scoring.explanation import state_of as state_of
from bascule.scoring.firmographics import Firmographics
from bascule.scoring.firmographics import Profile as Profile

HOT, WARM, COLD = Temperature.HOT.value, Temperature.WARM.value, Temperature.COLD.value
TEMPERATURES: Final = (COLD, WARM, HOT)
DAY: Final = 86_400.0
# Below this a decayed value is dropped: it can never make a point again.
MIN_VALUE: Final = 0.01


@dataclass(frozen=True, slots=True)
class Event:
    """A signal as scoring sees it; ``form_type`` for a form submission."""

    type: str
    occurred_at: datetime
    form_type: str | None = None


# --- the rules, ready to apply -------------------------------------------------------------------


class Rules:
    """A playbook's scoring rules, ready to apply: words normalised once, firmographic points
    remembered per distinct profile (titles and sectors repeat a lot)."""

    def __init__(self, playbook: Playbook) -> None:
        self.playbook = playbook
        self.section: Scoring = playbook.scoring
        self.french = playbook.general.locale == "fr"
        forms = playbook.intake.forms
        self.strong_forms = frozenset(k for k, f in forms.items() if f.strong_signal)
        self._profile = Firmographics(self.section, french=self.french)
        # Behaviour rules by key: (rule, half-life in days, horizon in days), looked up once
        # per signal in batches of thousands.
        self._behaviour: dict[str, tuple[SignalRule, float, float]] = {}
        for prefix, table in ((SIGNAL, self.section.signals), (FORM, self.section.forms)):
            for name, rule in table.items():
                half_life = self.section.half_life(rule)
                horizon = half_life * self.section.horizon_half_lives
                self._behaviour[prefix + name] = (rule, half_life, horizon)
        self._forms = {name: FORM + name for name in self.section.forms}
        self._signals = {name: SIGNAL + name for name in self.section.signals}
        self._reasons: dict[tuple[str, bool], str] = {}
        # The signal types that may be strong: anything else is skipped without a look.
        self.strong_types = frozenset(
            {"form_submit", *self.section.strong_signals}
            | ({"pricing_view"} if self.section.trial_pricing_view else set())
        )
        self._json: dict[tuple[str, str, int], str] = {}
        self._heads: dict[str, str] = {}

    def keys(self) -> list[str]:
        return list(self._behaviour)

    def key(self, event: Event) -> str | None:
        """The behaviour rule a signal counts under (None: it scores nothing)."""
        if event.form_type is not None and event.type == "form_submit":
            found = self._forms.get(event.form_type)
            if found is not None:
                return found
        return self._signals.get(event.type)

    def rule(self, key: str) -> SignalRule | None:
        found = self._behaviour.get(key)
        return found[0] if found is not None else None

    def half_life(self, key: str) -> float:
        found = self._behaviour.get(key)
        return found[1] if found is not None else self.section.half_life_days

    @property
    def horizon_days(self) -> float:
        """The oldest signal that still counts, in days (the longest half-life's horizon)."""
        return max((h for _, _, h in self._behaviour.values()), default=0.0)

    def contribution(self, key: str, at: datetime, occurred_at: datetime) -> float:
        found = self._behaviour.get(key)
        if found is None or not found[0].points:
            return 0.0
        rule, half_life, horizon = found
        age = (at - occurred_at).total_seconds() / DAY
        if age > horizon:
            return 0.0
        return rule.points * decay(age if age > 0 else 0.0, half_life)

    def firmographics(self, profile: Profile) -> tuple[Contribution, ...]:
        """The points for what the lead is (``scoring.firmographics``)."""
        return self._profile.points(profile)

    def dumps(self, result: Score) -> str:
        """``result.shown()`` as compact JSON text, each entry's text from a cache (the same
        reasons and points come back lead after lead): what a batch writes."""
        if len(self._json) > 20_000:
            self._json.clear()
        parts: list[str] = []
        for c in result.contributions:
            key = (c.rule, c.reason, c.points)
            text = self._json.get(key)
            if text is None:
                entry = {"reason": c.reason, "points": c.points, "rule": c.rule}
                text = self._json[key] = compact_json(entry)
            parts.append(text)
        return "[" + ",".join(parts) + "]"

    def dumps_state(self, state: State) -> str:
        """``state.behaviour`` as compact JSON text (by hand: thousands a batch, only numbers
        vary)."""
        parts: list[str] = []
        for rule, value in state.behaviour.items():
            head = self._heads.get(rule)
            if head is None:
                head = self._heads[rule] = compact_json(rule) + ":"
            parts.append(f"{head}{value!r}")
        return "{" + ",".join(parts) + "}"

    def behaviour_reason(self, key: str, capped: bool) -> str:
        found = self._reasons.get((key, capped))
        if found is None:
            labels = words.FORM_LABELS if key.startswith(FORM) else words.SIGNAL_LABELS
            found = words.label(labels, key.split(":", 1)[1], self.french)
            if capped:
                found += " (plafond atteint)" if self.french else " (cap reached)"
            self._reasons[(key, capped)] = found
        return found


_RULES: dict[int, Rules] = {}


def rules_for(playbook: Playbook) -> Rules:
    """The ready rules of a playbook, built once per playbook object."""
    found = _RULES.get(id(playbook))
    if found is None or found.playbook is not playbook:
        if len(_RULES) > 16:
            _RULES.clear()
        found = _RULES[id(playbook)] = Rules(playbook)
    return found


# --- behaviour -----------------------------------------------------------------------------------


def behaviour(events: Iterable[Event], *, now: datetime, rules: Rules) -> Behaviour:
    """The decayed points of each behaviour rule at ``now``, from every signal."""
    values: Behaviour = {}
    for event in events:
        key = rules.key(event)
        if key is not None:
            values[key] = values.get(key, 0.0) + rules.contribution(key, now, event.occurred_at)
    return _trim(values)


def advance(
    state: State, *, now: datetime, events: Iterable[Event], rules: Rules
) -> tuple[Behaviour, datetime]:
    """The state decayed from its time to ``now``, plus new signals: (values, their time).

    A state written later than ``now`` (another process's clock) is not moved back in time."""
    at = now if state.as_of is None or now >= state.as_of else state.as_of
    values: Behaviour = {}
    if state.as_of is not None:
        elapsed = (at - state.as_of).total_seconds() / DAY
        for name, value in state.behaviour.items():
            if rules.rule(name) is not None:  # a type the playbook still scores
                values[name] = value * decay(elapsed, rules.half_life(name))
    for event in events:
        key = rules.key(event)
        if key is not None:
            values[key] = values.get(key, 0.0) + rules.contribution(key, at, event.occurred_at)
    return _trim(values), at


def decay(days: float, half_life_days: float) -> float:
    """What is left of one point after ``days``: 1/2 after one half-life, 1/4 after two..."""
    return math.pow(0.5, days / half_life_days)


def _trim(values: Behaviour) -> Behaviour:
    return {k: v for k, v in values.items() if v >= MIN_VALUE}


# --- the score -----------------------------------------------------------------------------------


def score(profile: Profile, values: Behaviour, *, at: datetime, rules: Rules) -> Score:
    """The score of a lead from its profile and its behaviour values at ``at``."""
    contributions = list(rules.firmographics(profile))
    behaviour_items: list[Contribution] = []
    for key, value in values.items():
        rule = rules.rule(key)
        if rule is None:
            continue
        capped = rule.cap is not None and value > rule.cap
        points = half_up(min(value, rule.cap) if rule.cap is not None else value)
        reason = rules.behaviour_reason(key, capped)
        behaviour_items.append(Contribution(key, reason, points, value))
    behaviour_items.sort(key=lambda c: (-c.points, c.rule))
    contributions += behaviour_items
    subtotal = sum(c.points for c in contributions)
    if subtotal > 100:
        text = "Score plafonné à 100" if rules.french else "Score capped at 100"
        contributions.append(Contribution("ceiling", text, 100 - subtotal))
    elif subtotal < 0:
        text = "Score ramené à 0" if rules.french else "Score raised to 0"
        contributions.append(Contribution("floor", text, -subtotal))
    total = min(max(subtotal, 0), 100)
    kept = {c.rule: c.value for c in behaviour_items if c.value is not None}
    return Score(total, band(total, rules.section), tuple(contributions), kept, at)


def band(total: int, section: Scoring) -> str:
    if total >= section.bands.hot:
        return HOT
    return WARM if total >= section.bands.warm else COLD


def warmer(current: str | None, score_band: str) -> str | None:
    """The temperature after scoring: warmed up to a warm or hot band, never cooled down."""
    if score_band == COLD:
        return current
    if current in TEMPERATURES and TEMPERATURES.index(current) >= TEMPERATURES.index(score_band):
        return current
    return score_band


def crosses_mql(before: int, after: int, section: Scoring) -> bool:
    """The score went from below the MQL threshold to at or above it."""
    return before < section.mql_threshold <= after


def half_up(value: float) -> int:
    """Round half up (0.5 -> 1), with a little room for float error (11.9999999 -> 12)."""
    return math.floor(value + 0.5 + 1e-9)


# --- strong signals ------------------------------------------------------------------------------


def strong_trigger(event: Event, *, now: datetime, on_trial: bool, rules: Rules) -> str | None:
    """Why this signal suggests an opportunity (the alert's kind of trigger), or None: a
    strong form (demo, expert, pricing), a strong signal type (seat limit reached), or the
    pricing page seen by someone on a free trial. Old signals (a backfill) raise nothing."""
    section = rules.section
    if (now - event.occurred_at).total_seconds() > section.strong_signal_max_age_hours * 3600:
        return None
    if event.type == "form_submit" and event.form_type in rules.strong_forms:
        return event.form_type
    if event.type in section.strong_signals:
        return event.type
    if event.type == "pricing_view" and section.trial_pricing_view and on_trial:
        return event.type
    return None


def local_day(now: datetime, timezone: str) -> date:
    """The day in the company's time zone ("once a day" means the company's day)."""
    try:
        return now.astimezone(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()
