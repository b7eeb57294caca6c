"""A token bucket per key (form key and client address): ``rate`` requests per minute on
average, bursts of up to ``rate``.

``RateLimiter`` keeps its buckets in the memory of one process; the time is passed in, so the
rule is tested without a clock. On PostgreSQL the API may run as several processes, which
would each allow the full rate: ``SharedRateLimiter`` keeps the buckets in the database
instead, one row per key, on the database's clock. ``for_database`` picks the one that fits
(SQLite runs a single API process: the in-process limiter).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Protocol

from bascule.storage import rate_buckets
from bascule.storage.uow import Database


class Limiter(Protocol):
    def take(self, key: str, now: float) -> float:
        """Spend one token: 0.0 when allowed, else the seconds to wait before retrying."""
        ...


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, per_minute: int, *, max_keys: int = 100_000) -> None:
        if per_minute < 1:
            raise ValueError("a rate limit allows at least one request per minute")
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float) -> float:
        """Spend one token: 0.0 when allowed, else the seconds to wait before retrying."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= self.max_keys:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.refill_per_second)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.refill_per_second

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (they hold no memory worth keeping); if every
        bucket is busy, drop the oldest half so memory stays bounded."""
        full_after = self.capacity / self.refill_per_second
        for key in [k for k, b in self._buckets.items() if now - b.at >= full_after]:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            oldest = sorted(self._buckets, key=lambda k: self._buckets[k].at)
            for key in oldest[: len(oldest) // 2]:
                del self._buckets[key]


class SharedRateLimiter:
    """The same buckets, held in the database's ``intake_rate_bucket`` table, so that every
    API process spends from one bucket per key. ``now`` (this process's monotonic clock) only
    paces the clean-up of full buckets; the refill runs on the database's clock."""

    def __init__(self, database: Database, per_minute: int) -> None:
        if per_minute < 1:
            raise ValueError("a rate limit allows at least one request per minute")
        self.engine = database.engine
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        # A bucket untouched for this long is full again: its row can go.
        self.full_after = self.capacity / self.refill_per_second
        self._next_clean_up: float | None = None
        self._lock = threading.Lock()

    def take(self, key: str, now: float) -> float:
        self._clean_up(now)
        tokens, allowed = rate_buckets.take(
            self.engine, key, capacity=self.capacity, per_second=self.refill_per_second
        )
        if allowed:
            return 0.0
        return (1.0 - tokens) / self.refill_per_second

    def _clean_up(self, now: float) -> None:
        """At most once per refill period in each process, and never on the first request:
        the table holds the keys seen within a minute or so, whatever the traffic."""
        with self._lock:
            due = self._next_clean_up
            if due is not None and now < due:
                return
            self._next_clean_up = now + self.full_after
        if due is not None:
            rate_buckets.forget_full(self.engine, older_than_seconds=self.full_after)


def for_database(database: Database, per_minute: int) -> Limiter:
    """The limiter for this database: shared on PostgreSQL, in-process on SQLite."""
    if database.is_sqlite:
        return RateLimiter(per_minute)
    return SharedRateLimiter(database, per_minute)


def retry_after_seconds(wait: float) -> int:
    """The Retry-After header value: whole seconds, at least 1."""
    return max(1, math.ceil(wait))
