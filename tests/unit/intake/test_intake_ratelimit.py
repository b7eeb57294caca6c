"""The token bucket behind the public forms' rate limit (time passed in, no clock)."""

from __future__ import annotations

import pytest

from bascule.intake.ratelimit import RateLimiter, retry_after_seconds


def test_a_burst_of_the_rate_passes_then_the_next_request_waits():
    limiter = RateLimiter(60)
    assert [limiter.take("key|1.2.3.4", 100.0) for _ in range(60)] == [0.0] * 60
    wait = limiter.take("key|1.2.3.4", 100.0)
    assert wait == pytest.approx(1.0)
    assert retry_after_seconds(wait) == 1


def test_tokens_come_back_with_time():
    limiter = RateLimiter(6)  # one every 10 seconds
    for _ in range(6):
        limiter.take("k", 0.0)
    assert limiter.take("k", 5.0) == pytest.approx(5.0)
    assert limiter.take("k", 10.0) == 0.0
    assert limiter.take("k", 10.0) == pytest.approx(10.0)
    # a long pause refills the bucket to its size, not beyond
    assert [limiter.take("k", 1000.0) for _ in range(7)][-2:] == [0.0, pytest.approx(10.0)]


def test_keys_have_their_own_buckets():
    limiter = RateLimiter(2)
    assert [limiter.take("form-a|1.1.1.1", 0.0) for _ in range(3)][2] > 0
    assert limiter.take("form-a|2.2.2.2", 0.0) == 0.0
    assert limiter.take("form-b|1.1.1.1", 0.0) == 0.0


def test_memory_stays_bounded_whatever_the_number_of_clients():
    limiter = RateLimiter(60, max_keys=100)
    for i in range(1000):
        limiter.take(f"k|{i}", float(i))
    assert len(limiter._buckets) <= 100


def test_retry_after_is_whole_seconds_and_never_zero():
    assert [retry_after_seconds(w) for w in (0.01, 1.0, 1.2, 59.9)] == [1, 1, 2, 60]
    with pytest.raises(ValueError):
        RateLimiter(0)
