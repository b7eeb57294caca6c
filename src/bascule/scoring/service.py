"""Scoring use cases (SPEC §8): keep every lead's rule score current, promote MQLs, suggest
opportunities. Fetch the facts, compute with ``rules.py``, save.

Where scores change, always in the caller's transaction:

- ``score_lead``: one lead - created or edited (``leads.service``), or after a public form
  (``intake.service``);
- ``add_signals``: a stored batch of signals (``signals.service.after_ingest``): the leads that
  received them are locked and read in one query per 1,000, updated from their stored state
  plus the new signals (old signals are not read again), and written with one executemany;
- ``recompute``: every lead from its signals, page by page (``bascule score recompute``, after a
  playbook change);
- ``refresh_decayed``: open leads whose points have decayed since they were scored (run it
  every hour: the worker, or ``bascule score refresh``).

MQL: a score crossing the playbook's threshold moves a lead in new, contacted or nurturing to
``mql`` through ``leads.status.record_status_change``, actor the rule ``mql_threshold``, and
writes a "mql_reached" alert for its owner. A score falling back below never demotes a lead.
Strong signals write one "opportunity_suggested" alert per lead, kind and day.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bascule.alerts import outbox
from bascule.alerts.rules import alert_key
from bascule.audit import service as audit
from bascule.leads.model import LeadStatus, check_transition
from bascule.leads.status import record_status_change
from bascule.playbook import service as playbooks
from bascule.playbook.schema import Playbook
from bascule.scoring.rules import (
    Event,
    Profile,
    Rules,
    Score,
    State,
    advance,
    behaviour,
    compact_json,
    crosses_mql,
    local_day,
    rules_for,
    score,
    state_of,
    strong_trigger,
    warmer,
)
from bascule.storage import scoring as store
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.model import Actor

PROMOTABLE = frozenset({"new", "contacted", "nurturing"})
CLOSED = frozenset({"converted", "disqualified"})
MQL_RULE = Actor.for_rule("mql_threshold")
BAND_RULE = Actor.for_rule("score_band")
PRODUCT_USAGE = frozenset({"product_login", "feature_used", "seats_used", "seat_limit_reached"})


@dataclass(frozen=True, slots=True)
class Facts:
    """What scoring reads of a lead (an ORM object or a row of ``storage.scoring.leads``)."""

    id: int
    status: str
    owner_id: int | None
    source: str
    temperature: str | None
    score: int
    explanation: list[Any]
    profile: Profile

    @classmethod
    def of(cls, lead: Any) -> Facts:
        return cls(
            id=lead.id,
            status=lead.status,
            owner_id=lead.owner_id,
            source=lead.source,
            temperature=lead.temperature,
            score=lead.score or 0,
            explanation=list(lead.score_explanation or []),
            profile=Profile(
                job_title=lead.job_title,
                employees=lead.employees,
                sector=lead.sector,
                country=lead.country,
                technology=lead.technology,
            ),
        )


@dataclass
class Outcome:
    """What one call did; for pages, ``last_id`` is the last lead looked at (None: done)."""

    looked_at: int = 0
    scored: int = 0
    written: int = 0
    promoted: int = 0
    alerts: int = 0
    last_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Strong:
    lead: Facts
    trigger: str
    is_form: bool
    signal_id: int | None


@dataclass
class _Changes:
    """What a step decided, written at its end: scores (one executemany), warmer
    temperatures, MQL promotions and alerts."""

    # (lead id, score, explanation as JSON text, and as a list when it was built)
    scores: list[tuple[int, int, str, list[Any] | None]] = field(default_factory=list)
    temperatures: dict[int, tuple[str | None, str, Score]] = field(default_factory=dict)
    promotions: list[tuple[int, Score]] = field(default_factory=list)
    strong: list[_Strong] = field(default_factory=list)


# --- one lead ------------------------------------------------------------------------------------


def score_lead(
    uow: UnitOfWork,
    lead: t.Lead,
    *,
    now: datetime,
    playbook: Playbook,
    new_signals: Sequence[t.Signal] = (),
    read_signals: bool | None = None,
    lock: bool = False,
) -> Score | None:
    """Score one lead whose signals (``new_signals`` included) are stored.

    ``read_signals``: True reads the lead's signals again (pending signals were just
    attached to it), False trusts its stored state (a new lead with no signal), None reads them
    only when the lead has no state yet. ``lock``: the lead was loaded without a lock."""
    rules = rules_for(playbook)
    events = [_event(s.type, s.occurred_at, s.properties) for s in new_signals]
    if lock:
        store.lock(uow.session, lead)
    facts = Facts.of(lead)
    changes = _Changes()
    result = None
    if playbook.scoring.enabled:
        state = None if read_signals else state_of(facts.explanation)
        had_state = state is not None
        if state is None and read_signals is not False:
            uow.session.flush()
            stored = _stored_events(uow, [lead.id], now, rules)
            values, at = behaviour(stored.get(lead.id, ()), now=now, rules=rules), now
        else:
            values, at = advance(state or State({}, None), now=now, events=events, rules=rules)
        result = score(facts.profile, values, at=at, rules=rules)
        _decide(changes, facts, result, rules, must_write=bool(events), had_state=had_state)
    for signal, event in zip(new_signals, events, strict=True):
        _strong(changes, facts, event, signal.id, now, rules, on_trial=False)
    _write(uow, changes, rules, now, objects={lead.id: lead})
    return result


# --- a batch of signals --------------------------------------------------------------------------


def add_signals(
    uow: UnitOfWork,
    *,
    rows: Iterable[Mapping[str, Any]],
    now: datetime,
    playbook: Playbook | None = None,
) -> Outcome:
    """Score the leads of a stored batch of signals (rows as inserted: ``lead_id``, ``type``,
    ``occurred_at``, ``properties``); a few set-based queries whatever the batch's size."""
    playbook = playbook or playbooks.active(uow.database)
    if not playbook.scoring.enabled:
        return Outcome()
    with _cycles_not_collected():
        return _add_signals(uow, rows, now, rules_for(playbook))


def _add_signals(
    uow: UnitOfWork, rows: Iterable[Mapping[str, Any]], now: datetime, rules: Rules
) -> Outcome:
    outcome = Outcome()
    by_lead: dict[int, list[Event]] = {}
    trial_hint: set[int] = set()  # product usage or a workspace named in this batch
    for row in rows:
        lead_id = row.get("lead_id")
        if lead_id is None:
            continue
        properties = row.get("properties") or {}
        by_lead.setdefault(lead_id, []).append(_event(row["type"], row["occurred_at"], properties))
        if row["type"] in PRODUCT_USAGE or properties.get("workspace"):
            trial_hint.add(lead_id)
    if not by_lead:
        return outcome
    session = uow.session
    session.flush()
    leads = [Facts.of(r) for r in store.leads(session, by_lead, lock=True)]
    states = {f.id: state_of(f.explanation) for f in leads}
    unknown = [lead_id for lead_id, state in states.items() if state is None]
    stored = _stored_events(uow, unknown, now, rules) if unknown else {}
    trials = _trials(uow, leads, by_lead, trial_hint, rules)
    changes = _Changes()
    for facts in leads:
        events = by_lead[facts.id]
        state = states[facts.id]
        if state is None:  # never scored by these rules: from every recent signal
            values, at = behaviour(stored.get(facts.id, ()), now=now, rules=rules), now
        else:
            values, at = advance(state, now=now, events=events, rules=rules)
        result = score(facts.profile, values, at=at, rules=rules)
        _decide(changes, facts, result, rules, must_write=True, had_state=state is not None)
        if facts.status not in CLOSED:
            for event in events:
                if event.type in rules.strong_types:
                    on_trial = facts.id in trials
                    _strong(changes, facts, event, None, now, rules, on_trial=on_trial)
    outcome.scored = len(leads)
    _write(uow, changes, rules, now, outcome=outcome)
    return outcome


@contextmanager
def _cycles_not_collected() -> Iterator[None]:
    """A batch makes tens of thousands of short-lived objects, freed by reference counting:
    letting them trigger the cycle collector (which then walks every live object, the
    batch's included) cost a third of the scoring time of a 10,000-event batch. A cycle
    made meanwhile waits for the next collection."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _trials(
    uow: UnitOfWork,
    leads: Sequence[Facts],
    by_lead: Mapping[int, Sequence[Event]],
    hint: set[int],
    rules: Rules,
) -> set[int]:
    """The leads (with a pricing view in the batch) on a free trial: signed up through the
    freemium form, using the product, or having claimed a workspace."""
    if not rules.section.trial_pricing_view:
        return set()
    viewers = {
        f.id
        for f in leads
        if f.status not in CLOSED and any(e.type == "pricing_view" for e in by_lead[f.id])
    }
    if not viewers:
        return set()
    trials = {f.id for f in leads if f.id in viewers and f.source == "freemium_signup"}
    trials |= viewers & hint
    rest = viewers - trials
    if rest:
        trials |= store.leads_with_workspace(uow.session, rest)
    return trials


# --- every lead, and decay -----------------------------------------------------------------------


def recompute(
    uow: UnitOfWork, *, now: datetime, playbook: Playbook, after_id: int = 0, limit: int = 500
) -> Outcome:
    """Score the next ``limit`` leads after ``after_id`` from their signals (after a playbook
    change). Leads in new, contacted or nurturing at or above the MQL threshold become MQLs,
    unless a person once took them out of mql."""
    outcome = Outcome()
    if not playbook.scoring.enabled:
        return outcome
    uow.session.flush()
    rows = store.lead_page(uow.session, after_id=after_id, limit=limit, scored_only=False)
    if rows:
        _from_signals(uow, rows, now, rules_for(playbook), outcome, above=True)
        outcome.last_id = rows[-1].id if len(rows) == limit else None
    return outcome


def score_leads(
    uow: UnitOfWork, *, lead_ids: Iterable[int], now: datetime, playbook: Playbook
) -> Outcome:
    """Score these leads from their signals, in the caller's transaction: for leads written in
    bulk (an import chunk), a few queries per 1,000 leads. A score crossing the MQL threshold
    from the stored one (0 for a lead just written) promotes as usual."""
    outcome = Outcome()
    if not playbook.scoring.enabled:
        return outcome
    uow.session.flush()
    rows = store.leads(uow.session, lead_ids, lock=True)
    if rows:
        _from_signals(uow, rows, now, rules_for(playbook), outcome, above=False)
    return outcome


def prefill(rows: Sequence[dict[str, Any]], *, now: datetime, playbook: Playbook) -> list[bool]:
    """Scores for lead rows about to be inserted in bulk (an import chunk), from their profile:
    a lead that does not exist yet has no signal of its own. Each row whose score neither
    warms its temperature nor reaches the MQL threshold gets ``score`` and
    ``score_explanation`` as ``score_leads`` would write them, which saves rewriting every row
    just inserted. Returns, per row, whether it is left to ``score_leads`` after insertion:
    the rows above, and every row when scoring is off (it then writes nothing). Rows whose
    e-mail had signals waiting must be scored after insertion too (the caller knows them)."""
    if not playbook.scoring.enabled:
        return [True] * len(rows)
    rules = rules_for(playbook)
    empty = behaviour((), now=now, rules=rules)
    later: list[bool] = []
    for row in rows:
        profile = Profile(
            job_title=row.get("job_title"),
            employees=row.get("employees"),
            sector=row.get("sector"),
            country=row.get("country"),
            technology=row.get("technology"),
        )
        result = score(profile, empty, at=now, rules=rules)
        temperature = row.get("temperature")
        if warmer(temperature, result.band) != temperature or crosses_mql(
            0, result.total, rules.section
        ):
            later.append(True)
            continue
        row["score"] = result.total
        row["score_explanation"] = result.explanation()
        later.append(False)
    return later


def _from_signals(
    uow: UnitOfWork, rows: Sequence[Any], now: datetime, rules: Rules, outcome: Outcome, *,
    above: bool,
) -> None:  # fmt: skip
    leads = [Facts.of(r) for r in rows]
    stored = _stored_events(uow, [f.id for f in leads], now, rules)
    eligible = [f.id for f in leads if f.status in PROMOTABLE] if above else []
    kept_out = store.left_mql_by_hand(uow.session, eligible) if eligible else set()
    changes = _Changes()
    for facts in leads:
        values = behaviour(stored.get(facts.id, ()), now=now, rules=rules)
        result = score(facts.profile, values, at=now, rules=rules)
        had_state = state_of(facts.explanation) is not None
        _decide(changes, facts, result, rules, must_write=False, had_state=had_state,
                above=above and facts.id not in kept_out)  # fmt: skip
    outcome.looked_at += len(leads)
    outcome.scored += len(leads)
    _write(uow, changes, rules, now, outcome=outcome)


def refresh_decayed(
    uow: UnitOfWork,
    *,
    now: datetime,
    limit: int = 1000,
    after_id: int = 0,
    playbook: Playbook | None = None,
) -> Outcome:
    """Bring the next ``limit`` scored open leads after ``after_id`` to ``now``: their points
    decay with time. Reads no signal (the stored state is enough) and writes only the leads
    whose points changed. Call it again with ``after_id=outcome.last_id`` until that is None;
    one pass an hour keeps scores within a point of the truth."""
    playbook = playbook or playbooks.active(uow.database)
    outcome = Outcome()
    if not playbook.scoring.enabled:
        return outcome
    rules = rules_for(playbook)
    rows = store.lead_page(
        uow.session, after_id=after_id, limit=limit, scored_only=True, skip_locked=True
    )
    changes = _Changes()
    # Closed leads keep the score they had (the status is filtered here, not in SQL, where
    # it would make the planner walk the status index).
    for facts in (Facts.of(r) for r in rows if r.status not in CLOSED):
        state = state_of(facts.explanation)
        if state is None or state.as_of is None:
            continue  # no behaviour, nothing decays (or not scored by these rules yet)
        values, at = advance(state, now=now, events=(), rules=rules)
        result = score(facts.profile, values, at=at, rules=rules)
        _decide(changes, facts, result, rules, must_write=False, had_state=True)
        outcome.scored += 1
    outcome.looked_at = len(rows)
    if rows:
        outcome.last_id = rows[-1].id if len(rows) == limit else None
    _write(uow, changes, rules, now, outcome=outcome)
    return outcome


def decay_tick(database: Database, now: datetime) -> None:
    """The worker's periodic job (hourly): ``refresh_decayed`` over every scored open lead,
    1,000 leads per transaction."""
    after_id = 0
    while True:
        with database.uow(write=True) as uow:
            page = refresh_decayed(uow, now=now, after_id=after_id)
            uow.commit()
        if page.last_id is None:
            return
        after_id = page.last_id


def count_leads(uow: UnitOfWork, *, scored_only: bool = False) -> int:
    """How many leads (with a score above 0): the length of a recompute or refresh."""
    return store.count_leads(uow.session, scored_only=scored_only)


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
        idempotency_key=_suggestion_key(lead_id, trigger, day),
        now=now,
    )


def _suggestion_key(lead_id: int, trigger: str, day: date) -> str:
    return alert_key("opportunity_suggested", lead_id, trigger, day)


# --- shared steps --------------------------------------------------------------------------------


def _event(kind: str, occurred_at: datetime, properties: Mapping[str, Any] | None) -> Event:
    form_type = (properties or {}).get("form_type") if kind == "form_submit" else None
    return Event(kind, occurred_at, form_type if isinstance(form_type, str) else None)


def _stored_events(
    uow: UnitOfWork, lead_ids: Iterable[int], now: datetime, rules: Rules
) -> dict[int, list[Event]]:
    """The signals of these leads recent enough to count (one query per 1,000 leads)."""
    since = now - timedelta(days=rules.horizon_days)
    found: dict[int, list[Event]] = {}
    for lead_id, kind, occurred_at, form_type in store.signals_since(uow.session, lead_ids, since):
        event = Event(kind, occurred_at, form_type if kind == "form_submit" else None)
        found.setdefault(lead_id, []).append(event)
    return found


def _visible(explanation: Sequence[Any]) -> list[tuple[Any, Any]]:
    return [(e.get("rule"), e.get("points")) for e in explanation if isinstance(e, Mapping)]


def _decide(
    changes: _Changes,
    facts: Facts,
    result: Score,
    rules: Rules,
    *,
    must_write: bool,
    had_state: bool,
    above: bool = False,
) -> None:
    """Queue the writes a new score calls for. ``must_write``: the state changed (new
    signals), as it does when the lead ``had_state`` not; otherwise a score is written only
    when its points changed. ``above``: promote at or above the threshold, not only when
    crossing it (recompute)."""
    if must_write:
        changes.scores.append((facts.id, result.total, rules.dumps(result), None))
    else:
        explanation = result.explanation()
        if (
            not had_state
            or result.total != facts.score
            or _visible(explanation) != _visible(facts.explanation)
        ):
            changes.scores.append((facts.id, result.total, compact_json(explanation), explanation))
    temperature = warmer(facts.temperature, result.band)
    if temperature != facts.temperature and temperature is not None:
        changes.temperatures[facts.id] = (facts.temperature, temperature, result)
    section = rules.section
    promote = crosses_mql(facts.score, result.total, section) or (
        above and result.total >= section.mql_threshold
    )
    if facts.status in PROMOTABLE and promote:
        changes.promotions.append((facts.id, result))


def _strong(
    changes: _Changes,
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
        changes.strong.append(_Strong(facts, trigger, is_form, signal_id))


def _write(
    uow: UnitOfWork,
    changes: _Changes,
    rules: Rules,
    now: datetime,
    *,
    outcome: Outcome | None = None,
    objects: Mapping[int, t.Lead] | None = None,
) -> None:
    session = uow.session
    scores = changes.scores
    temperatures = {lead_id: after for lead_id, (_, after, _) in changes.temperatures.items()}
    if objects:
        # One lead in hand (a creation, an edit, a form): its new score rides on the UPDATE
        # the session flushes for the rest of the change, instead of a statement of its own.
        for lead_id, total, text, explanation in scores:
            if lead_id in objects:
                lead = objects[lead_id]
                lead.score = total
                lead.score_explanation = (
                    explanation if explanation is not None else json.loads(text)
                )
        for lead_id, temperature in temperatures.items():
            if lead_id in objects:
                objects[lead_id].temperature = temperature
        scores = [s for s in scores if s[0] not in objects]
        temperatures = {k: v for k, v in temperatures.items() if k not in objects}
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
        for lead_id, result in changes.promotions:
            _promote(uow, found[lead_id], result, rules, now)
    sent = 0
    day = local_day(now, rules.playbook.general.timezone)
    wanted = {_suggestion_key(s.lead.id, s.trigger, day): s for s in changes.strong}
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


def _promote(uow: UnitOfWork, lead: t.Lead, result: Score, rules: Rules, now: datetime) -> None:
    threshold = rules.section.mql_threshold
    reason = f"score {result.total} reached the MQL threshold ({threshold})"
    change = check_transition(lead.status, LeadStatus.MQL, reason, rules.playbook)
    record_status_change(uow, lead, change, actor=MQL_RULE, now=now)
    outbox.enqueue(
        uow,
        kind="mql_reached",
        recipient_user_id=lead.owner_id,
        payload={"lead_id": lead.id, "score": result.total, "threshold": threshold},
        idempotency_key=f"mql_reached:lead:{lead.id}:{now.strftime('%Y%m%dT%H%M%S.%f')}",
        now=now,
    )
