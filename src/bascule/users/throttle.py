"""How long failed sign-ins block the next attempt (pure).

Every key (an account, a client address) has a few free failures; after them each failure
blocks the key for twice as long as the previous one, up to a ceiling. An address gets more
free failures than an account because a whole office may share it. A key whose last failure
is old enough starts again from zero."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FREE_ACCOUNT_FAILURES = 5
FREE_ADDRESS_FAILURES = 20
LONGEST_BLOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Count:
    """A key's record: failures so far, the last one, and the end of its block (if any)."""

    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None


def free_failures(key: str) -> int:
    return FREE_ADDRESS_FAILURES if key.startswith("address:") else FREE_ACCOUNT_FAILURES


def is_blocked(count: Count | None, now: datetime) -> bool:
    return count is not None and count.blocked_until is not None and now < count.blocked_until


def block_for(failures: int, free: int) -> timedelta:
    """1 s after the first failure past the free ones, then 2 s, 4 s... at most LONGEST_BLOCK."""
    if failures <= free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - free - 1, 20)), LONGEST_BLOCK)


def after_failure(count: Count | None, key: str, now: datetime) -> Count:
    """The key's record once one more failure happened at ``now``."""
    recent = count is not None and now - count.last_failure_at < FORGET_AFTER
    failures = (count.failures if count is not None and recent else 0) + 1
    block = block_for(failures, free_failures(key))
    return Count(failures, now, now + block if block else None)
