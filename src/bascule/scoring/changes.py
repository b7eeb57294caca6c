"""How a new score is written (SPEC §8), whichever path computed it: what scoring reads of a
lead (``Facts``), the decision a score calls for (``decide``: write it or not, warm the lead
up, promote it to MQL, suggest an opportunity for a strong signal) and the writes at the end of
a step (``write``: one executemany for the scores, the MQL status changes through
``leads.status``, the alerts). A lead in hand has its score set on the object instead.

MQL: a score crossing the playbook's threshold moves a lead in new, contacted or nurturing to
``mql``, actor the rule ``mql_threshold``, and writes a "mql_reached" alert for its owner. A
score falling back below never demotes a lead. Strong signals write one "opportunity_suggested"
alert per lead, kind and day.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bascule.alerts import outbox
from bascule.alerts.rules import alert_key
from bascule.audit import service as audit
from bascule.leads.model import (
    CLOSED_STATUSES,
    PROMOTABLE_STATUSES,
    LeadStatus,
    check_transition,
)
from bascule.leads.status import record_status_change
from bascule.playbook.schema import Playbook
from bascule.scoring.rules import (
    Event,
    Profile,
    Rules,
    Score,
    State,
    crosses_mql,
    local_day,
    state_of,
    strong_trigger,
    warmer,
)
from bascule.signals.model import PRODUCT_TYPES
from bascule.storage import scoring as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

PROMOTABLE = frozenset(s.value for s in PROMOTABLE_STATUSES)
CLOSED = frozenset(s.value for s in CLOSED_STATUSES)
MQL_RULE = Actor.for_rule("mql_threshold")
BAND_RULE = Actor.for_rule("score_band")
PRODUCT_USAGE = PRODUCT_TYPES


@dataclass(frozen=True, slots=True)
class Facts:
    """What scoring reads of a lead (an ORM object or a row of ``storage.scoring.leads``) and
    of its stored state (``storage.scoring.Stored``, None when it has none).

    ``state``: what its score goes on from, None when it must be computed from its signals
    (never scored by these rules, or its score was written by something else since its state
    was). ``stored``: whether it has a state row (None: not looked up)."""

    id: int
    status: str
    owner_id: int | None
    source: str
    temperature: str | None
    score: int
    explanation: list[Any]
    profile: Profile
    state: State | None
    stored: bool | None

    @classmethod
    def of(cls, lead: Any, stored: store.Stored | None = None, *, looked_up: bool) -> Facts:
        score = lead.score or 0
        explanation = list(lead.score_explanation or [])
        if stored is not None and stored.score == score:
            state: State | None = State(stored.behaviour, stored.as_of)
        else:
            # No state of its own: one its explanation still carries (an entry per rule and
            # no behaviour: scored from its profile), else None.
            state = state_of(explanation)
        return cls(
            id=lead.id,
            status=lead.status,
            owner_id=lead.owner_id,
            source=lead.source,
            temperature=lead.temperature,
            score=score,
            explanation=explanation,
            profile=Profile(
                job_title=lead.job_title,
                employees=lead.employees,
                sector=lead.sector,
                country=lead.country,
                technology=lead.technology,
            ),
            state=state,
            stored=(stored is not None) if looked_up else None,
        )

    @classmethod
    def of_row(cls, row: Any) -> Facts:
        """From a row of ``storage.scoring.leads`` or ``lead_page`` (its state joined)."""
        return cls.of(row, store.stored_of(row), looked_up=True)


@dataclass
class Outcome:
    """What one call did; for pages, ``last_id`` is the last lead looked at (None: done)."""

    looked_at: int = 0
    scored: int = 0
    written: int = 0  # lead rows rewritten: their score or explanation as shown changed
    promoted: int = 0
    alerts: int = 0
    last_id: int | None = None


@dataclass(frozen=True, slots=True)
class Strong:
    lead: Facts
    trigger: str
    is_form: bool
    signal_id: int | None


@dataclass
class Changes:
    """What a step decided, written at its end: states and scores (one statement each), warmer
    temperatures, MQL promotions and alerts."""

    # (lead id, score, explanation as shown, as JSON text and as a list when it was built):
    # only the leads whose score or explanation as shown changed.
    scores: list[tuple[int, int, str, list[Any] | None]] = field(default_factory=list)
    # The states to write: (lead id, score, behaviour as JSON text, as_of, whether the lead
    # has a state row already: None when not known).
    states: list[tuple[int, int, str, datetime | None, bool | None]] = field(default_factory=list)
    temperatures: dict[int, tuple[str | None, str, Score]] = field(default_factory=dict)
    promotions: list[tuple[int, Score]] = field(default_factory=list)
    strong: list[Strong] = field(default_factory=list)


# --- opportunity suggested -----------------------------------------------------------------------


def suggest_opportunity(
    uow: UnitOfWork,
    *,
    lead_id: int,
    owner_id: int | None,
    trigger: str,
    is_form: bool,
    now: datetime,
    playbook: Playbook,
    signal_id: int | None = None,
) -> bool:
    """The "opportunity suggested" alert (SPEC §8) for a strong signal: a strong form (its
    type is the trigger), a seat limit reached, the pricing page seen on a trial. One per lead,
    trigger and day (the company's day); False when that one exists already."""
    payload: dict[str, Any] = {"lead_id": lead_id}
    payload["form_type" if is_form else "signal_type"] = trigger
    if signal_id is not None:
        payload["signal_id"] = signal_id
    day = local_day(now, playbook.general.timezone)
    return outbox.enqueue(
        uow,
        kind="opportunity_suggested",
        recipient_user_id=owner_id,
        payload=payload,
        idempotency_key=suggestion_key(lead_id, trigger, day),
        now=now,
    )


def suggestion_key(lead_id: int, trigger: str, day: date) -> str:
    return alert_key("opportunity_suggested", lead_id, trigger, day)


# --- shared steps --------------------------------------------------------------------------------


def event_of(kind: str, occurred_at: datetime, properties: Mapping[str, Any] | None) -> Event:
    form_type = (properties or {}).get("form_type") if kind == "form_submit" else None
    return Event(kind, occurred_at, form_type if isinstance(form_type, str) else None)


def stored_events(
    uow: UnitOfWork, lead_ids: Iterable[int], now: datetime, rules: Rules
) -> dict[int, list[Event]]:
    """The signals of these leads recent enough to count (one query per 1,000 leads)."""
    since = now - timedelta(days=rules.horizon_days)
    found: dict[int, list[Event]] = {}
    for lead_id, kind, occurred_at, form_type in store.signals_since(uow.session, lead_ids, since):
        event = Event(kind, occurred_at, form_type if kind == "form_submit" else None)
        found.setdefault(lead_id, []).append(event)
    return found


def visible(explanation: Sequence[Any]) -> list[tuple[Any, Any]]:
    return [(e.get("rule"), e.get("points")) for e in explanation if isinstance(e, Mapping)]


def decide(
    changes: Changes,
    facts: Facts,
    result: Score,
    rules: Rules,
    *,
    must_write: bool,
    had_state: bool,
    above: bool = False,
) -> None:
    """Queue the writes a new score calls for. ``must_write``: the state changed (new
    signals), as it does when the lead ``had_state`` not; otherwise the state is written only
    when the points changed (so it advances in the same steps it always did). The lead row is
    written only when its score or its explanation as shown changed. ``above``: promote at or
    above the threshold, not only when crossing it (recompute)."""
    total = result.total
    shown = result.shown()
    if (
        must_write
        or not had_state
        or total != facts.score
        or visible(shown) != visible(facts.explanation)
    ):
        state = result.state()
        if state.behaviour or facts.stored is not False:
            text = rules.dumps_state(state)
            changes.states.append((facts.id, total, text, state.as_of, facts.stored))
        if total != facts.score or shown != facts.explanation:
            changes.scores.append((facts.id, total, rules.dumps(result), shown))
    temperature = warmer(facts.temperature, result.band)
    if temperature != facts.temperature and temperature is not None:
        changes.temperatures[facts.id] = (facts.temperature, temperature, result)
    section = rules.section
    promote = crosses_mql(facts.score, total, section) or (above and total >= section.mql_threshold)
    if facts.status in PROMOTABLE and promote:
        changes.promotions.append((facts.id, result))


def strong(
    changes: Changes,
    facts: Facts,
    event: Event,
    signal_id: int | None,
    now: datetime,
    rules: Rules,
    *,
    on_trial: bool,
) -> None:
    if facts.status in CLOSED:
        return
    if not rules.section.enabled and not (
        event.type == "form_submit" and event.form_type in rules.strong_forms
    ):
        return  # scoring off: public forms keep their own strong_signal setting only
    trigger = strong_trigger(event, now=now, on_trial=on_trial, rules=rules)
    if trigger is not None:
        is_form = event.type == "form_submit" and trigger == event.form_type
        changes.strong.append(Strong(facts, trigger, is_form, signal_id))


def write(
    uow: UnitOfWork,
    changes: Changes,
    rules: Rules,
    now: datetime,
    *,
    outcome: Outcome | None = None,
    objects: Mapping[int, t.Lead] | None = None,
) -> None:
    session = uow.session
    scores = changes.scores
    states = changes.states
    temperatures = {lead_id: after for lead_id, (_, after, _) in changes.temperatures.items()}
    if objects:
        # One lead in hand (a creation, an edit, a form): its new score rides on the UPDATE
        # the session flushes for the rest of the change, instead of a statement of its own,
        # and the state of a lead without one on the rows the unit of work inserts at commit.
        for lead_id, total, text, explanation in scores:
            if lead_id in objects:
                lead = objects[lead_id]
                lead.score = total
                lead.score_explanation = (
                    list(explanation) if explanation is not None else json.loads(text)
                )
        for lead_id, total, text, as_of, stored in states:
            if stored is False and lead_id in objects:
                row = {"lead_id": lead_id, "score": total, "behaviour": json.loads(text)}
                uow.append(t.LeadScoreState, row | {"as_of": as_of})
        states = [s for s in states if not (s[4] is False and s[0] in objects)]
        for lead_id, temperature in temperatures.items():
            if lead_id in objects:
                objects[lead_id].temperature = temperature
        scores = [s for s in scores if s[0] not in objects]
        temperatures = {k: v for k, v in temperatures.items() if k not in objects}
    store.save_states(session, [(i, total, text, as_of) for i, total, text, as_of, _ in states])
    store.save(session, scores, temperatures)
    for lead_id, (before, after, result) in changes.temperatures.items():
        audit.record(
            uow,
            actor=BAND_RULE,
            entity="lead",
            entity_id=lead_id,
            action="warm_up",
            changes={"temperature": [before, after]},
            reason=f"score {result.total} ({result.band})",
            now=now,
        )
    if changes.promotions:
        found = dict(objects or {})
        missing = [lead_id for lead_id, _ in changes.promotions if lead_id not in found]
        if missing:
            found.update(store.lead_objects(session, missing))
        # Every promotion's alert in one statement: a batch can promote hundreds of leads.
        alerts = [
            mql_alert(uow, found[lead_id], result, rules, now)
            for lead_id, result in changes.promotions
        ]
        outbox.enqueue_many(uow, alerts, now=now)
    sent = 0
    day = local_day(now, rules.playbook.general.timezone)
    wanted = {suggestion_key(s.lead.id, s.trigger, day): s for s in changes.strong}
    # One query for the suggestions of the day already made: no insert attempted for them.
    done = store.existing_alerts(session, wanted) if len(wanted) > 1 else set()
    for key, strong in wanted.items():
        if key in done:
            continue
        sent += suggest_opportunity(
            uow,
            lead_id=strong.lead.id,
            owner_id=strong.lead.owner_id,
            trigger=strong.trigger,
            is_form=strong.is_form,
            now=now,
            playbook=rules.playbook,
            signal_id=strong.signal_id,
        )
    if outcome is not None:
        outcome.written += len(changes.scores)
        outcome.promoted += len(changes.promotions)
        outcome.alerts += sent + len(changes.promotions)


def mql_alert(
    uow: UnitOfWork, lead: t.Lead, result: Score, rules: Rules, now: datetime
) -> dict[str, Any]:
    """Move the lead to mql (history, audit) and return the owner's alert, for the caller to
    enqueue (one by one, or a batch's all at once)."""
    threshold = rules.section.mql_threshold
    reason = f"score {result.total} reached the MQL threshold ({threshold})"
    change = check_transition(lead.status, LeadStatus.MQL, reason, rules.playbook)
    record_status_change(uow, lead, change, actor=MQL_RULE, now=now)
    return {
        "kind": "mql_reached",
        "recipient_user_id": lead.owner_id,
        "payload": {"lead_id": lead.id, "score": result.total, "threshold": threshold},
        "idempotency_key": f"mql_reached:lead:{lead.id}:{now.strftime('%Y%m%dT%H%M%S.%f')}",
    }
