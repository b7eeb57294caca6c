"""The public forms' rate limit with more than one API process (issue 10).

On PostgreSQL every process spends from one bucket per form key and client, kept in
``intake_rate_bucket``: two apps, each with its own engine and pool as two processes have,
allow the rate once between them. SQLite runs a single API process and keeps the buckets in
its memory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bascule.app import create_app
from bascule.config import Settings
from bascule.intake import forms
from bascule.intake.ratelimit import RateLimiter, SharedRateLimiter, for_database
from bascule.playbook.load import default_playbook
from bascule.storage import rate_buckets
from bascule.storage import tables as t
from bascule.storage.uow import Database

BODY = {"first_name": "Inès", "last_name": "Faure", "company": "Faure Logistique"}
URL = "/api/v1/intake/content_download"


@pytest.fixture
def postgresql(database: Database) -> Database:
    if database.is_sqlite:
        pytest.skip("the shared bucket is PostgreSQL's; SQLite runs one API process")
    return database


@pytest.fixture
def second_process(database: Database) -> Iterator[Database]:
    """Another engine and pool on the same database, as a second API process has."""
    other = Database(database.url)
    try:
        yield other
    finally:
        other.dispose()


def _form_key(database: Database) -> str:
    with database.uow(write=True) as uow:
        _, key = forms.create(
            uow, form_type="content_download", label=None, playbook=default_playbook(),
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.commit()
    return key


def test_each_database_gets_its_limiter(database):
    limiter = for_database(database, 5)
    expected = RateLimiter if database.is_sqlite else SharedRateLimiter
    assert type(limiter) is expected


def test_two_processes_allow_the_rate_once_between_them(postgresql, second_process):
    key = _form_key(postgresql)
    settings = Settings(database_url=postgresql.url, intake_rate_limit_per_minute=3)
    first = TestClient(create_app(settings, postgresql))
    second = TestClient(create_app(settings, second_process))
    with first, second:
        answers = [
            (first if i % 2 == 0 else second).post(
                URL, json=BODY | {"email": f"ines{i}@faure.fr"}, headers={"X-Form-Key": key}
            )
            for i in range(6)
        ]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429, 429]
    # 3 a minute: a token comes back every 20 seconds, whichever process is asked
    assert {a.headers["Retry-After"] for a in answers[3:]} == {"20"}
    with postgresql.uow() as uow:
        assert len(uow.session.scalars(select(t.Lead.id)).all()) == 3


def test_concurrent_takes_from_two_processes_never_overspend(postgresql, second_process):
    limiters = [SharedRateLimiter(postgresql, 20), SharedRateLimiter(second_process, 20)]
    allowed: list[bool] = []
    lock = threading.Lock()

    def spend(limiter: SharedRateLimiter) -> None:
        for _ in range(10):
            wait = limiter.take("form|203.0.113.7", 0.0)
            with lock:
                allowed.append(wait == 0.0)

    threads = [threading.Thread(target=spend, args=(limiters[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 80 requests at once against a bucket of 20 (refilling one every 3 s): 20 get through,
    # one more at most if the refill ticked during the test
    assert len(allowed) == 80
    assert 20 <= sum(allowed) <= 21


def test_the_bucket_refills_on_the_database_clock(postgresql):
    limiter = SharedRateLimiter(postgresql, 6)  # one token every 10 seconds
    assert [limiter.take("k", 0.0) for _ in range(6)] == [0.0] * 6
    wait = limiter.take("k", 0.0)
    assert 9.0 < wait <= 10.0
    _age_bucket(postgresql, "k", seconds=25)  # two tokens and a half come back
    assert [limiter.take("k", 0.0) == 0.0 for _ in range(3)] == [True, True, False]


def test_full_buckets_are_forgotten_and_busy_ones_kept(postgresql):
    limiter = SharedRateLimiter(postgresql, 60)
    limiter.take("old", 0.0)
    limiter.take("recent", 0.0)
    _age_bucket(postgresql, "old", seconds=61)

    assert rate_buckets.forget_full(postgresql.engine, older_than_seconds=60) == 1
    with postgresql.uow() as uow:
        keys = uow.session.scalars(select(t.IntakeRateBucket.key)).all()
    assert keys == ["recent"]


def test_the_clean_up_runs_once_a_refill_period_in_a_process(postgresql):
    limiter = SharedRateLimiter(postgresql, 60)  # full again after 60 s
    limiter.take("old", 100.0)
    _age_bucket(postgresql, "old", seconds=120)
    limiter.take("other", 130.0)  # within the period: no clean-up yet
    assert _keys(postgresql) == ["old", "other"]
    limiter.take("other", 161.0)
    assert _keys(postgresql) == ["other"]


def _keys(database: Database) -> list[str]:
    with database.uow() as uow:
        return sorted(uow.session.scalars(select(t.IntakeRateBucket.key)).all())


def _age_bucket(database: Database, key: str, *, seconds: float) -> None:
    with database.uow(write=True) as uow:
        bucket = uow.session.get(t.IntakeRateBucket, key)
        assert bucket is not None
        uow.session.execute(
            update(t.IntakeRateBucket)
            .where(t.IntakeRateBucket.key == key)
            .values(refilled_at=bucket.refilled_at - timedelta(seconds=seconds))
        )
        uow.commit()
