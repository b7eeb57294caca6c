"""Undoing an import: the leads it created go, unless worked on since; the leads it enriched
get back the blanks it filled, unless changed since. One transaction, the caller commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bascule.access import service as access
from bascule.audit import service as audit
from bascule.errors import Conflict, Forbidden, NotFound
from bascule.imports import consent_writer, history_undo
from bascule.imports.plan import LEAD_COLUMNS
from bascule.leads.fields import search_text
from bascule.playbook.schema import Playbook
from bascule.storage import bulk
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, Role

# Who may undo someone else's import.
UNDO_ROLES = frozenset({Role.ADMIN, Role.SALES_OPS})

KEPT_SHOWN = 100


def undo(
    uow: UnitOfWork, *, import_id: int, actor: Actor, playbook: Playbook, now: datetime
) -> dict[str, Any]:
    """Undo an import: delete the leads it created that nobody has worked on since, and give
    the leads it enriched back the blanks they had, where nobody has changed them since.

    Leads worked on since the import (status moved, converted, edited, qualified, an activity
    logged) are kept and listed with the reason. The caller commits.
    """
    batch = repo.get(uow.session, t.ImportBatch, import_id, for_update=True)
    if batch is None or not access.reads_owner(uow, actor, playbook, "lead", batch.user_id):
        # An import of someone whose leads the actor may not read is not found (SPEC §18).
        raise NotFound(f"import {import_id} not found", fields={"id": "no such import"})
    if actor.user_id != batch.user_id and actor.role is not None and actor.role not in UNDO_ROLES:
        raise Forbidden(
            "only the person who ran an import, an admin or sales ops may undo it",
            fields={"role": "requires the importer, admin or sales_ops"},
        )
    if batch.dry_run:
        raise Conflict(
            "a dry run wrote no lead: there is nothing to undo", fields={"id": "dry run"}
        )
    if batch.status == "undone":
        raise Conflict(f"import {import_id} is already undone", fields={"id": "already undone"})
    if batch.status == "running":
        raise Conflict(f"import {import_id} is still running", fields={"id": "still running"})
    session = uow.session
    since = batch.started_at
    worked, worked_count = bulk.created_leads_worked_on(session, import_id, since, KEPT_SHOWN)
    kept: list[dict[str, Any]] = [
        {"lead_id": lead_id, "reason": _kept_reason(status)} for lead_id, status in worked
    ]
    kept_count = worked_count
    # Every answer the file gave and nobody changed since, on the leads it created (kept
    # ones too: a file undone is a file not to be trusted) and on those it completed.
    consents = consent_writer.undo(uow, import_id)
    deleted = bulk.delete_created_leads(session, import_id, since)
    restored = 0
    for change in bulk.import_changes(session, import_id, actions=("converted", "opp_update")):
        history_undo.restore_change(session, change, import_id)
        restored += 1
    opportunities, kept_opportunities = history_undo.delete_opportunities(session, import_id, since)
    kept_count += kept_opportunities
    for change in bulk.import_changes(session, import_id):
        outcome = _restore(uow, change, actor, now, import_id)
        if outcome is None:
            restored += 1
        else:
            kept_count += 1
            if len(kept) < KEPT_SHOWN:
                kept.append({"lead_id": change.lead_id, "reason": outcome})
    accounts, owners = history_undo.delete_unused(session, import_id)
    summary = {"deleted": deleted, "restored": restored, "kept": kept_count}
    if consents:
        summary["consents_deleted"] = consents
    if opportunities or accounts or owners:
        summary |= {
            "opportunities_deleted": opportunities,
            "accounts_deleted": accounts,
            "owners_deleted": owners,
        }
    batch.status = "undone"
    batch.undone_at = now
    batch.report = {**(batch.report or {}), "undo": summary}
    audit.record(
        uow,
        actor=actor,
        entity="import",
        entity_id=import_id,
        action="undo",
        changes={k: [None, v] for k, v in summary.items()},
        now=now,
    )
    return {**summary, "kept_leads": kept}


def _kept_reason(status: str) -> str:
    if status == "converted":
        return "converted since the import: kept"
    if status != "new":
        return f"worked on since the import (status {status}): kept"
    return "changed since the import: kept"


def _restore(
    uow: UnitOfWork, change: t.ImportChange, actor: Actor, now: datetime, import_id: int
) -> str | None:
    """Give one enriched lead back what it had; None when done, else why it was kept."""
    session = uow.session
    before: dict[str, Any] = change.before or {}
    activity_id = before.get("activity_id")
    if activity_id is not None:
        activity = session.get(t.Activity, activity_id)
        if activity is not None:
            session.delete(activity)
    lead = session.get(t.Lead, change.lead_id) if change.lead_id is not None else None
    if lead is None:
        return None  # deleted since: nothing left to restore
    if before.get("past") or before.get("history") is not None:
        history_undo.restore_past(session, lead, before, import_id)
    elif lead.status == "converted":
        return "converted since the import: the values it brought are kept"
    diff: dict[str, Any] = {}
    for name, old in (before.get("fields") or {}).items():
        after = before.get("after", {}).get(name)
        if getattr(lead, name) == after:
            setattr(lead, name, old)
            diff[name] = [after, old]
            if name == "email":
                lead.email_key = None if old is None else str(old).strip().casefold()
    tags = list(before.get("tags_added") or [])
    bulk.remove_tags(session, lead.id, tags)
    added: dict[str, Any] = before.get("attributes_added") or {}
    if added and lead.attributes:
        remaining = {k: v for k, v in lead.attributes.items() if added.get(k) != v}
        lead.attributes = remaining or None
    if diff:
        lead.search_text = search_text({k: getattr(lead, k) for k in LEAD_COLUMNS})
    if "updated_at" not in (before.get("past") or {}) or diff or tags:
        lead.updated_at = now
    audit.record(
        uow,
        actor=actor,
        entity="lead",
        entity_id=lead.id,
        action="import_undo",
        changes=diff | ({"tags": [tags, None]} if tags else {}),
        reason=f"undo of import #{import_id}",
        now=now,
    )
    return None
