"""The public forms' token buckets in PostgreSQL, shared by every API process (0008).

One statement takes a token: an upsert on the bucket's row that refills it for the time
elapsed on the database's clock (the processes' own clocks are not comparable), spends a
token when there is one, and says whether it did. PostgreSQL locks the row for the statement,
so two processes spending from one bucket take turns and the bucket never goes below zero.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

# Written with the old row's values only (ON CONFLICT ... SET reads "b" before the update), so
# the three columns are computed from one consistent refill.
_AVAILABLE = (
    "LEAST(CAST(:capacity AS float8), b.tokens + CAST(:per_second AS float8) * GREATEST(0, "
    "CAST(EXTRACT(EPOCH FROM (timezone('UTC', now()) - b.refilled_at)) AS float8)))"
)
_TAKE = text(
    f"""
    INSERT INTO intake_rate_bucket AS b (key, tokens, refilled_at, allowed)
    VALUES (:key, CAST(:capacity AS float8) - 1, timezone('UTC', now()), true)
    ON CONFLICT (key) DO UPDATE SET
        tokens = CASE WHEN {_AVAILABLE} >= 1 THEN {_AVAILABLE} - 1 ELSE {_AVAILABLE} END,
        refilled_at = timezone('UTC', now()),
        allowed = {_AVAILABLE} >= 1
    RETURNING tokens, allowed
    """
)
_FORGET_FULL = text(
    "DELETE FROM intake_rate_bucket "
    "WHERE refilled_at < timezone('UTC', now()) - make_interval(secs => :seconds)"
)


def take(engine: Engine, key: str, *, capacity: float, per_second: float) -> tuple[float, bool]:
    """Spend a token from ``key``'s bucket: (tokens left, whether one was spent). Runs in a
    transaction of its own (autocommit): the bucket is not part of the request's work and
    its row lock is held for one statement only."""
    params = {"key": key, "capacity": capacity, "per_second": per_second}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        tokens, allowed = conn.execute(_TAKE, params).one()
    return float(tokens), bool(allowed)


def forget_full(engine: Engine, *, older_than_seconds: float) -> int:
    """Delete the buckets untouched for that long: refilled to the brim, they remember
    nothing an absent row would not. Returns how many."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        result = conn.execute(_FORGET_FULL, {"seconds": older_than_seconds})
    return int(result.rowcount or 0)
