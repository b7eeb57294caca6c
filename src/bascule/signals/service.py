"""Signal use cases: ingest a batch of events, attach pending signals, list a person's signals.

A batch is one transaction, owned by the caller: the valid items are all stored or none (on a
database failure); the invalid ones are reported with their index and never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bascule.access import service as access
from bascule.errors import NotFound, ValidationFailed
from bascule.playbook.schema import Playbook
from bascule.scoring import batch as scoring
from bascule.signals.model import (
    MAX_BATCH,
    Directory,
    Placement,
    Rejected,
    SignalItem,
    by_email,
    check_item,
    claims_workspace,
    place,
)
from bascule.storage import repositories as repo
from bascule.storage import signals as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor


@dataclass
class IngestResult:
    accepted: int = 0
    pending: int = 0  # kept with their e-mail only, until that person is identified
    rejected: list[Rejected] = field(default_factory=list)
    lead_ids: set[int] = field(default_factory=set)
    account_ids: set[int] = field(default_factory=set)


def ingest(
    uow: UnitOfWork,
    *,
    items: Sequence[Any],
    now: datetime,
    origin: str = "event",
    playbook: Playbook | None = None,
) -> IngestResult:
    """Check, place and store a batch (decoded JSON items) in the caller's transaction.
    ``playbook``: the rules to score with (default: the active playbook)."""
    if len(items) > MAX_BATCH:
        raise ValidationFailed(
            f"a batch holds at most {MAX_BATCH} events, got {len(items)}: split it",
            fields={"body": f"at most {MAX_BATCH} items"},
        )
    result = IngestResult()
    valid: list[SignalItem] = []
    for index, raw in enumerate(items):
        checked = check_item(index, raw, now)
        if isinstance(checked, SignalItem):
            valid.append(checked)
        else:
            result.rejected.append(checked)
    session = uow.session
    directory = _directory(uow, valid)
    # Claims first: a signup earlier or later in the same batch serves its usage events.
    ordered = [i for i in valid if claims_workspace(i)] + [
        i for i in valid if not claims_workspace(i)
    ]
    attached: list[dict[str, Any]] = []
    pending: list[tuple[SignalItem, Placement]] = []
    for item in ordered:
        placed = place(item, directory)
        if isinstance(placed, Rejected):
            result.rejected.append(placed)
            continue
        if claims_workspace(item):
            assert item.workspace is not None
            directory.claims[item.workspace] = (
                placed.lead_id, placed.contact_id, placed.account_id, placed.email_key
            )  # fmt: skip
        if placed.is_pending and placed.email_key is not None:
            pending.append((item, placed))
        else:
            attached.append(_row(item, placed, now, origin, result))
    store.insert_signals(session, attached)
    if pending:
        keys = {p.email_key for _, p in pending if p.email_key is not None}
        if store.lock_emails(session, keys, shared=True):
            # Someone identified since the look-up above has committed by now (or waits for
            # this transaction before attaching its pending signals): look again.
            pending = _look_again(uow, pending, keys)
        later = [_row(item, placed, now, origin, result) for item, placed in pending]
        store.insert_signals(session, later)
        attached.extend(later)
    result.rejected.sort(key=lambda r: r.index)
    after_ingest(
        uow,
        lead_ids=result.lead_ids,
        account_ids=result.account_ids,
        now=now,
        rows=attached,
        playbook=playbook,
    )
    return result


def after_ingest(
    uow: UnitOfWork,
    *,
    lead_ids: set[int],
    account_ids: set[int],
    now: datetime,
    rows: Sequence[Mapping[str, Any]] = (),
    playbook: Playbook | None = None,
) -> None:
    """Hook called once per ingested batch, in its transaction, after its signals are stored:
    the leads and accounts that received signals, and the stored rows. Scoring plugs in here
    (behavioural points, MQL promotion, strong-signal alerts: ``scoring.batch``)."""
    if lead_ids:
        scoring.add_signals(uow, rows=rows, now=now, playbook=playbook)


def attach_pending(
    uow: UnitOfWork,
    *,
    email_key: str | None,
    lead_id: int | None = None,
    contact_id: int | None = None,
    account_id: int | None = None,
) -> int:
    """A person was identified (a new lead, or a contact): attach the signals kept for their
    e-mail. Call it in the transaction that creates the person; returns how many."""
    if not email_key:
        return 0
    store.lock_emails(uow.session, [email_key], shared=False)
    return store.attach_pending(
        uow.session, email_key, lead_id=lead_id, contact_id=contact_id, account_id=account_id
    )


def list_signals(
    uow: UnitOfWork,
    *,
    lead_id: int | None = None,
    contact_id: int | None = None,
    account_id: int | None = None,
    page: int = 1,
    page_size: int = 20,
    actor: Actor,
    playbook: Playbook,
) -> tuple[list[t.Signal], int]:
    """A page of one lead's, contact's or account's signals, newest first, if ``actor`` may
    read that record (else ``NotFound``, as if it did not exist)."""
    where: list[Any] = []
    for model, column, value in (
        (t.Lead, t.Signal.lead_id, lead_id),
        (t.Contact, t.Signal.contact_id, contact_id),
        (t.Account, t.Signal.account_id, account_id),
    ):
        if value is not None:
            row = uow.session.get(model, value)
            name = model.__tablename__
            if row is None:
                raise NotFound(f"{name} {value} not found", fields={"id": f"no such {name}"})
            access.check(uow, actor, playbook, name, row)
            where.append(column == value)
    return repo.list_page(
        uow.session,
        t.Signal,
        where=where,
        order=[t.Signal.occurred_at.desc()],
        page=page,
        page_size=page_size,
    )


def to_read(signal: t.Signal) -> dict[str, Any]:
    return {
        "id": signal.id,
        "type": signal.type,
        "occurred_at": signal.occurred_at,
        "received_at": signal.received_at,
        "lead_id": signal.lead_id,
        "contact_id": signal.contact_id,
        "account_id": signal.account_id,
        "email_key": signal.email_key,
        "workspace": signal.workspace,
        "origin": signal.origin,
        "properties": signal.properties,
    }


# --- helpers ------------------------------------------------------------------------------------


def _directory(uow: UnitOfWork, items: Iterable[SignalItem]) -> Directory:
    """Everything the batch's identifiers point to: a few IN queries, whatever its size."""
    session = uow.session
    lead_ids: set[int] = set()
    contact_ids: set[int] = set()
    keys: set[str] = set()
    workspaces: set[str] = set()
    for item in items:
        if item.lead_id is not None:
            lead_ids.add(item.lead_id)
        elif item.contact_id is not None:
            contact_ids.add(item.contact_id)
        elif item.email_key is not None:
            keys.add(item.email_key)
        elif item.workspace is not None:
            workspaces.add(item.workspace)
    claims = store.workspace_claims(session, workspaces) if workspaces else {}
    for lead_id, _, _, key in claims.values():
        if lead_id is not None:
            lead_ids.add(lead_id)
        elif key is not None:
            keys.add(key)
    open_leads = store.open_leads_by_email(session, keys) if keys else {}
    rest = keys - open_leads.keys()
    return Directory(
        leads=store.leads_by_id(session, lead_ids) if lead_ids else {},
        contacts=store.contacts_by_id(session, contact_ids) if contact_ids else {},
        open_leads=open_leads,
        contacts_by_email=store.contacts_by_email(session, rest) if rest else {},
        claims=claims,
    )


def _look_again(
    uow: UnitOfWork, pending: list[tuple[SignalItem, Placement]], keys: set[str]
) -> list[tuple[SignalItem, Placement]]:
    open_leads = store.open_leads_by_email(uow.session, keys)
    rest = keys - open_leads.keys()
    found = Directory(
        leads={},
        contacts={},
        open_leads=open_leads,
        contacts_by_email=store.contacts_by_email(uow.session, rest) if rest else {},
        claims={},
    )
    if not (found.open_leads or found.contacts_by_email):
        return pending
    return [(item, by_email(placed.email_key or "", found)) for item, placed in pending]


def _row(
    item: SignalItem, placed: Placement, now: datetime, origin: str, result: IngestResult
) -> dict[str, Any]:
    result.accepted += 1
    if placed.lead_id is not None:
        result.lead_ids.add(placed.lead_id)
    if placed.account_id is not None:
        result.account_ids.add(placed.account_id)
    if placed.is_pending:
        result.pending += 1
    return {
        "type": item.type,
        "occurred_at": item.occurred_at,
        "received_at": now,
        "lead_id": placed.lead_id,
        "contact_id": placed.contact_id,
        "account_id": placed.account_id,
        "email_key": placed.email_key or item.email_key,
        "workspace": item.workspace if claims_workspace(item) else None,
        "origin": origin,
        "properties": item.properties,
    }
