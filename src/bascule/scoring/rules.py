"""Rule scoring (SPEC §8): what a lead is and what it does, as points with their reasons. Pure.

- **Behaviour**: each signal is worth its type's points when it happens and half of them one
  half-life later; what the signals of one type add up to is capped. A form submission scores
  as its form (``scoring.forms``). Signals older than the horizon (8 half-lives) count nothing.
- **Firmographics and demographics**: company size band, seniority and job function read from
  the job title (French and English), sector, country, technology in use.
- The total is clamped to 0-100 by an explicit entry, so the explanation always adds up.

Decay is exponential, so the decayed total of a type at one time gives it at any later time
(times 2^-(elapsed / half-life)): a batch of new signals updates a score from the previous
state and those signals alone (``advance``), with the same result as reading every signal
again (``behaviour``). The state travels in the explanation entries (``value``, the decayed
points before the cap, and ``as_of``), so nothing else needs storing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bascule.playbook.schema import Playbook
from bascule.playbook.scoring import Scoring, SignalRule
from bascule.scoring import words

HOT, WARM, COLD = "hot", "warm", "cold"
TEMPERATURES: Final = (COLD, WARM, HOT)
DAY: Final = 86_400.0
# Below this a decayed value is dropped: it can never make a point again.
MIN_VALUE: Final = 0.01
# Behaviour rule keys: "signal:<signal type>" and "form:<form type>".
SIGNAL, FORM = "signal:", "form:"

Behaviour = dict[str, float]  # rule key -> decayed points before the cap


@dataclass(frozen=True, slots=True)
class Profile:
    """What scoring reads of a lead besides its signals."""

    job_title: str | None = None
    employees: int | None = None
    sector: str | None = None
    country: str | None = None
    technology: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """A signal as scoring sees it; ``form_type`` for a form submission."""

    type: str
    occurred_at: datetime
    form_type: str | None = None


@dataclass(frozen=True, slots=True)
class Contribution:
    rule: str  # "seniority", "employees"..., "signal:page_view", "form:demo_request", "ceiling"
    reason: str
    points: int
    value: float | None = None  # behaviour: decayed points before the cap, at ``Score.as_of``


@dataclass(frozen=True, slots=True)
class Score:
    total: int
    band: str
    contributions: tuple[Contribution, ...]
    behaviour: Behaviour
    as_of: datetime

    def explanation(self) -> list[dict[str, Any]]:
        """The entries stored on the lead and shown as ``score_explanation``."""
        stamp: str | None = _stamp(self.as_of)
        out: list[dict[str, Any]] = []
        for c in self.contributions:
            entry: dict[str, Any] = {"reason": c.reason, "points": c.points, "rule": c.rule}
            if c.value is not None:
                entry["value"] = round(c.value, 4)
                if stamp is not None:  # the values' time, once
                    entry["as_of"], stamp = stamp, None
            out.append(entry)
        return out


@dataclass(frozen=True, slots=True)
class State:
    """A stored score's behaviour values and the time they hold at (None: no behaviour)."""

    behaviour: Behaviour
    as_of: datetime | None


def state_of(explanation: Sequence[Any] | None) -> State | None:
    """The state kept in a stored explanation; None when it is not one these rules wrote
    (empty, or from elsewhere): the score must then be computed from the signals."""
    if not explanation:
        return None
    values: Behaviour = {}
    as_of: datetime | None = None
    for entry in explanation:
        rule = entry.get("rule") if isinstance(entry, dict) else None
        if not isinstance(rule, str):
            return None
        if not rule.startswith((SIGNAL, FORM)):
            continue
        value, stamp = entry.get("value"), entry.get("as_of")
        if not isinstance(value, int | float):
            return None
        if stamp is not None:
            try:
                as_of = _parse_time(stamp)
            except (TypeError, ValueError):
                return None
        values[rule] = float(value)
    if values and as_of is None:
        return None
    return State(values, as_of)


# A batch's explanations share one time: parse and format it once.
_parse_time = lru_cache(maxsize=256)(datetime.fromisoformat)
_stamp = lru_cache(maxsize=256)(datetime.isoformat)


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
        self._seniority = words.table(self.section.seniority)
        self._functions = words.table(self.section.functions)
        self._sectors = words.table(self.section.sectors)
        self._technologies = words.table(self.section.technologies)
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
        self._parts: dict[tuple[str, Any], tuple[Contribution, ...]] = {}
        self._json: dict[Contribution, str] = {}
        self._heads: dict[tuple[str, str], tuple[str, str]] = {}

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
        """The points for what the lead is; each part is remembered by its own value (a few
        hundred titles, sizes and sectors), not by whole profiles."""
        return (
            *self._memo("title", profile.job_title, self._title),
            *self._memo("employees", profile.employees, self._employees),
            *self._memo("sector", profile.sector, self._sector),
            *self._memo("technology", profile.technology, self._technology),
            *self._memo("country", profile.country, self._country),
        )

    def _memo(
        self, part: str, value: Any, make: Callable[[Any], Iterable[Contribution]]
    ) -> tuple[Contribution, ...]:
        if value is None or value == "":
            return ()
        found = self._parts.get((part, value))
        if found is None:
            if len(self._parts) > 20_000:
                self._parts.clear()
            found = self._parts[(part, value)] = tuple(make(value))
        return found

    def _title(self, job_title: str) -> Iterable[Contribution]:
        title = job_title.strip()
        said = words.normalise(title)
        level = words.first(self._seniority, said)
        if level is not None and level.points:
            label = words.label(words.LEVEL_LABELS, level.key, self.french)
            yield Contribution(
                "seniority",
                self._say("Niveau hiérarchique", "Seniority", f"{label} ({title[:60]})"),
                level.points,
            )
        function = words.first(self._functions, said)
        if function is not None and function.points:
            label = words.label(words.FUNCTION_LABELS, function.key, self.french)
            yield Contribution(
                "function",
                self._say("Fonction", "Function", f"{label} ({title[:60]})"),
                function.points,
            )

    def _employees(self, employees: int) -> Iterable[Contribution]:
        band = words.band_of(self.section.employees, employees)
        if band is not None and band.points:
            size = f"{employees} " + ("salariés" if self.french else "employees")
            yield Contribution(
                "employees", self._say("Taille de l'entreprise", "Company size", size), band.points
            )

    def _sector(self, sector: str) -> Iterable[Contribution]:
        match = words.first(self._sectors, words.normalise(sector))
        if match is not None and match.points:
            yield Contribution("sector", self._say("Secteur", "Sector", sector[:60]), match.points)

    def _technology(self, technology: str) -> Iterable[Contribution]:
        match = words.first(self._technologies, words.normalise(technology))
        if match is not None and match.points:
            text = self._say("Technologie", "Technology", technology[:60])
            yield Contribution("technology", text, match.points)

    def _country(self, country: str) -> Iterable[Contribution]:
        code = country.upper()
        points = self.section.countries.get(code, 0)
        if points:
            yield Contribution("country", self._say("Pays", "Country", code), points)

    def _say(self, french: str, english: str, what: str) -> str:
        return f"{french} : {what}" if self.french else f"{english}: {what}"

    def dumps(self, result: Score) -> str:
        """``result.explanation()`` as compact JSON text, the entries that do not decay
        (firmographics, the same for many leads) from a cache: what a batch writes."""
        if len(self._json) > 20_000:
            self._json.clear()
        stamp: str | None = _stamp(result.as_of)
        parts: list[str] = []
        for c in result.contributions:
            if c.value is None:
                text = self._json.get(c)
                if text is None:
                    entry = {"reason": c.reason, "points": c.points, "rule": c.rule}
                    text = self._json[c] = compact_json(entry)
            else:  # by hand: thousands a batch, and only numbers vary
                key = (c.rule, c.reason)
                head = self._heads.get(key)
                if head is None:
                    head = self._heads[key] = (
                        f'{{"reason":{compact_json(c.reason)},"points":',
                        f',"rule":{compact_json(c.rule)},"value":',
                    )
                text = f"{head[0]}{c.points}{head[1]}{round(c.value, 4)!r}"
                if stamp is not None:
                    text += f',"as_of":{compact_json(stamp)}'
                    stamp = None
                text += "}"
            parts.append(text)
        return "[" + ",".join(parts) + "]"

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


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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
