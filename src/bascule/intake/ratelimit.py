"""A token bucket per key (form key and client address), in the memory of one process.

``rate`` requests per minute on average, bursts of up to ``rate``. The time is passed in, so
the rule is tested without a clock. With several API processes each keeps its own buckets:
the limit a client meets is then up to ``rate`` × processes (see the README).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


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


def retry_after_seconds(wait: float) -> int:
    """The Retry-After header value: whole seconds, at least 1."""
    return max(1, math.ceil(wait))
