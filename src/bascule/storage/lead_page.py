"""The lead page's reads: what happened to one lead (signals, alerts about it) and the people
it names. Each is one bounded statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal_column, or_, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t

LIMIT = 200  # of each kind of event on the page; older ones stay in the API and the audit


def signals(session: Session, lead_id: int) -> list[t.Signal]:
    query = (
        select(t.Signal)
        .where(t.Signal.lead_id == lead_id)  # ix_signal_lead_occurred
        .order_by(t.Signal.occurred_at.desc(), t.Signal.id.desc())
        .limit(LIMIT)
    )
    return list(session.scalars(query))


def _about_lead(session: Session, lead_id: int) -> ColumnElement[bool]:
    """The alert's payload names this lead, written as migration 0012's index has it so that
    the index serves the look-up (a literal path: a bound one would not match the index).
    PostgreSQL's ``->>`` gives text, SQLite's ``json_extract`` the number."""
    if session.get_bind().dialect.name == "postgresql":
        found: ColumnElement[Any] = t.Outbox.payload.op("->>")(literal_column("'lead_id'"))
        return found == str(lead_id)
    return func.json_extract(t.Outbox.payload, literal_column("'$.lead_id'")) == lead_id


def alerts(session: Session, lead_id: int) -> list[t.Outbox]:
    """In-app alerts raised about the lead (MQL, SLA breach, overdue conversion...)."""
    query = (
        select(t.Outbox)
        .where(_about_lead(session, lead_id), t.Outbox.channel == "in_app")
        .order_by(t.Outbox.created_at.desc(), t.Outbox.id.desc())
        .limit(LIMIT)
    )
    return list(session.scalars(query))


def people(session: Session) -> list[tuple[int, str, str, bool]]:
    """(id, name, role, active) of every user, by name: the names the page shows and the
    people a lead can be given to. A company has tens or hundreds of users, not more."""
    rows = session.execute(
        select(t.User.id, t.User.name, t.User.role, t.User.is_active).order_by(
            t.User.name, t.User.id
        )
    )
    return [(row[0], row[1], row[2], bool(row[3])) for row in rows]


def manages_anyone(session: Session, user_id: int) -> bool:
    """Whether an active user has ``user_id`` as manager, or belongs to a team they manage."""
    teams = select(t.Team.id).where(t.Team.manager_id == user_id)
    managed = exists().where(
        t.User.id != user_id,
        t.User.is_active.is_(True),
        or_(t.User.manager_id == user_id, t.User.team_id.in_(teams)),
    )
    return bool(session.execute(select(managed)).scalar())
