"""A lead's past brought by a history file (SPEC §16): its status, dates, owner, reason.

For each candidate of a chunk that carries history (`Candidate.history`): the owner is found
(or created, or the row refused, `owners`), the disqualification reason read against the
playbook, the opportunity it became found by its external id, and its status history built
from its dates (`history.lead_events`): one row per date, actor the import, `import_id` set,
so the reports read imported history exactly as live history and an undo finds it.

A lead found again (same external id, else same e-mail) takes the file's past: its columns are
replaced, the history rows an earlier import wrote for it are replaced by this file's, and the
change keeps what was there for an undo. Live history (import_id NULL) is never touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, update

from bascule.imports.enumerated import value_key
from bascule.imports.history import LEAD_DATES, STEP, Event, lead_events

__all__ = ["Event", "HistoryRules", "Past"]
from bascule.imports.owners import Owners
from bascule.imports.plan import Candidate
from bascule.playbook.schema import Playbook
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

# What a history file sets on a lead (replaced on a re-import; restored by an undo).
PAST_COLUMNS = (
    "status",
    "created_at",
    "converted_at",
    "disqualification_reason",
    "do_not_contact",
    "owner_id",
    "opportunity_id",
    "account_id",
)
# Fields of a row that make it a history row (an owner or a flag alone does not).
HISTORY_MARKS = ("status", "created_at", *LEAD_DATES)
# (row number, field, reason, row rejected)
Problem = tuple[int, str, str, bool]


@dataclass
class HistoryRules:
    """What every chunk of one import needs to read a lead's past."""

    zone: ZoneInfo
    reasons: dict[str, str]  # value_key(file word) -> disqualification reason key
    owners: Owners
    opportunities: dict[str, tuple[int, int]] = field(default_factory=dict)  # ext id -> ids

    @staticmethod
    def build(
        playbook: Playbook, value_map: Mapping[str, Mapping[str, str]], owners: Owners
    ) -> HistoryRules:
        reasons: dict[str, str] = {}
        for reason in playbook.disqualification_reasons:
            for word in (reason.key, reason.label.fr, reason.label.en):
                reasons.setdefault(value_key(word), reason.key)
        for word, key in (value_map.get("disqualification_reason") or {}).items():
            reasons[word] = key
        return HistoryRules(ZoneInfo(playbook.calendar.timezone), reasons, owners)


def at(value: datetime, zone: ZoneInfo) -> datetime:
    """A file's date as stored: a wall-clock time is the company's (the playbook's zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


@dataclass
class Past:
    """What one lead becomes: its columns and its history rows (events, oldest first)."""

    columns: dict[str, Any]
    events: list[Event]


def resolve_owners(
    uow: UnitOfWork, candidates: Sequence[Candidate], rules: HistoryRules, problems: list[Problem]
) -> set[int]:
    """Each candidate's owner id (in `history["owner_id"]`); the numbers of the candidates
    refused for an unknown owner (SPEC §16: never silently the importer)."""
    refused: set[int] = set()
    for c in candidates:
        text = c.history.get("owner")
        if not isinstance(text, str):
            continue
        owner_id, problem = rules.owners.resolve(uow.session, text)
        if problem is not None:
            problems.extend((n, "owner", problem, True) for n in c.numbers)
            refused.add(c.number)
        elif owner_id is not None:
            c.history["owner_id"] = owner_id
    return refused


def link_opportunities(
    uow: UnitOfWork, candidates: Sequence[Candidate], rules: HistoryRules
) -> None:
    """The opportunities the chunk's leads became, by their external ids (one query)."""
    wanted = {
        c.history["opportunity_external_id"]
        for c in candidates
        if isinstance(c.history.get("opportunity_external_id"), str)
    } - set(rules.opportunities)
    if not wanted:
        return
    rows = uow.session.execute(
        select(t.Opportunity.external_id, t.Opportunity.id, t.Opportunity.account_id).where(
            t.Opportunity.external_id.in_(sorted(wanted))
        )
    )
    for external_id, opp_id, account_id in rows:
        if external_id is not None:
            rules.opportunities.setdefault(external_id, (opp_id, account_id))


def past_of(
    c: Candidate, rules: HistoryRules, now: datetime, problems: list[Problem]
) -> Past | None:
    """The lead's columns and history rows from its row's past; None when it has none."""
    h = c.history
    columns: dict[str, Any] = {}
    if "owner_id" in h:
        columns["owner_id"] = h["owner_id"]
    if isinstance(h.get("do_not_contact"), bool):
        columns["do_not_contact"] = h["do_not_contact"]
    reason = h.get("disqualification_reason")
    if isinstance(reason, str):
        key = rules.reasons.get(value_key(reason))
        if key is None:
            known = ", ".join(sorted(set(rules.reasons.values())))
            problems.append(
                (
                    c.number,
                    "disqualification_reason",
                    f"{reason!r} is not a disqualification reason ({known}): kept in "
                    "the lead's attributes; map it with --map-values "
                    f"disqualification_reason='{reason}=KEY'",
                    False,
                )
            )
            c.attributes.setdefault("disqualification_reason", reason)
        else:
            columns["disqualification_reason"] = key
    link = h.get("opportunity_external_id")
    if isinstance(link, str):
        found = rules.opportunities.get(link)
        if found is None:
            c.attributes.setdefault("opportunity_external_id", link)
        else:
            columns["opportunity_id"], columns["account_id"] = found
    if not any(name in h for name in HISTORY_MARKS):
        return Past(columns, []) if columns else None
    created = at(h["created_at"], rules.zone) if "created_at" in h else now
    dates = {status: at(h[name], rules.zone) for name, status in LEAD_DATES.items() if name in h}
    if (
        "opportunity_id" in columns
        and "converted" not in dates
        and h.get("status") in (None, "converted")
    ):
        dates["converted"] = max(dates.values(), default=created)
    events, status = lead_events(created, dates, h.get("status"))
    columns["status"] = status
    columns["created_at"] = created
    if status == "converted":
        columns["converted_at"] = next(e.at for e in reversed(events) if e.to == "converted")
    return Past(columns, events)


def _kind(event: Event) -> str:
    if event.before is None:
        return "creation"
    if event.to == "converted":
        return "conversion"
    if event.to == "disqualified":
        return "disqualification"
    if STEP.get(event.to, 0) < STEP.get(event.before, 0) or event.before == "disqualified":
        return "recycling"
    return "progress"


def history_rows(
    lead_id: int, events: Sequence[Event], *, import_id: int, actor: Actor
) -> list[dict[str, Any]]:
    reason = f"import #{import_id}"
    return [
        {
            "lead_id": lead_id,
            "from_status": e.before,
            "to_status": e.to,
            "changed_at": e.at,
            "actor_user_id": actor.user_id,
            "actor_rule": actor.rule,
            "kind": _kind(e),
            "reason": reason,
            "import_id": import_id,
        }
        for e in events
    ]


def link_back(uow: UnitOfWork, links: Sequence[tuple[int, int]]) -> None:
    """Opportunities a lead became point back at it (lead_id), when they point nowhere."""
    for lead_id, opp_id in links:
        uow.session.execute(
            update(t.Opportunity)
            .where(t.Opportunity.id == opp_id, t.Opportunity.lead_id.is_(None))
            .values(lead_id=lead_id)
        )


def imported_history_of(lead: t.Lead) -> list[dict[str, Any]]:
    """The rows earlier imports wrote for a lead (what a re-import replaces), as JSON."""
    from sqlalchemy.orm import object_session

    session = object_session(lead)
    assert session is not None
    h = t.LeadStatusHistory
    rows = session.scalars(
        select(h).where(h.lead_id == lead.id, h.import_id.is_not(None)).order_by(h.id)
    ).all()
    return [
        {
            "from_status": r.from_status,
            "to_status": r.to_status,
            "changed_at": r.changed_at.isoformat(),
            "actor_user_id": r.actor_user_id,
            "actor_rule": r.actor_rule,
            "kind": r.kind,
            "reason": r.reason,
            "import_id": r.import_id,
        }
        for r in rows
    ]


def replace_history(uow: UnitOfWork, lead_id: int, rows: list[dict[str, Any]]) -> None:
    """Drop the imported history rows of a lead and write `rows` instead."""
    h = t.LeadStatusHistory
    uow.session.execute(delete(h).where(h.lead_id == lead_id, h.import_id.is_not(None)))
    if rows:
        uow.session.execute(
            insert(t.LeadStatusHistory),
            [{**r, "lead_id": lead_id, "changed_at": _instant(r["changed_at"])} for r in rows],
        )


def _instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
