"""How long failed sign-ins block a key (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bascule.users import throttle
from bascule.users.throttle import Count

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def failures(key: str, times: int, every: timedelta = timedelta(seconds=0)) -> Count:
    count = None
    for step in range(times):
        count = throttle.after_failure(count, key, NOW + step * every)
    assert count is not None
    return count


def test_an_account_has_five_free_failures_then_blocks_double_each_time():
    assert failures("account:a@b.fr", 5).blocked_until is None
    blocks = [failures("account:a@b.fr", n).blocked_until for n in (6, 7, 8, 9)]
    assert blocks == [NOW + timedelta(seconds=s) for s in (1, 2, 4, 8)]


def test_an_address_has_twenty_free_failures():
    assert failures("address:192.0.2.1", 20).blocked_until is None
    assert failures("address:192.0.2.1", 21).blocked_until == NOW + timedelta(seconds=1)


def test_a_block_never_lasts_more_than_fifteen_minutes():
    assert failures("account:a@b.fr", 60).blocked_until == NOW + timedelta(minutes=15)


def test_a_key_whose_last_failure_is_an_hour_old_starts_again():
    old = Count(failures=40, last_failure_at=NOW - timedelta(hours=1), blocked_until=None)
    fresh = throttle.after_failure(old, "account:a@b.fr", NOW)
    assert (fresh.failures, fresh.blocked_until) == (1, None)


def test_blocked_only_until_the_end_of_the_block():
    count = failures("account:a@b.fr", 6)
    assert throttle.is_blocked(count, NOW + timedelta(milliseconds=999))
    assert not throttle.is_blocked(count, NOW + timedelta(seconds=1))
    assert not throttle.is_blocked(None, NOW)


@given(st.integers(min_value=0, max_value=500), st.sampled_from(["account:x", "address:y"]))
def test_blocks_never_shrink_as_failures_grow(n: int, key: str):
    free = throttle.free_failures(key)
    assert throttle.block_for(n + 1, free) >= throttle.block_for(n, free)
    assert throttle.block_for(n, free) <= throttle.LONGEST_BLOCK
