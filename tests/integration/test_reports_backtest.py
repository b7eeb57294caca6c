"""Back-testing a playbook (SPEC §16) on a generated history with known answers, on SQLite and
PostgreSQL: leads with signals (some before the lead existed), profile changes and
qualification answers in the audit trail, some converted. The test scores every lead again in
plain Python (points, caps, half-lives and profile points written out here) and finds when
each playbook would have made it an MQL."""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert

from bascule.analytics import backtest
from bascule.errors import PlaybookInvalid
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database

ZONE = ZoneInfo("Europe/Paris")
START, END = date(2026, 1, 1), date(2026, 3, 31)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
FIRST = datetime(2025, 12, 20, 8, 0, tzinfo=UTC)
# The default playbook's points and caps of the signals generated (scoring.signals, .forms).
SIGNALS = {"page_view": (1, 10), "email_click": (4, 12), "content_download": (8, 16),
           "pricing_view": (6, 18), "demo_request": (24, 24)}  # fmt: skip
# The default profile points of what the profile changes set: 250+ employees, France.
PROFILE_POINTS = {("employees", 300): 10, ("country", "FR"): 4}
READY_RANGE = {"need": {"text": "CRM", "confirmed": True}, "timing": {"horizon": "quarter"},
               "budget": {"status": "range", "min": 1000, "max": 5000}}  # fmt: skip
READY_CONFIRMED = READY_RANGE | {"budget": {"status": "confirmed", "amount": 3000}}
NOT_READY = {"need": {"text": "CRM", "confirmed": False}}
PROPOSED = {
    "scoring": {"mql_threshold": 30, "half_life_days": 10, "signals": {"page_view": {"points": 3}}},
    "qualification": {"ready_to_convert": {"budget_at_least": "confirmed"}},
}


@dataclass(frozen=True)
class Rules:
    """A playbook as this test reads it."""

    threshold: int
    half_life: float
    points: dict[str, tuple[float, float]]
    budgets: tuple[str, ...]  # budget answers that make a lead ready


CURRENT_RULES = Rules(50, 30.0, SIGNALS, ("range", "confirmed"))
PROPOSED_RULES = Rules(30, 10.0, SIGNALS | {"page_view": (3, 10)}, ("confirmed",))


@dataclass
class Story:
    id: int
    created_at: datetime
    signals: list[tuple[str, datetime]] = field(default_factory=list)
    # (at, field, before, after)
    changes: list[tuple[datetime, str, Any, Any]] = field(default_factory=list)
    converted_at: datetime | None = None


def generate(seed: int = 16, n: int = 220) -> list[Story]:
    rng = random.Random(seed)
    stories = []
    for i in range(1, n + 1):
        created = FIRST + timedelta(hours=rng.randint(0, 24 * 110), minutes=rng.randint(0, 59))
        story = Story(i, created)
        for _ in range(rng.choice((0, 1, 2, 4, 6, 9, 12))):
            kind = rng.choice((*SIGNALS, "page_view", "page_view"))
            at = created + timedelta(hours=rng.randint(-72, 24 * 60), minutes=rng.randint(0, 59))
            story.signals.append((kind, at))
        if rng.random() < 0.35:
            at = created + timedelta(days=rng.randint(0, 40), hours=rng.randint(1, 20))
            story.changes.append((at, "employees", None, 300))
            if rng.random() < 0.6:
                story.changes.append((at, "country", None, "FR"))
        if rng.random() < 0.3:
            at = created + timedelta(days=rng.randint(1, 50), hours=rng.randint(0, 23))
            answers = rng.choice((READY_RANGE, READY_CONFIRMED, NOT_READY))
            story.changes.append((at, "qualification", None, answers))
        if rng.random() < 0.35:
            story.converted_at = created + timedelta(days=rng.randint(0, 70), hours=3)
        stories.append(story)
    return stories


def write(engine: Engine, stories: list[Story]) -> None:
    with engine.begin() as conn:
        leads = []
        for s in stories:
            final = {name: after for _, name, _, after in sorted(s.changes, key=lambda c: c[0])}
            leads.append({
                "id": s.id, "source": "web_form", "created_at": s.created_at,
                "status": "converted" if s.converted_at else "new",
                "email": f"lead{s.id}@example.org", "employees": final.get("employees"),
                "country": final.get("country"), "qualification": final.get("qualification"),
            })  # fmt: skip
        conn.execute(insert(t.Lead), leads)
        history = [{"lead_id": s.id, "from_status": None, "to_status": "new",
                    "changed_at": s.created_at, "kind": "progress"} for s in stories]  # fmt: skip
        history += [{"lead_id": s.id, "from_status": "new", "to_status": "converted",
                     "changed_at": s.converted_at, "kind": "progress"}
                    for s in stories if s.converted_at]  # fmt: skip
        conn.execute(insert(t.LeadStatusHistory), history)
        signals = [
            {"lead_id": s.id, "type": "form_submit" if kind == "demo_request" else kind,
             "occurred_at": at, "received_at": at,
             "properties": {"form_type": kind} if kind == "demo_request" else {}}
            for s in stories for kind, at in s.signals
        ]  # fmt: skip
        conn.execute(insert(t.Signal), signals)
        audit = [
            {"at": at, "entity": "lead", "entity_id": s.id, "action": "update",
             "changes": {name: [before, after], "status": ["new", "new"]}}
            for s in stories for at, name, before, after in s.changes
        ]  # fmt: skip
        conn.execute(insert(t.AuditLog), audit)


# --- the expected answer, in plain Python ---------------------------------------------------


def score_at(story: Story, at: datetime, rules: Rules) -> int:
    by_kind: dict[str, float] = {}
    for kind, occurred in story.signals:
        if max(occurred, story.created_at) > at:
            continue
        points, _cap = rules.points[kind]
        age_days = max((at - occurred).total_seconds(), 0) / 86400
        by_kind[kind] = by_kind.get(kind, 0.0) + points * 0.5 ** (age_days / rules.half_life)
    total = sum(math.floor(min(v, rules.points[k][1]) + 0.5 + 1e-9) for k, v in by_kind.items())
    for when, name, _before, after in story.changes:
        if when <= at and name != "qualification" and (name, after) in PROFILE_POINTS:
            total += PROFILE_POINTS[(name, after)]
    return min(total, 100)


def ready_at(story: Story, at: datetime, rules: Rules) -> bool:
    answers = [(w, a) for w, n, _, a in story.changes if n == "qualification" and w <= at]
    if not answers:
        return False
    last = max(answers, key=lambda x: x[0])[1]
    return (
        bool(last.get("need", {}).get("confirmed"))
        and last.get("budget", {}).get("status") in rules.budgets
        and last.get("timing", {}).get("horizon", "unknown") != "unknown"
    )


def mql_at(story: Story, rules: Rules) -> datetime | None:
    end = min(NOW, story.converted_at or NOW)
    moments = {story.created_at}
    moments |= {max(at, story.created_at) for _, at in story.signals}
    moments |= {max(at, story.created_at) for at, *_ in story.changes}
    for at in sorted(m for m in moments if m <= end):
        if ready_at(story, at, rules) or score_at(story, at, rules) >= rules.threshold:
            return at
    return None


def expected(stories: list[Story], rules: Rules) -> dict[str, Any]:
    cohort = [s for s in stories if START <= s.created_at.astimezone(ZONE).date() <= END]
    found = [(s, mql_at(s, rules)) for s in cohort]
    mql = [(s, at) for s, at in found if at is not None]
    converted = [s for s in cohort if s.converted_at]
    hits = [s for s, _ in mql if s.converted_at]
    days = [(at - s.created_at).total_seconds() / 86400 for s, at in mql]
    return {
        "leads": len(cohort),
        "mql": len(mql),
        "mql_converted": len(hits),
        "precision": round(len(hits) / len(mql), 4) if mql else None,
        "recall": round(len(hits) / len(converted), 4) if converted else None,
        "median_days_to_mql": round(statistics.median(days), 2) if days else None,
    }


# --- the tests --------------------------------------------------------------------------------


@pytest.fixture
def stories(db: Engine) -> list[Story]:
    data = generate()
    write(db, data)
    return data


def run(db_url: str, overrides: dict[str, Any], start: date = START, end: date = END) -> Any:
    current = default_playbook()
    proposed = backtest.propose(current, overrides)
    database = Database(db_url)
    try:
        with database.uow() as uow:
            checked = backtest.Backtest(start, end, current, proposed)
            return backtest.run(uow, backtest=checked, now=NOW, progress=lambda d, n: None)
    finally:
        database.dispose()


def test_both_playbooks_match_a_plain_replay(db_url: str, stories: list[Story]) -> None:
    found = run(db_url, PROPOSED)
    assert found == {
        "current": expected(stories, CURRENT_RULES),
        "proposed": expected(stories, PROPOSED_RULES),
    }
    # The history is rich enough for the comparison to mean something.
    current, proposed = found["current"], found["proposed"]
    assert 150 < current["leads"] < 220
    assert 0 < current["mql"] < proposed["mql"] < current["leads"]
    assert current["mql_converted"] > 0 and current["median_days_to_mql"] is not None


def test_no_override_gives_the_same_columns(db_url: str, stories: list[Story]) -> None:
    found = run(db_url, {})
    assert found["current"] == found["proposed"] == expected(stories, CURRENT_RULES)


def test_an_empty_period_has_no_rates(db_url: str, stories: list[Story]) -> None:
    found = run(db_url, PROPOSED, date(2024, 1, 1), date(2024, 1, 31))
    empty = {"leads": 0, "mql": 0, "mql_converted": 0, "precision": None, "recall": None,
             "median_days_to_mql": None}  # fmt: skip
    assert found == {"current": empty, "proposed": empty}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scoring": {"mql_threshold": 0}}, "playbook.scoring.mql_threshold"),
        ({"scoring": {"bands": {"warm": 95}}}, "playbook.scoring.bands.warm"),
        ({"scoring": {"signals": {"page_vue": {"points": 1}}}},
         "playbook.scoring.signals.page_vue"),
        ({"qualification": {"ready_to_convert": {"budget_at_least": "lots"}}},
         "playbook.qualification.ready_to_convert.budget_at_least"),
        ({"scorring": {}}, "playbook.scorring"),
    ],
)  # fmt: skip
def test_a_bad_override_names_its_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(PlaybookInvalid) as caught:
        backtest.propose(default_playbook(), overrides)
    assert field in caught.value.fields
