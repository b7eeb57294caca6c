"""``bascule worker``: delivers alerts from the outbox and runs the periodic ticks.

One loop per process:

- **fan-out** of due outbox rows in small batches (``bascule.alerts.delivery``): in-app
  delivery and one ``alert_delivery`` row per e-mail and webhook, committed together;
- **channel deliveries** run on a thread pool, ``concurrency`` at a time and at most
  ``per_endpoint`` at a time per webhook (and for the SMTP server), each bounded by the
  playbook's timeout: an endpoint that hangs holds a few slots for its timeout, never the rest;
- **ticks**: ``TICKS`` is a list of ``(interval_seconds, function(database, now))`` that
  other domains append to (SLA checks, score decay); they run on their own thread, and on
  PostgreSQL under an advisory lock so that one worker at a time runs each.

PostgreSQL: any number of workers (rows are claimed with ``FOR UPDATE SKIP LOCKED``); a
LISTEN on ``bascule_outbox`` wakes them as soon as an alert is committed. SQLite: exactly one
worker, enforced by an exclusive lock on ``<database file>.worker.lock`` (released by the
system when the process dies, even by SIGKILL); it polls every ``poll_seconds`` (a read
that takes no lock; the write transaction starts only when something is due).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from bascule.alerts import delivery
from bascule.alerts.delivery import Batch, Deliveries, Job
from bascule.alerts.rules import Result, Status
from bascule.config import Settings
from bascule.errors import WorkerAlreadyRunning
from bascule.playbook import service as playbooks
from bascule.playbook.schema import Playbook
from bascule.privacy import retention
from bascule.scoring import batch as scoring
from bascule.sla import followup
from bascule.sla import tick as sla_tick
from bascule.storage import alerts as store
from bascule.storage import locks
from bascule.storage.db import utcnow
from bascule.storage.notify import Listener
from bascule.storage.uow import Database
from bascule.users import sessions

log = logging.getLogger("bascule.worker")

TickFunction = Callable[[Database, datetime], None]
# Periodic jobs: (interval in seconds, function(database, now)). Append yours at import time of
# a module the worker imports, e.g. ``worker.register_tick(60, sla_tick.tick)``.
TICKS: list[tuple[float, TickFunction]] = []


def register_tick(interval_seconds: float, function: TickFunction) -> None:
    if interval_seconds <= 0:
        raise ValueError("a tick's interval is positive")
    TICKS.append((interval_seconds, function))


# Scores lose their behaviour points with time: hourly is finer than a point a day moves.
register_tick(3600, scoring.decay_tick)
# Conversion deadlines are counted in business days: a few minutes late is nothing.
register_tick(300, followup.conversion_tick)
# First-response deadlines are hours long: a breach is told within a minute of it.
register_tick(60, sla_tick.tick)
# Ended web sessions and forgotten sign-in failures: rows nobody reads, cleared hourly.
register_tick(3600, sessions.purge_tick)
# Retention of unconverted leads counts in days: once a day is on time.
register_tick(86_400, retention.tick)


# --- one worker on SQLite ---------------------------------------------------------------------


class SqliteWorkerLock:
    """An exclusive ``flock`` on a file next to the database."""

    def __init__(self, database: Database) -> None:
        name = database.engine.url.database
        self.path = Path(f"{name}.worker.lock") if name and name != ":memory:" else None
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        if self.path is None:
            return
        import fcntl

        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise WorkerAlreadyRunning(
                f"another bascule worker is already running on this SQLite database ({holder}; "
                f"lock file {self.path}). SQLite allows one worker: stop it first, or move to "
                "PostgreSQL to run several",
                fields={"worker": "already running"},
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {utcnow().isoformat(timespec='seconds')}")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


# --- the loop ---------------------------------------------------------------------------------


@dataclass
class Stats:
    fanned_out: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.fanned_out} alerts fanned out"]
        parts += [f"{n} {name}" for name, n in sorted(self.outcomes.items())]
        return ", ".join(parts)


class Worker:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        *,
        batch: int = 50,
        concurrency: int = 8,
        per_endpoint: int = 4,
        poll_seconds: float | None = None,
        ticks: list[tuple[float, TickFunction]] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if batch < 1 or concurrency < 1 or per_endpoint < 1:
            raise ValueError("batch, concurrency and per_endpoint are at least 1")
        self.database = database
        self.settings = settings
        self.batch = batch
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint
        self.poll = poll_seconds or (0.05 if database.is_sqlite else 1.0)
        self.ticks = list(TICKS if ticks is None else ticks)
        self.clock = clock
        self.deliveries = Deliveries(database, smtp_url=settings.smtp_url, locale=settings.locale)
        self.stats = Stats()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        # Deliveries being sent (id -> endpoint slot), and claimed ones not yet written back.
        self._sending: dict[int, tuple[str, str]] = {}
        self._unrecorded: set[int] = set()
        self._batches = 0

    def wake(self) -> None:
        self._wake.set()

    def playbook(self) -> Playbook:
        return playbooks.active(self.database, max_age=self.settings.playbook_cache_seconds)

    def run(self, stop: threading.Event | None = None, *, once: bool = False) -> Stats:
        """Deliver until ``stop`` is set; with ``once``, until nothing is due any more."""
        stop = stop or threading.Event()
        failures = 0
        with self._resources(stop, once=once) as pool:
            while not stop.is_set():
                self._wake.clear()
                try:
                    playbook = self.playbook()
                    fanned = self._fan_out(playbook, stop)
                    claimed = self._fill(pool, playbook, stop)
                    with self._lock:
                        idle = not self._sending and not self._batches
                    if once and idle and not fanned and not claimed and not self._due():
                        break
                    failures = 0
                except Exception:
                    if once:
                        raise
                    # The database is away (restart, network): keep the process, try again.
                    failures += 1
                    pause = min(0.5 * 2**failures, 30.0)
                    log.exception("worker loop failed; trying again in %.1f s", pause)
                    stop.wait(pause)
                    continue
                self._wake.wait(0.02 if once else self.poll)
        return self.stats

    @contextlib.contextmanager
    def _resources(self, stop: threading.Event, *, once: bool) -> Iterator[ThreadPoolExecutor]:
        lock = SqliteWorkerLock(self.database) if self.database.is_sqlite else None
        if lock is not None:
            lock.acquire()
        listener = None
        ticker = None
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="bascule-delivery")
        try:
            if not self.database.is_sqlite and not once:
                listener = Listener(
                    self.database.engine, [store.OUTBOX_CHANNEL], lambda _c, _p: self.wake()
                ).start()
            if once:
                self._run_ticks({}, force=True)
            elif self.ticks:
                ticker = threading.Thread(
                    target=self._tick_loop, args=(stop,), name="bascule-ticks", daemon=True
                )
                ticker.start()
            yield pool
        finally:
            stop.set()
            pool.shutdown(wait=True)  # in-flight deliveries finish within their timeout
            if ticker is not None:
                ticker.join(timeout=30)
            if listener is not None:
                listener.stop()
            if lock is not None:
                lock.release()

    def _due(self) -> bool:
        now = self.clock()
        with self.database.uow() as uow:
            return store.has_due_alerts(uow.session, now) or store.has_due_deliveries(
                uow.session, now
            )

    # --- fan-out ------------------------------------------------------------------------------

    def _fan_out(self, playbook: Playbook, stop: threading.Event) -> int:
        email_on = self.deliveries.smtp is not None
        total = 0
        with self.database.uow() as uow:  # a read first: no write lock taken for nothing
            if not store.has_due_alerts(uow.session, self.clock()):
                return 0
        while not stop.is_set():
            try:
                with self.database.uow(write=True) as uow:
                    count = delivery.fan_out(
                        uow, playbook=playbook, email_on=email_on, limit=self.batch,
                        now=self.clock(),
                    )  # fmt: skip
                    uow.commit()
            except Exception:
                log.exception("fan-out of a batch failed; retrying its alerts one by one")
                return total + self._fan_out_one_by_one(playbook, email_on)
            total += count
            self.stats.fanned_out += count
            if count < self.batch:
                break
        return total

    def _fan_out_one_by_one(self, playbook: Playbook, email_on: bool) -> int:
        now = self.clock()
        with self.database.uow() as uow:
            ids = [a.id for a in store.claim_pending_alerts(uow.session, now, self.batch)]
        done = 0
        for alert_id in ids:
            try:
                with self.database.uow(write=True) as uow:
                    alert = store.claim_alert(uow.session, alert_id)
                    if alert is not None:
                        delivery.fan_out_rows(
                            uow, [alert], playbook=playbook, email_on=email_on, now=now
                        )
                        uow.commit()
                        done += 1
            except Exception as exc:
                log.exception("fan-out of alert %s failed", alert_id)
                with self.database.uow(write=True) as uow:
                    delivery.fail_alert(
                        uow, alert_id, f"{type(exc).__name__}: {exc}", playbook=playbook, now=now
                    )
                    uow.commit()
        self.stats.fanned_out += done
        return done

    # --- channel deliveries -------------------------------------------------------------------

    def _fill(self, pool: ThreadPoolExecutor, playbook: Playbook, stop: threading.Event) -> int:
        """Claim due deliveries into the free slots; how many were started."""
        started = 0
        while not stop.is_set():
            with self._lock:
                free = self.concurrency - len(self._sending)
                exclude = set(self._unrecorded)
                slots = Counter(self._sending.values())
            if free <= 0:
                break
            full = {slot for slot, n in slots.items() if n >= self.per_endpoint}
            batch = self.deliveries.claim(
                self.clock(),
                free,
                exclude_ids=exclude,
                busy_targets={slot for slot in full if slot[0] == "webhook"},
                busy_channels={"email", "person_email"} if ("email", "") in full else set(),
            )
            if batch is None:
                break
            # Within each endpoint's share; the others wait for a later claim (on PostgreSQL
            # they stay locked by this batch until its outcomes are written).
            chosen = []
            for job in batch.jobs:
                if slots[job.slot] < self.per_endpoint:
                    slots[job.slot] += 1
                    chosen.append(job)
            batch.jobs = chosen
            if not chosen:
                self.deliveries.release(batch)
                break
            with self._lock:
                self._batches += 1
                for job in chosen:
                    self._sending[job.delivery_id] = job.slot
                    self._unrecorded.add(job.delivery_id)
            for job in chosen:
                pool.submit(self._run_job, batch, job, playbook)
            started += len(chosen)
        return started

    def _run_job(self, batch: Batch, job: Job, playbook: Playbook) -> None:
        try:
            job.result = self.deliveries.send(job, playbook)
        except Exception as exc:  # a bug in a channel must not kill the worker
            log.exception("delivery %s raised", job.delivery_id)
            job.result = Result(False, error=f"{type(exc).__name__}: {exc}"[:500])
        with self._lock:
            self._sending.pop(job.delivery_id, None)
            mine = batch.done and not batch.recording
            batch.recording = batch.recording or mine
        self._wake.set()
        if mine:
            self._record(batch, playbook)

    def _record(self, batch: Batch, playbook: Playbook) -> None:
        statuses: list[Status] = []
        try:
            statuses = self.deliveries.record(batch, playbook, self.clock())
        except Exception:
            log.exception("could not record a batch of deliveries; they will be sent again")
            self.deliveries.release(batch)
        with self._lock:
            self._batches -= 1
            for job in batch.jobs:
                self._unrecorded.discard(job.delivery_id)
            for status in statuses:
                self.stats.outcomes["failed" if status == Status.PENDING else status.value] += 1
        self._wake.set()

    # --- ticks --------------------------------------------------------------------------------

    def _tick_loop(self, stop: threading.Event) -> None:
        last: dict[int, float] = {}
        while not stop.is_set():
            self._run_ticks(last)
            stop.wait(0.5)

    def _run_ticks(self, last: dict[int, float], *, force: bool = False) -> None:
        for index, (interval, function) in enumerate(self.ticks):
            now = time.monotonic()
            if not force and now - last.get(index, float("-inf")) < interval:
                continue
            last[index] = now
            name = f"{function.__module__}.{function.__qualname__}"
            try:
                with locks.alone(self.database.engine, f"tick:{name}") as mine:
                    if mine:
                        function(self.database, self.clock())
            except Exception:
                log.exception("tick %s failed", name)
