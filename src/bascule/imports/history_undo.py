"""Undoing what a history import (SPEC §16) did besides creating leads: the past it gave to
leads it found again, the opportunities it created or updated, the leads an opportunity file
recorded as converted, and the accounts and owners it created, when nothing uses them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bascule.storage import tables as t

# Lead and opportunity columns an undo gives back, and how their JSON reads.
_DATES = frozenset({"created_at", "converted_at", "closed_at", "updated_at", "changed_at"})


def _value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATES:
        return datetime.fromisoformat(value)
    if name == "expected_close_date":
        return date.fromisoformat(value)
    if name == "amount":
        return Decimal(str(value))
    return value


def restore_past(session: Session, lead: t.Lead, before: dict[str, Any], import_id: int) -> None:
    """Give a lead back the columns and imported history rows it had before the import."""
    for name, value in (before.get("past") or {}).items():
        setattr(lead, name, _value(name, value))
    history = before.get("history")
    if history is not None:
        h = t.LeadStatusHistory
        session.execute(delete(h).where(h.lead_id == lead.id, h.import_id == import_id))
        if history:
            session.execute(
                insert(h),
                [
                    {
                        **row,
                        "lead_id": lead.id,
                        "changed_at": _value("changed_at", row["changed_at"]),
                    }
                    for row in history
                ],
            )


def restore_change(session: Session, change: t.ImportChange, import_id: int) -> None:
    """An opportunity updated, or a lead converted, by an opportunity file: as before."""
    before: dict[str, Any] = change.before or {}
    if change.action == "converted":
        lead = session.get(t.Lead, change.lead_id) if change.lead_id else None
        if lead is not None:
            for name, value in before.get("columns", {}).items():
                setattr(lead, name, _value(name, value))
            h = t.LeadStatusHistory
            session.execute(delete(h).where(h.lead_id == lead.id, h.import_id == import_id))
        return
    opp = session.get(t.Opportunity, before.get("opportunity_id"))
    if opp is None:
        return
    for name, value in before.get("columns", {}).items():
        setattr(opp, name, _value(name, value))
    s = t.OpportunityStageHistory
    session.execute(delete(s).where(s.opportunity_id == opp.id, s.import_id == import_id))
    rows = before.get("history") or []
    if rows:
        session.execute(
            insert(s),
            [
                {
                    **row,
                    "opportunity_id": opp.id,
                    "amount": Decimal(str(row["amount"])),
                    "changed_at": datetime.fromisoformat(row["changed_at"]),
                }
                for row in rows
            ],
        )


def delete_opportunities(session: Session, import_id: int, since: datetime) -> tuple[int, int]:
    """Delete the opportunities the import created that nobody has worked on since (edited,
    or a stage change not written by an import): (deleted, kept)."""
    o, h = t.Opportunity, t.OpportunityStageHistory
    live = (
        select(h.id)
        .where(h.opportunity_id == o.id, h.import_id.is_(None), h.changed_at > since)
        .exists()
    )
    worked = or_(o.updated_at > since, live)
    kept = session.execute(
        select(func.count()).select_from(o).where(o.import_id == import_id, worked)
    ).scalar_one()
    ids = list(session.scalars(select(o.id).where(o.import_id == import_id, ~worked)))
    if ids:
        session.execute(
            update(t.Lead).where(t.Lead.opportunity_id.in_(ids)).values(opportunity_id=None)
        )
        session.execute(
            delete(t.OpportunityContact).where(t.OpportunityContact.opportunity_id.in_(ids))
        )
        session.execute(delete(h).where(h.opportunity_id.in_(ids)))
        session.execute(delete(o).where(o.id.in_(ids)).execution_options(synchronize_session=False))
    return len(ids), int(kept)


def delete_unused(session: Session, import_id: int) -> tuple[int, int]:
    """The accounts and owners the import created, when no record uses them any more."""
    a = t.Account
    used_account = or_(
        select(t.Opportunity.id).where(t.Opportunity.account_id == a.id).exists(),
        select(t.Lead.id).where(t.Lead.account_id == a.id).exists(),
        select(t.Contact.id).where(t.Contact.account_id == a.id).exists(),
        select(t.LeadConversion.lead_id).where(t.LeadConversion.account_id == a.id).exists(),
    )
    accounts = session.execute(
        delete(a)
        .where(a.import_id == import_id, ~used_account)
        .execution_options(synchronize_session=False)
    )
    u = t.User
    used_user = or_(
        select(t.Lead.id).where(t.Lead.owner_id == u.id).exists(),
        select(t.Opportunity.id).where(t.Opportunity.owner_id == u.id).exists(),
        select(t.Account.id).where(t.Account.owner_id == u.id).exists(),
        select(t.Contact.id).where(t.Contact.owner_id == u.id).exists(),
    )
    owners = session.execute(
        delete(u)
        .where(u.import_id == import_id, ~used_user)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(accounts, "rowcount", 0) or 0), int(getattr(owners, "rowcount", 0) or 0)
