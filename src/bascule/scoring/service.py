"""Scoring one lead (SPEC §8): created or edited (``leads.service``), or after a public form
(``intake.service``), in the caller's transaction. Many leads at once: ``scoring.batch``; how
a score is written, MQL promotion and alerts: ``scoring.changes``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bascule.playbook.schema import Playbook
from bascule.scoring.changes import Changes, Facts, decide, event_of, stored_events, strong, write
from bascule.scoring.rules import (
    FORM,
    SIGNAL,
    Score,
    State,
    advance,
    behaviour,
    crosses_mql,
    rules_for,
    score,
    warmer,
)
from bascule.storage import scoring as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork

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
    attached to it), False trusts its stored state (a new lead with no signal: it has none,
    and its state row goes with the unit of work's inserts at commit), None reads its state,
    and its signals only when it has no state yet. ``lock``: the lead was loaded without a
    lock."""
    rules = rules_for(playbook)
    events = [event_of(s.type, s.occurred_at, s.properties) for s in new_signals]
    enabled = playbook.scoring.enabled
    if read_signals is False and _has_behaviour(lead.score_explanation):
        read_signals = None  # not a new lead after all: its stored state counts
    looked_up, stored = store.state_of_lead(
        uow.session, lead, lock=lock, read=enabled and read_signals is None
    )
    # A new lead (read_signals False) has no state row yet: nothing to read.
    looked_up = looked_up or read_signals is False
    facts = Facts.of(lead, stored, looked_up=looked_up)
    changes = Changes()
    result = None
    if enabled:
        state = None if read_signals else facts.state
        had_state = state is not None
        if state is None and read_signals is not False:
            uow.session.flush()
            stored_events_ = stored_events(uow, [lead.id], now, rules)
            values, at = behaviour(stored_events_.get(lead.id, ()), now=now, rules=rules), now
        else:
            values, at = advance(state or State({}, None), now=now, events=events, rules=rules)
        result = score(facts.profile, values, at=at, rules=rules)
        decide(changes, facts, result, rules, must_write=bool(events), had_state=had_state)
    for signal, event in zip(new_signals, events, strict=True):
        strong(changes, facts, event, signal.id, now, rules, on_trial=False)
    write(uow, changes, rules, now, objects={lead.id: lead})
    return result


def _has_behaviour(explanation: Sequence[Any] | None) -> bool:
    return any(
        isinstance(e, dict) and str(e.get("rule", "")).startswith((SIGNAL, FORM))
        for e in explanation or ()
    )


def prefill(lead: t.Lead, *, now: datetime, playbook: Playbook) -> bool:
    """Score a lead not written yet, which has no signal, from its profile, as ``score_lead``
    would (``read_signals=False``): its score and explanation then ride on its INSERT instead
    of an UPDATE right after it. False, with nothing set, when the lead is left to
    ``score_lead`` after its INSERT: scoring off, or a score that warms the lead up or reaches
    the MQL threshold (their audit and history rows need the lead's id)."""
    if not playbook.scoring.enabled:
        return False
    rules = rules_for(playbook)
    facts = Facts.of(lead, None, looked_up=True)  # not written yet: no state row
    values, at = advance(State({}, None), now=now, events=(), rules=rules)
    result = score(facts.profile, values, at=at, rules=rules)
    temperature = warmer(facts.temperature, result.band)
    if (temperature is not None and temperature != facts.temperature) or crosses_mql(
        facts.score, result.total, rules.section
    ):
        return False
    lead.score = result.total
    lead.score_explanation = result.shown()
    return True
