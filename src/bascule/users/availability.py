"""Out of office and deactivation: who routing may give leads to (SPEC §9, §11).

- **Out of office** from a start (included) to an end (excluded; none: until they are back):
  routing skips the user meanwhile; the leads they own stay theirs. A date alone means the
  whole day in the company's time zone: away from 3 to 14 August is back on the 15th at 00:00.
- **Deactivation**: the user can no longer sign in (their tokens stop working), routing skips
  them, and their open leads are routed again by the same rules, in one transaction, each
  reassignment in the lead's history. A lead no rule can place goes to the fallback owner,
  else to nobody: no open lead keeps an inactive owner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bascule.audit import service as audit
from bascule.errors import Conflict, NotFound, ValidationFailed
from bascule.leads import assignment
from bascule.playbook.schema import Playbook
from bascule.routing import check as routing_check
from bascule.routing import service as routing
from bascule.storage import repositories as repo
from bascule.storage import routing as store
from bascule.storage import staff
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.model import Actor, require

CLI = Actor(user_id=None, role=None, rule="cli", name="command line")
# Reassignments are flushed in batches: a departing user may own thousands of open leads.
FLUSH_EVERY = 500

When = date | datetime
MIN_YEAR, MAX_YEAR = 2000, 2999


def find(
    uow: UnitOfWork, *, actor: Actor, email: str | None = None, user_id: int | None = None
) -> t.User:
    """A user by e-mail or id, locked until commit (PostgreSQL); only for who manages users."""
    require(actor, "user.manage")
    user: t.User | None
    if user_id is not None:
        user = repo.get(uow.session, t.User, user_id, for_update=True)
    else:
        found = repo.user_by_email(uow.session, email or "")
        user = repo.get(uow.session, t.User, found.id, for_update=True) if found else None
    if user is None:
        where = {"email": "no such user"} if user_id is None else {"id": "no such user"}
        raise NotFound(f"user {email if user_id is None else user_id} not found", fields=where)
    return user


def parse_when(text: str | None, name: str) -> When | None:
    """A date (2026-08-03) or a date and time (2026-08-03T14:00, with or without offset), as
    the command line and the API take them."""
    if text is None:
        return None
    text = text.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"{name}: {text[:40]!r} is not a date or a date and time",
            fields={name: "a date (2026-08-03) or a date and time (2026-08-03T14:00)"},
        ) from None


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def instant(value: When, timezone: str, *, end_of_day: bool = False) -> datetime:
    """A date or a time as an instant. A date is the start of that day in the company's time
    zone (``end_of_day``: the start of the next one); a time without offset is local too."""
    zone = _zone(timezone)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed(
            f"{value.isoformat()} is too far away for an absence",
            fields={"until" if end_of_day else "from": f"a year from {MIN_YEAR} to {MAX_YEAR}"},
        )
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    day = value + timedelta(days=1) if end_of_day else value
    return datetime.combine(day, time(0), tzinfo=zone)


def set_away(
    uow: UnitOfWork,
    *,
    user: t.User,
    start: When | None,
    end: When | None,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
    reason: str | None = None,
) -> t.User:
    """Mark the user out of office from ``start`` (default: now) to ``end`` (none: until they
    are back)."""
    require(actor, "user.manage")
    zone = playbook.general.timezone
    absent_from = instant(start, zone) if start is not None else now
    absent_until = instant(end, zone, end_of_day=True) if end is not None else None
    if absent_until is not None and absent_until <= absent_from:
        raise ValidationFailed(
            "the end of an absence must come after its start",
            fields={"until": f"{absent_until.isoformat()} is not after {absent_from.isoformat()}"},
        )
    if absent_until is not None and absent_until <= now:
        raise ValidationFailed(
            "this absence is already over", fields={"until": "must be in the future"}
        )
    if not user.is_active:
        raise Conflict(
            f"{user.email} is deactivated: routing skips them already",
            fields={"email": "deactivated user"},
        )
    before = [_iso(user.absent_from), _iso(user.absent_until)]
    user.absent_from, user.absent_until = absent_from, absent_until
    audit.record(
        uow,
        actor=actor,
        entity="user",
        entity_id=user.id,
        action="away",
        changes={"absent": [before, [_iso(absent_from), _iso(absent_until)]]},
        reason=reason,
        now=now,
    )
    return user


def set_back(
    uow: UnitOfWork, *, user: t.User, actor: Actor, now: datetime, reason: str | None = None
) -> t.User:
    """The user is back (or will not be away after all): routing counts them again."""
    require(actor, "user.manage")
    before = [_iso(user.absent_from), _iso(user.absent_until)]
    user.absent_from = user.absent_until = None
    audit.record(
        uow,
        actor=actor,
        entity="user",
        entity_id=user.id,
        action="back",
        changes={"absent": [before, [None, None]]},
        reason=reason,
        now=now,
    )
    return user


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class Deactivation:
    user: t.User
    was_active: bool
    # (lead id, new owner id or None, new owner's e-mail or None, why), in lead id order.
    reassigned: list[tuple[int, int | None, str | None, str]] = field(default_factory=list)
    # Playbook fields that still name the user (to update before the next `playbook apply`).
    named_in: dict[str, str] = field(default_factory=dict)

    @property
    def unassigned(self) -> list[int]:
        return [lead_id for lead_id, owner, _, _ in self.reassigned if owner is None]


def deactivate(
    uow: UnitOfWork,
    *,
    user: t.User,
    actor: Actor,
    playbook: Playbook,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
    reason: str | None = None,
) -> Deactivation:
    """Deactivate a user and route their open leads again (``progress(done, total)`` after
    each lead). Deactivating an inactive user again places any open lead they still own."""
    require(actor, "user.manage")
    if actor.user_id is not None and actor.user_id == user.id:
        raise Conflict("you cannot deactivate yourself", fields={"id": "your own account"})
    result = Deactivation(user=user, was_active=bool(user.is_active))
    user.is_active = False
    session = uow.session
    session.flush()
    if result.was_active:
        audit.record(
            uow,
            actor=actor,
            entity="user",
            entity_id=user.id,
            action="deactivate",
            changes={"is_active": [True, False]},
            reason=reason,
            now=now,
        )
    leads = store.open_leads_of(session, user.id)
    facts = [routing.facts_of(lead) for lead in leads]
    decisions = routing.route_many(uow, facts=facts, now=now, playbook=playbook)
    emails = {u.id: u.email for u in _owners(uow, {d.owner_id for d in decisions})}
    for done, (lead, decision) in enumerate(zip(leads, decisions, strict=True), start=1):
        why = f"{user.email} deactivated: {decision.explanation}"
        assignment.assign(
            uow,
            lead,
            owner_id=decision.owner_id,
            actor=actor,
            reason=why,
            now=now,
            playbook=playbook,
            rule=decision.rule if decision.owner_id is not None else None,
        )
        owner = decision.owner_id
        result.reassigned.append((lead.id, owner, emails.get(owner) if owner else None, why))
        if done % FLUSH_EVERY == 0:
            session.flush()
        if progress is not None:
            progress(done, len(leads))
    session.flush()
    result.named_in = {
        where: message
        for where, message in routing_check.problems(uow, playbook.routing).items()
        if message.lower().startswith(f"{user.email}:")
    }
    return result


@dataclass(frozen=True)
class Preview:
    """What deactivating a user would do if confirmed now (nothing of it is kept)."""

    user_id: int
    email: str
    name: str
    # (lead id, new owner's e-mail or None, why), as ``Deactivation.reassigned``.
    leads: list[tuple[int, str | None, str]]
    # (id, name): open opportunities keep their owner; they are reassigned one by one.
    opportunities: list[tuple[int, str]]
    named_in: dict[str, str]


def preview_deactivation(
    database: Database, *, user_id: int, actor: Actor, playbook: Playbook, now: datetime
) -> Preview:
    """``deactivate`` itself, run in a transaction of its own that is rolled back: the same
    rules place the same leads, and nothing is written (no audit, no history, no alert).
    Leads routed by someone else between the preview and the confirmation may move the
    rotation on: the confirmation answers what was really done."""
    with database.uow(write=True) as trial:
        user = find(trial, actor=actor, user_id=user_id)
        done = deactivate(trial, user=user, actor=actor, playbook=playbook, now=now)
        return Preview(
            user.id, user.email, user.name,
            [(lead_id, email, why) for lead_id, _, email, why in done.reassigned],
            staff.open_opportunities_of(trial.session, user.id), done.named_in,
        )  # fmt: skip


def _owners(uow: UnitOfWork, ids: set[int | None]) -> list[t.User]:
    return [u for i in sorted(i for i in ids if i is not None) if (u := uow.session.get(t.User, i))]


def activate(
    uow: UnitOfWork, *, user: t.User, actor: Actor, now: datetime, reason: str | None = None
) -> t.User:
    """Undo a deactivation: the user signs in again and routing counts them (the leads
    reassigned meanwhile stay with their new owners)."""
    require(actor, "user.manage")
    if not user.is_active:
        user.is_active = True
        audit.record(
            uow,
            actor=actor,
            entity="user",
            entity_id=user.id,
            action="activate",
            changes={"is_active": [False, True]},
            reason=reason,
            now=now,
        )
    return user


def to_read(user: t.User, now: datetime) -> dict[str, object]:
    """A user as the API shows them (no secrets)."""
    person = routing.person(user)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "team_id": user.team_id,
        "manager_id": user.manager_id,
        "is_active": user.is_active,
        "absent_from": user.absent_from,
        "absent_until": user.absent_until,
        "out_of_office": person.out_of_office(now),
    }


def deactivation_to_read(done: Deactivation, now: datetime) -> dict[str, object]:
    return {
        "user": to_read(done.user, now),
        "reassigned": [
            {"lead_id": lead_id, "owner_id": owner, "reason": why}
            for lead_id, owner, _, why in done.reassigned
        ],
        "unassigned": done.unassigned,
        "playbook_names_user": done.named_in,
    }
