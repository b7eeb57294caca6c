"""What one e-mail already is when a person is taken in (a lead created over the API or by a
public form): its locks in one statement, then one read for its contact (and that contact's
account), its open lead and whether signals wait for it. Before this, each was a statement of
its own on the hot path of a lead's creation (SPEC §15)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, String, Table, and_, bindparam, exists, literal, select, text
from sqlalchemy.orm import Session

from bascule.leads.vocabulary import OPEN_LEAD_STATUSES
from bascule.storage import tables as t
from bascule.storage.signals import email_bucket, lock_class

_signal = cast(Table, t.Signal.__table__)


@dataclass(frozen=True)
class Known:
    """The rows an e-mail key already has: a contact and its account, the open lead, and
    whether unattached signals wait for that person."""

    contact: t.Contact | None
    account: t.Account | None
    open_lead: t.Lead | None
    pending: bool


def lock_email(session: Session, email_key: str) -> None:
    """Take, in one round trip, the two locks guarding an e-mail being taken in: the lead
    e-mail's (two submissions of one address take turns) and its pending-signals bucket (a
    signal for it arriving meanwhile waits until the person exists; the same lock
    ``storage.signals.lock_emails`` takes exclusively). PostgreSQL only: SQLite write
    transactions already hold the database lock. In this order, as before they were merged."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtextextended(:key, 0)),"
            " pg_advisory_xact_lock(:cls, :bucket)"
        ),
        {"key": f"lead-email|{email_key}", "cls": lock_class(), "bucket": email_bucket(email_key)},
    )


def _look_up_query() -> Select[Any]:
    key = bindparam("email_key", type_=String)
    s = _signal.c
    pending = exists().where(s.email_key == key, s.lead_id.is_(None), s.contact_id.is_(None))
    probe = select(literal(1).label("one"), pending.label("pending")).subquery("probe")
    return (
        select(probe.c.pending, t.Contact, t.Account, t.Lead)
        .select_from(probe)
        .outerjoin(t.Contact, t.Contact.email_key == key)
        .outerjoin(t.Account, t.Account.id == t.Contact.account_id)
        .outerjoin(t.Lead, and_(t.Lead.email_key == key, t.Lead.status.in_(OPEN_LEAD_STATUSES)))
    )


# Built once: a statement object remembers its cache key, which SQLAlchemy would otherwise
# work out again from a new statement at every lead's creation.
_LOOK_UP = _look_up_query()


def look_up(session: Session, email_key: str) -> Known:
    """One SELECT: a one-row probe (are signals waiting?) left-joined to the contact with this
    e-mail, its account and the open lead. Run it after ``lock_email``: it must see what the
    transactions that held the locks before committed."""
    row = session.execute(_LOOK_UP, {"email_key": email_key}).one()
    return Known(contact=row[1], account=row[2], open_lead=row[3], pending=bool(row[0]))
