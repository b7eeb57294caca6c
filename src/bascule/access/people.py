"""Where everyone stands (each user's team and manager, each team's manager), kept per process
for a few seconds: every list or report read by someone who does not read everything needs it,
and reading it at each request was one more statement and round trip per request, the most of
what record access cost a list (SPEC §18, issue 12: at most 10 % over no access).

Bound on staleness: a write to a user or a team through this process (any INSERT, UPDATE or
DELETE of ``user`` or ``team``, ORM or not) drops the snapshot at once, and again when its
transaction commits; a change made by another process (another API worker, the CLI) reaches
this one's lists and checks within ``MAX_AGE_SECONDS``, as a playbook change reaches it within
``playbook_cache_seconds``."""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from weakref import WeakSet

from sqlalchemy import Engine, event

from bascule.storage import access as store
from bascule.storage.uow import UnitOfWork

MAX_AGE_SECONDS = 5.0
# A write to ``user`` or ``team`` (PostgreSQL quotes ``user``, SQLite does not).
_WRITES = re.compile(r'\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(user|team)"?[\s(]', re.I)
_FLAG = "bascule.access.people_written"

Snapshot = tuple[store.People, dict[int, int | None]]
# Per database (its URL): (generation it was read in, when, the rows).
_snapshots: dict[str, tuple[int, float, Snapshot]] = {}
_generation: dict[str, int] = {}
_lock = threading.Lock()
_watched: WeakSet[Engine] = WeakSet()


def people(uow: UnitOfWork) -> Snapshot:
    """Every user's ``(id, team_id, manager_id)`` and each team's manager
    (``storage.access.people``), read at most every ``MAX_AGE_SECONDS`` by this process."""
    engine = uow.database.engine
    _watch(engine)
    key = str(engine.url)
    now = time.monotonic()
    with _lock:
        generation = _generation.get(key, 0)
        found = _snapshots.get(key)
    if found is not None and found[0] == generation and now - found[1] <= MAX_AGE_SECONDS:
        return found[2]
    rows = store.people(uow.session)
    with _lock:
        # Kept only if nothing was written meanwhile (else the next reader reads again).
        if _generation.get(key, 0) == generation:
            _snapshots[key] = (generation, now, rows)
    return rows


def forget(engine: Engine) -> None:
    key = str(engine.url)
    with _lock:
        _generation[key] = _generation.get(key, 0) + 1
        _snapshots.pop(key, None)


def _watch(engine: Engine) -> None:
    if engine in _watched:
        return
    _watched.add(engine)

    def executed(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if _WRITES.match(statement):
            conn.info[_FLAG] = True
            forget(engine)

    def committed(conn: Any) -> None:
        if conn.info.pop(_FLAG, False):
            forget(engine)

    def rolled_back(conn: Any) -> None:
        conn.info.pop(_FLAG, None)

    event.listen(engine, "after_cursor_execute", executed)
    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
