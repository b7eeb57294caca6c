"""Retention of unconverted leads (SPEC §11): a lead never converted, with no update, activity
or signal for ``[privacy] retention_days`` (three years by default), is anonymised as an
erasure would (its counts stay in the reports). ``bascule privacy retention --dry-run`` lists
them first; the worker's daily tick anonymises them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bascule.playbook import service as playbooks
from bascule.playbook.schema import Playbook
from bascule.privacy.erasure import anonymise
from bascule.privacy.model import retention_cutoff
from bascule.storage import privacy as store
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.model import Actor

ACTOR = Actor.for_rule("privacy.retention")
# Leads anonymised per transaction: a first run on an old database does not hold the write
# lock for minutes.
BATCH = 200


@dataclass(frozen=True)
class Stale:
    """A lead past its retention, as the dry run lists it."""

    lead_id: int
    status: str
    company: str | None
    created_at: datetime
    last_activity_at: datetime


def stale(
    uow: UnitOfWork, *, playbook: Playbook, now: datetime, limit: int | None = None
) -> list[Stale]:
    """The leads the next run would anonymise, oldest activity first."""
    before = retention_cutoff(now, playbook.privacy.retention_days)
    rows = store.stale_leads(uow.session, before, limit)
    return [Stale(r.id, r.status, r.company, r.created_at, r.last_at) for r in rows]


def run_batch(uow: UnitOfWork, *, playbook: Playbook, now: datetime) -> int:
    """Anonymise up to ``BATCH`` stale leads in the caller's transaction; how many."""
    ids = [s.lead_id for s in stale(uow, playbook=playbook, now=now, limit=BATCH)]
    for lead in store.leads_by_id(uow.session, ids):
        anonymise(
            uow, store.PersonRows(leads=[lead]), email_key=None,
            reason=f"no activity for {playbook.privacy.retention_days} days",
            actor=ACTOR, action="retention", now=now,
        )  # fmt: skip
    return len(ids)


def run(database: Database, *, playbook: Playbook, now: datetime) -> int:
    """Anonymise every stale lead, a batch per transaction; how many."""
    total = 0
    while True:
        with database.uow(write=True) as uow:
            done = run_batch(uow, playbook=playbook, now=now)
            uow.commit()
        total += done
        if done < BATCH:
            return total


def tick(database: Database, now: datetime) -> None:
    """The worker's daily run, under the active playbook."""
    run(database, playbook=playbooks.active(database, max_age=60), now=now)
