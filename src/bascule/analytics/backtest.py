"""Back-testing a playbook (SPEC §16): what the current and a proposed playbook would have made
of the same leads, replayed from what is stored.

Cohort: the leads created in the period (days of the playbook's zone, as the funnel), that the
reader may read. Each lead's story is replayed in time order under each playbook: its stored
signals (by the time they occurred) and its profile and qualification changes (from the audit
trail), scored by the scoring rules themselves (``scoring.rules.advance`` and ``score``, the
code the live product runs), until it converts.

A lead counts as an MQL under a playbook from the first moment the playbook would have handed
it to sales: its score reaching the MQL threshold, or its qualification answers making it
ready to convert under the playbook's rule (which makes its conversion mandatory, SPEC §4).
The truth it is held against is its history: a lead *converted* when its status history holds
``converted``. Measures (``Measures``): ``leads``; ``mql``; ``mql_converted``, the MQLs that
converted (an MQL only counts before conversion, so they were MQL before converting);
``precision`` = mql_converted / mql; ``recall`` = mql_converted / converted;
``median_days_to_mql``, calendar days from creation to MQL. Rates are fractions 0-1 and
``None`` with a zero denominator, as in the other reports.

Reading is done in pages of leads (``stories``), so memory holds one page, not the cohort.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bascule.analytics.access import EVERYTHING, Readable
from bascule.analytics.metrics import period_instants, rate
from bascule.errors import PlaybookInvalid
from bascule.leads.model import Qualification, ready_to_convert
from bascule.playbook.overrides import overridden
from bascule.playbook.schema import Playbook
from bascule.scoring.rules import DAY, Event, Profile, Rules, State, advance, rules_for, score
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork

PROFILE_FIELDS = ("job_title", "employees", "sector", "country", "technology")
QUALIFICATION = "qualification"
TRACKED = (*PROFILE_FIELDS, QUALIFICATION)
MEASURES = ("leads", "mql", "mql_converted", "precision", "recall", "median_days_to_mql")
PAGE = 1000
FORM = "form_submit"

Progress = Callable[[int, int], None]


# --- a lead's story, as replayed --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """A profile or qualification change: the tracked fields it set, at its time."""

    at: datetime
    values: Mapping[str, Any]


@dataclass(slots=True)
class Story:
    """What is stored of one lead, in the order it happened. ``start`` holds the tracked
    fields as they were before the first change; ``converted_at`` comes from its history."""

    id: int
    created_at: datetime
    converted_at: datetime | None
    start: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def replay(story: Story, *, playbook: Playbook, rules: Rules, until: datetime) -> datetime | None:
    """When ``playbook`` would have made this lead an MQL (None: never, before it converted
    or ``until``). The score is evaluated when the lead is created and after each signal or
    change: between them it only decays, so it cannot cross the threshold there."""
    end = until if story.converted_at is None else min(until, story.converted_at)
    if story.created_at > end:
        return None
    threshold = playbook.scoring.mql_threshold
    scoring = playbook.scoring.enabled and _may_reach(story, threshold, rules)
    answered = any(QUALIFICATION in c.values for c in story.changes)
    if not scoring and not answered and not _ready(story.start.get(QUALIFICATION), playbook):
        return None  # nothing can make it an MQL
    fields = dict(story.start)
    profile, ready = _profile(fields), _ready(fields.get(QUALIFICATION), playbook)
    state = State({}, None)
    for at, events, changes in _steps(story):
        if at > end:
            break
        if changes:
            for change in changes:
                fields.update(change.values)
            profile, ready = _profile(fields), _ready(fields.get(QUALIFICATION), playbook)
        if ready:
            return at
        if scoring:
            values, as_of = advance(state, now=at, events=events, rules=rules)
            state = State(values, as_of)
            result = score(profile, values, at=as_of, rules=rules)
            if result.total >= threshold:
                return at
    return None


def _may_reach(story: Story, threshold: int, rules: Rules) -> bool:
    """Whether the score could reach ``threshold`` at all: scored with every signal at its
    full points (none decayed) under each profile the lead had. Points per signal are never
    negative and the score grows with each behaviour value, so that score bounds the score
    at any time: below the threshold, the step by step replay is skipped (most leads)."""
    full: dict[str, float] = {}
    for event in story.events:
        key = rules.key(event)
        if key is not None:
            full[key] = full.get(key, 0.0) + rules.contribution(key, event.occurred_at,
                                                                event.occurred_at)  # fmt: skip
    fields = dict(story.start)
    profiles = [_profile(fields)]
    for change in story.changes:
        if any(name in change.values for name in PROFILE_FIELDS):
            fields.update(change.values)
            profiles.append(_profile(fields))
    at = story.created_at
    return any(score(p, full, at=at, rules=rules).total >= threshold for p in set(profiles))


def _steps(story: Story) -> Iterator[tuple[datetime, list[Event], list[Change]]]:
    """(time, signals, changes) in time order, from the lead's creation: what came before it
    (signals waiting for the person, the creation's own audit entry) counts at its creation."""
    born = story.created_at
    moments: dict[datetime, tuple[list[Event], list[Change]]] = {born: ([], [])}
    for event in story.events:
        moments.setdefault(max(event.occurred_at, born), ([], []))[0].append(event)
    for change in story.changes:
        moments.setdefault(max(change.at, born), ([], []))[1].append(change)
    for at in sorted(moments):
        events, changes = moments[at]
        yield at, events, changes


def _profile(fields: Mapping[str, Any]) -> Profile:
    employees = fields.get("employees")
    return Profile(
        job_title=fields.get("job_title"),
        employees=employees if isinstance(employees, int) else None,
        sector=fields.get("sector"),
        country=fields.get("country"),
        technology=fields.get("technology"),
    )


def _ready(answers: Any, playbook: Playbook) -> bool:
    if not answers or not isinstance(answers, Mapping):
        return False
    try:
        return ready_to_convert(Qualification.from_dict(answers), playbook)
    except (ValueError, TypeError, KeyError, ArithmeticError):  # answers of an old shape
        return False


# --- the measures -----------------------------------------------------------------------------


@dataclass
class Tally:
    """One playbook's counts as the leads go by."""

    leads: int = 0
    converted: int = 0
    mql: int = 0
    mql_converted: int = 0
    days_to_mql: list[float] = field(default_factory=list)

    def add(self, story: Story, mql_at: datetime | None) -> None:
        self.leads += 1
        self.converted += story.converted_at is not None
        if mql_at is not None:
            self.mql += 1
            self.mql_converted += story.converted_at is not None
            self.days_to_mql.append((mql_at - story.created_at).total_seconds() / DAY)

    def measures(self) -> dict[str, Any]:
        median = statistics.median(self.days_to_mql) if self.days_to_mql else None
        return {
            "leads": self.leads,
            "mql": self.mql,
            "mql_converted": self.mql_converted,
            "precision": rate(self.mql_converted, self.mql),
            "recall": rate(self.mql_converted, self.converted),
            "median_days_to_mql": None if median is None else round(median, 2),
        }


# --- reading the stories ----------------------------------------------------------------------


def _cohort(since: datetime, until: datetime, readable: Readable) -> Select[Any]:
    lead = t.Lead
    query = select(lead.id).where(lead.created_at >= since, lead.created_at < until)
    if readable.leads is not None:
        query = query.where(readable.leads)
    return query


def count(session: Session, since: datetime, until: datetime, readable: Readable) -> int:
    sub = _cohort(since, until, readable).subquery()
    return int(session.execute(select(func.count()).select_from(sub)).scalar_one())


def stories(
    session: Session, since: datetime, until: datetime, readable: Readable, page: int = PAGE
) -> Iterator[list[Story]]:
    """The cohort's stories, a page of leads at a time, in id order. The cohort's ids are
    read once (a page query per page would scan the period's leads again each time)."""
    ids = list(session.execute(_cohort(since, until, readable).order_by(t.Lead.id)).scalars())
    for first in range(0, len(ids), page):
        yield _page(session, ids[first : first + page])


def _page(session: Session, ids: Sequence[int]) -> list[Story]:
    lead, history, signal, audit = t.Lead, t.LeadStatusHistory, t.Signal, t.AuditLog
    rows = session.execute(
        select(lead.id, lead.created_at, *(getattr(lead, f) for f in TRACKED)).where(
            lead.id.in_(ids)
        )
    )
    found: dict[int, Story] = {}
    for row in rows:
        current = dict(zip(TRACKED, row[2:], strict=True))
        found[row[0]] = Story(row[0], row[1], None, current)
    converted = select(history.lead_id, history.changed_at).where(
        history.lead_id.in_(ids), history.to_status == "converted"
    )
    for lead_id, at in session.execute(converted):
        story = found[lead_id]
        if story.converted_at is None or at < story.converted_at:
            story.converted_at = at
    form_type = signal.properties["form_type"].as_string()
    signals = (
        select(signal.lead_id, signal.type, signal.occurred_at, form_type)
        .where(signal.lead_id.in_(ids))
        .order_by(signal.lead_id, signal.occurred_at, signal.id)
    )
    for lead_id, kind, occurred_at, form in session.execute(signals):
        # As ``scoring.changes.stored_events`` reads them: the form type of a form only.
        found[lead_id].events.append(Event(kind, occurred_at, form if kind == FORM else None))
    trail = (
        select(audit.entity_id, audit.at, audit.changes)
        .where(audit.entity == "lead", audit.entity_id.in_(ids))
        .order_by(audit.entity_id, audit.at, audit.id)
    )
    # Each entry is {field: [before, after]}: the fields before the first change are the
    # starting profile, rebuilt from the lead's current one.
    first_seen: dict[int, set[str]] = {}
    for lead_id, at, changes in session.execute(trail):
        values = {
            k: v[1]
            for k, v in (changes or {}).items()
            if k in TRACKED and isinstance(v, list) and len(v) == 2
        }
        if not values:
            continue
        story = found[lead_id]
        seen = first_seen.setdefault(lead_id, set())
        for name in values:
            if name not in seen:
                seen.add(name)
                story.start[name] = changes[name][0]
        story.changes.append(Change(at, values))
    return [found[i] for i in ids]


# --- the use case -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Backtest:
    """A checked back-test: days ``start`` to ``end`` of the current playbook's zone."""

    start: date
    end: date
    current: Playbook
    proposed: Playbook
    readable: Readable = EVERYTHING


def run(
    uow: UnitOfWork, *, backtest: Backtest, now: datetime, progress: Progress | None = None
) -> dict[str, Any]:
    """``{"current": measures, "proposed": measures}`` over the cohort; ``progress(done,
    total)`` after each page of leads."""
    b = backtest
    since, until = period_instants(b.start, b.end, b.current.calendar.timezone)
    total = count(uow.session, since, until, b.readable) if progress is not None else 0
    sides = {"current": b.current, "proposed": b.proposed}
    rules = {name: rules_for(playbook) for name, playbook in sides.items()}
    tallies = {name: Tally() for name in sides}
    done = 0
    for page in stories(uow.session, since, until, b.readable):
        for story in page:
            for name, playbook in sides.items():
                mql_at = replay(story, playbook=playbook, rules=rules[name], until=now)
                tallies[name].add(story, mql_at)
        done += len(page)
        if progress is not None:
            progress(done, total)
    return {name: tally.measures() for name, tally in tallies.items()}


def propose(
    current: Playbook, overrides: Mapping[str, Any], *, within: str = "playbook"
) -> Playbook:
    """The proposed playbook: ``current`` with ``overrides`` (sections to change) merged in.
    ``PlaybookInvalid`` names each bad field under ``within``, the overrides' name in the
    request (``playbook.scoring.mql_threshold``)."""
    try:
        return overridden(current, overrides)
    except PlaybookInvalid as exc:
        prefix = f"{within}." if within else ""
        fields = {f"{prefix}{name}": message for name, message in exc.fields.items()}
        summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
        raise PlaybookInvalid(
            f"the proposed playbook is invalid: {summary}", fields=fields
        ) from exc
