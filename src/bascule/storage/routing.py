"""Queries for lead routing: teams and their members, users by e-mail, round-robin counters,
a user's open leads. Like the repositories, these read and add; they never commit."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bascule.leads.vocabulary import OPEN_LEAD_STATUSES
from bascule.storage import bulk
from bascule.storage import tables as t


def lock_rules(session: Session, keys: Collection[str]) -> None:
    """Routing by one rule takes turns (PostgreSQL: an advisory lock per rule, in sorted order,
    held to commit), so two leads routed at once never read the same counters. The key is the
    one `repositories.serialize(session, "routing-rule", key)` would lock."""
    bulk.lock_keys(session, [f"routing-rule|{key}" for key in keys])


def team_members(session: Session, names: Collection[str]) -> dict[str, list[t.User]]:
    """The members of each team that exists among ``names`` (a team without members: [])."""
    if not names:
        return {}
    rows = session.execute(
        select(t.Team.name, t.User)
        .outerjoin(t.User, t.User.team_id == t.Team.id)
        .where(t.Team.name.in_(sorted(names)))
        .order_by(t.Team.name, t.User.id)
    )
    found: dict[str, list[t.User]] = {}
    for name, user in rows:
        members = found.setdefault(name, [])
        if user is not None:
            members.append(user)
    return found


def team_names(session: Session, *, limit: int = 20) -> list[str]:
    return list(session.scalars(select(t.Team.name).order_by(t.Team.name).limit(limit)))


def users_by_email(session: Session, emails: Collection[str]) -> dict[str, t.User]:
    """Users by lower-cased e-mail (e-mails are stored lower-cased)."""
    wanted = sorted({e.strip().lower() for e in emails if e})
    if not wanted:
        return {}
    rows = session.scalars(select(t.User).where(t.User.email.in_(wanted)))
    return {user.email: user for user in rows}


def counters(session: Session, rules: Collection[str]) -> dict[str, dict[int, int]]:
    """rule -> user id -> leads given (the rotation's position)."""
    if not rules:
        return {}
    rows = session.execute(
        select(t.RoutingCounter.rule, t.RoutingCounter.user_id, t.RoutingCounter.assigned).where(
            t.RoutingCounter.rule.in_(sorted(rules))
        )
    )
    found: dict[str, dict[int, int]] = {}
    for rule, user_id, assigned in rows:
        found.setdefault(rule, {})[user_id] = assigned
    return found


def save_counters(session: Session, changes: Mapping[str, Mapping[int, int]]) -> None:
    """Write counters (insert or replace); the caller holds the rules' locks."""
    rows = [
        {"rule": rule, "user_id": user_id, "assigned": value}
        for rule, values in sorted(changes.items())
        for user_id, value in sorted(values.items())
    ]
    if not rows:
        return
    insert = pg_insert if bulk.is_postgresql(session) else sqlite_insert
    statement = insert(t.RoutingCounter).values(rows)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["rule", "user_id"],
            set_={"assigned": statement.excluded.assigned},
        )
    )


def open_leads_of(session: Session, user_id: int) -> list[t.Lead]:
    """The open leads a user owns, oldest first, locked until commit (PostgreSQL)."""
    return list(
        session.scalars(
            select(t.Lead)
            .where(t.Lead.owner_id == user_id, t.Lead.status.in_(OPEN_LEAD_STATUSES))
            .order_by(t.Lead.id)
            .with_for_update()
        )
    )


def leads_by_id(session: Session, lead_ids: Sequence[int]) -> list[t.Lead]:
    """Leads written in bulk, as objects (what the SLA hook takes), in id order."""
    if not lead_ids:
        return []
    return list(session.scalars(select(t.Lead).where(t.Lead.id.in_(lead_ids)).order_by(t.Lead.id)))


def team_id(session: Session, name: str) -> int | None:
    """The id of the team called ``name`` (None: no such team)."""
    found: int | None = session.scalar(select(t.Team.id).where(t.Team.name == name))
    return found
