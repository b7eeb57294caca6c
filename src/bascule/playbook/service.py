"""The active playbook: stored versions in the database, cached briefly per process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from bascule.audit import service as audit
from bascule.playbook.load import default_playbook, default_text, parse
from bascule.playbook.schema import Playbook
from bascule.routing import check as routing_check
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork
from bascule.users.model import Actor

_lock = threading.Lock()
_cache: dict[str, tuple[float, int, Playbook]] = {}


def cached(database: Database, *, max_age: float = 5.0) -> Playbook | None:
    """The active playbook if read less than ``max_age`` seconds ago, else None (no I/O)."""
    entry = _cache.get(database.url)
    if entry is not None and time.monotonic() - entry[0] < max_age:
        return entry[2]
    return None


def active(database: Database, *, max_age: float = 5.0) -> Playbook:
    """The newest stored version (or the default). Re-read at most every ``max_age`` seconds,
    so a version applied by another process is picked up without a query per request."""
    now = time.monotonic()
    hit = cached(database, max_age=max_age)
    if hit is not None:
        return hit
    with database.uow() as uow:
        row = repo.latest_playbook(uow.session)
        playbook = parse(row.body) if row is not None else default_playbook()
        version = row.version if row is not None else 0
    with _lock:
        _cache[database.url] = (now, version, playbook)
    return playbook


def forget(database: Database) -> None:
    _cache.pop(database.url, None)


def active_text(uow: UnitOfWork) -> tuple[int, str]:
    row = repo.latest_playbook(uow.session)
    if row is None:
        return 0, default_text()
    return row.version, row.body


def check(text: str, *, uow: Callable[[], AbstractContextManager[UnitOfWork]]) -> Playbook:
    """What ``bascule playbook check`` and the admin's playbook page run: the document
    parsed and validated, and the teams and users its routing names looked up (``uow`` opens
    a read, only when the routing names any). ``PlaybookInvalid`` lists every problem."""
    playbook = parse(text)
    if routing_check.needs_database(playbook.routing):
        with uow() as reading:
            routing_check.ensure_known(reading, playbook.routing)
    return playbook


def apply(
    uow: UnitOfWork, *, text: str, by: str | None, now: datetime, reason: str | None = None
) -> t.PlaybookVersion:
    """Validate and store a new version; it becomes the active one. The teams and users its
    routing rules name must exist (and the users be active) in this database."""
    playbook = parse(text)
    routing_check.ensure_known(uow, playbook.routing)
    row = t.PlaybookVersion(
        version=repo.latest_playbook_version(uow.session) + 1,
        name=playbook.name,
        body=text,
        created_at=now,
        created_by=by,
    )
    uow.session.add(row)
    uow.session.flush()
    user = repo.user_by_email(uow.session, by) if by else None
    audit.record(
        uow,
        actor=Actor(user_id=user.id if user else None, rule=None if user else "cli", name=by or ""),
        entity="playbook",
        entity_id=row.version,
        action="apply",
        changes={"version": [row.version - 1 or None, row.version], "name": [None, row.name]},
        reason=reason,
        now=now,
    )
    forget(uow.database)
    return row


def history(uow: UnitOfWork) -> list[t.PlaybookVersion]:
    return repo.playbook_versions(uow.session)
