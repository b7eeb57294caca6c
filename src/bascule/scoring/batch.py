"""Scoring many leads at once (SPEC §8), in a few set-based queries whatever their number:

- ``add_signals``: a stored batch of signals (``signals.service.after_ingest``): the leads that
  received them are locked and read with their states in one query per 1,000, updated from
  their stored state plus the new signals (old signals are not read again); the states are
  written in one statement, the lead rows (one more) only where the score or its explanation
  as shown changed;
- ``score_leads`` and ``prefill``: the leads an import chunk writes;
- ``recompute``: every lead from its signals, page by page (``bascule score recompute``, after a
  playbook change);
- ``refresh_decayed``: open leads whose points have decayed since they were scored (run it
  every hour: the worker, or ``bascule score refresh``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from bascule.playbook import service as playbooks
from bascule.playbook.schema import Playbook
from bascule.scoring.changes import (
    CLOSED,
    PRODUCT_USAGE,
    PROMOTABLE,
    Changes,
    Facts,
    Outcome,
    decide,
    event_of,
    stored_events,
    strong,
    write,
)
from bascule.scoring.rules import (
    Event,
    Profile,
    Rules,
    advance,
    behaviour,
    crosses_mql,
    rules_for,
    score,
    warmer,
)
from bascule.storage import scoring as store
from bascule.storage.uow import Database, UnitOfWork

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
        by_lead.setdefault(lead_id, []).append(
            event_of(row["type"], row["occurred_at"], properties)
        )
        if row["type"] in PRODUCT_USAGE or properties.get("workspace"):
            trial_hint.add(lead_id)
    if not by_lead:
        return outcome
    session = uow.session
    session.flush()
    leads = [Facts.of_row(r) for r in store.leads(session, by_lead, lock=True)]
    unknown = [f.id for f in leads if f.state is None]
    stored = stored_events(uow, unknown, now, rules) if unknown else {}
    trials = _trials(uow, leads, by_lead, trial_hint, rules)
    changes = Changes()
    for facts in leads:
        events = by_lead[facts.id]
        state = facts.state
        if state is None:  # never scored by these rules: from every recent signal
            values, at = behaviour(stored.get(facts.id, ()), now=now, rules=rules), now
        else:
            values, at = advance(state, now=now, events=events, rules=rules)
        result = score(facts.profile, values, at=at, rules=rules)
        decide(changes, facts, result, rules, must_write=True, had_state=state is not None)
        if facts.status not in CLOSED:
            for event in events:
                if event.type in rules.strong_types:
                    on_trial = facts.id in trials
                    strong(changes, facts, event, None, now, rules, on_trial=on_trial)
    outcome.scored = len(leads)
    write(uow, changes, rules, now, outcome=outcome)
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
        row["score_explanation"] = result.shown()
        later.append(False)
    return later


def _from_signals(
    uow: UnitOfWork, rows: Sequence[Any], now: datetime, rules: Rules, outcome: Outcome, *,
    above: bool,
) -> None:  # fmt: skip
    leads = [Facts.of_row(r) for r in rows]
    stored = stored_events(uow, [f.id for f in leads], now, rules)
    eligible = [f.id for f in leads if f.status in PROMOTABLE] if above else []
    kept_out = store.left_mql_by_hand(uow.session, eligible) if eligible else set()
    changes = Changes()
    for facts in leads:
        values = behaviour(stored.get(facts.id, ()), now=now, rules=rules)
        result = score(facts.profile, values, at=now, rules=rules)
        had_state = facts.state is not None
        decide(changes, facts, result, rules, must_write=False, had_state=had_state,
                above=above and facts.id not in kept_out)  # fmt: skip
    outcome.looked_at += len(leads)
    outcome.scored += len(leads)
    write(uow, changes, rules, now, outcome=outcome)


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
    changes = Changes()
    # Closed leads keep the score they had (the status is filtered here, not in SQL, where
    # it would make the planner walk the status index).
    for facts in (Facts.of_row(r) for r in rows if r.status not in CLOSED):
        state = facts.state
        if state is None or state.as_of is None:
            continue  # no behaviour, nothing decays (or not scored by these rules yet)
        values, at = advance(state, now=now, events=(), rules=rules)
        result = score(facts.profile, values, at=at, rules=rules)
        decide(changes, facts, result, rules, must_write=False, had_state=True)
        outcome.scored += 1
    outcome.looked_at = len(rows)
    if rows:
        outcome.last_id = rows[-1].id if len(rows) == limit else None
    write(uow, changes, rules, now, outcome=outcome)
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
