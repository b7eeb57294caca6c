"""Whether the database takes writes (``GET /api/v1/health``): a row written in a transaction
that is rolled back, so a read-only database (a replica, a full or read-only file, PostgreSQL
in recovery or with ``default_transaction_read_only``) is told apart from a working one."""

from __future__ import annotations

import logging

from sqlalchemy import delete, insert
from sqlalchemy.exc import SQLAlchemyError

from bascule.storage import tables as t
from bascule.storage.db import utcnow
from bascule.storage.uow import Database

log = logging.getLogger("bascule.health")
_PROBE = "health:probe"


def check(database: Database) -> str | None:
    """None when a write goes through; else why not, in one line."""
    bucket = t.IntakeRateBucket
    try:
        with database.uow(write=True) as uow:
            uow.session.execute(delete(bucket).where(bucket.key == _PROBE))
            uow.session.execute(
                insert(bucket).values(key=_PROBE, tokens=0, refilled_at=utcnow(), allowed=False)
            )
            # Never committed: the UnitOfWork rolls back on leaving.
    except SQLAlchemyError as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
        log.warning("health: the database refuses writes: %s", reason)
        return reason
    return None
