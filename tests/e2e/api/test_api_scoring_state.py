"""The score state kept beside the lead (SPEC §8, ``lead_score_state``), on both databases: a
batch that changes nothing shown leaves the lead row alone, the state goes with its lead, and
a stream of batches and decay passes gives the scores, explanations and states the lead
carried when its state travelled in its explanation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from bascule.playbook.load import default_playbook
from bascule.scoring import batch as scoring
from bascule.scoring.changes import event_of, visible
from bascule.scoring.rules import Profile, State, advance, rules_for, score, state_of
from bascule.signals import service as signals
from bascule.storage import tables as t
from bascule.storage.uow import Database

DIRECTOR_FR = {"job_title": "Directeur", "employees": 250, "country": "FR"}
TYPES = ("page_view", "email_open", "email_click", "pricing_view", "content_download")
PEOPLE = count()


def item(lead_id: int, kind: str, occurred: datetime, **properties: Any) -> dict[str, Any]:
    return {"type": kind, "occurred_at": occurred.isoformat(), "lead_id": lead_id,
            "properties": properties}  # fmt: skip


def ingest(database: Database, items: list[dict[str, Any]], now: datetime) -> None:
    with database.uow(write=True) as uow:
        result = signals.ingest(uow, items=items, now=now)
        assert result.rejected == [], result.rejected
        uow.commit()


def stored(database: Database, lead_id: int) -> tuple[int, list[Any], Any]:
    """The lead's score and explanation as stored, and its state row (score, behaviour,
    as_of) or None."""
    with database.engine.connect() as conn:
        lead = conn.execute(
            select(t.Lead.score, t.Lead.score_explanation).where(t.Lead.id == lead_id)
        ).one()
        state = conn.execute(
            select(
                t.LeadScoreState.score, t.LeadScoreState.behaviour, t.LeadScoreState.as_of
            ).where(t.LeadScoreState.lead_id == lead_id)
        ).one_or_none()
        return lead.score, lead.score_explanation, state


def lead_updates(seen: list[str]) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith("UPDATE LEAD ")]


def test_a_batch_that_changes_nothing_shown_leaves_the_lead_row_alone(api, database, statements):
    lead_id = api.create_lead(**DIRECTOR_FR)["id"]
    now = datetime.now(UTC)
    # Five e-mail opens: 4 points, the cap ("plafond atteint")
    ingest(database, [item(lead_id, "email_open", now) for _ in range(5)], now)
    before = stored(database, lead_id)
    assert before[0] == 22 + 4

    with statements() as seen:
        ingest(database, [item(lead_id, "email_open", now)], now)

    assert lead_updates(seen) == [], seen
    after = stored(database, lead_id)
    assert after[:2] == before[:2]  # same score, same explanation as shown
    assert before[2] is not None and after[2] is not None
    assert after[2].behaviour["signal:email_open"] > before[2].behaviour["signal:email_open"]
    # And a signal that changes what is shown rewrites the lead, in one statement
    with statements() as seen:
        ingest(database, [item(lead_id, "email_click", now)], now)
    assert len(lead_updates(seen)) == 1
    assert stored(database, lead_id)[0] == 22 + 4 + 4


def test_the_state_goes_with_its_lead(api, database):
    lead_id = api.create_lead(**DIRECTOR_FR)["id"]
    now = datetime.now(UTC)
    ingest(database, [item(lead_id, "page_view", now)], now)
    with database.uow(write=True) as uow:
        assert uow.session.get(t.LeadScoreState, lead_id) is not None
        uow.session.execute(delete(t.Signal).where(t.Signal.lead_id == lead_id))
        uow.session.execute(delete(t.Lead).where(t.Lead.id == lead_id))
        uow.commit()
    with database.uow() as uow:
        rows = select(func.count()).select_from(t.LeadScoreState)
        assert uow.session.scalar(rows) == 0


def test_a_lead_explained_without_behaviour_has_no_state_row(api, database):
    lead = api.create_lead(**DIRECTOR_FR)
    assert lead["score"] == 22
    assert stored(database, lead["id"])[2] is None


# --- the same scores as when the state travelled in the explanation ------------------------------

step = st.one_of(
    # a batch: (hours later, [(type, age in days)])
    st.tuples(
        st.floats(min_value=0, max_value=72),
        st.lists(
            st.tuples(st.sampled_from(TYPES), st.floats(min_value=0, max_value=150)),
            min_size=1,
            max_size=6,
        ),
    ),
    # a decay pass (``refresh_decayed``): days later
    st.tuples(st.floats(min_value=0, max_value=40), st.none()),
)


@settings(
    max_examples=12,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_scores_from_the_side_table_equal_scores_from_the_explanation(api, database, steps):
    playbook = default_playbook()
    rules = rules_for(playbook)
    created = api.create_lead(email=f"flux{next(PEOPLE)}@acier-durand.fr", **DIRECTOR_FR)
    lead_id = created["id"]
    profile = Profile(job_title="Directeur", employees=250, country="FR")
    # The model: what the lead stored before migration 0019 (``Score.explanation``), the
    # state read back from it.
    first = score(profile, {}, at=datetime.now(UTC), rules=rules)
    kept_total, kept = first.total, first.explanation()
    state = state_of(kept)
    assert state == State({}, None)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for later, events in steps:
        if events is None:
            now += timedelta(days=later)
            with database.uow(write=True) as uow:
                scoring.refresh_decayed(
                    uow, now=now, after_id=lead_id - 1, limit=1, playbook=playbook
                )
                uow.commit()
            if state is None or state.as_of is None:
                continue
            values, at = advance(state, now=now, events=(), rules=rules)
            result = score(profile, values, at=at, rules=rules)
            if result.total != kept_total or visible(result.explanation()) != visible(kept):
                kept_total, kept = result.total, result.explanation()
                state = state_of(kept)
            continue
        now += timedelta(hours=later)
        occurred = [(kind, now - timedelta(days=age)) for kind, age in events]
        ingest(database, [item(lead_id, kind, at) for kind, at in occurred], now)
        assert state is not None
        values, at = advance(
            state, now=now, events=[event_of(k, a, {}) for k, a in occurred], rules=rules
        )
        result = score(profile, values, at=at, rules=rules)
        kept_total, kept = result.total, result.explanation()
        state = state_of(kept)

    total, explanation, row = stored(database, lead_id)
    assert total == kept_total
    assert explanation == [
        {k: v for k, v in e.items() if k not in ("value", "as_of")} for e in kept
    ]
    assert state is not None
    if row is None:
        assert state.behaviour == {}
    else:
        assert row.score == total
        assert State(row.behaviour, row.as_of) == state
