"""The worker's hourly clean-up of web sessions and sign-in counters, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import sessions
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
POLICY = sessions.SessionPolicy.of_hours(12, 72)


def _keys(database: Database) -> tuple[int, list[str]]:
    with database.uow() as uow:
        left = len(uow.session.execute(select(t.WebSession.id)).all())
        keys = sorted(uow.session.execute(select(t.SignInThrottle.key)).scalars())
    return left, keys


def test_purge_drops_expired_sessions_and_quiet_counters_only(database: Database, actor: Actor):
    # Given one session signed in 80 h ago (past its 72 h life) and one signed in now
    with database.uow(write=True) as uow:
        sessions.start(
            uow, user_id=int(actor.user_id or 0), now=NOW - timedelta(hours=80), policy=POLICY
        )
        sessions.start(uow, user_id=int(actor.user_id or 0), now=NOW, policy=POLICY)
        # and three counters: quiet for two hours, failing a minute ago, blocked for longer
        for key, last, blocked in (
            ("account:quiet@x.fr", NOW - timedelta(hours=2), None),
            ("account:recent@x.fr", NOW - timedelta(minutes=1), None),
            ("address:10.0.0.9", NOW - timedelta(hours=2), NOW + timedelta(minutes=5)),
        ):
            uow.session.add(
                t.SignInThrottle(key=key, failures=6, last_failure_at=last, blocked_until=blocked)
            )
        uow.commit()

    # When the worker's tick runs
    sessions.purge_tick(database, NOW)

    # Then the live session and the counters still at work remain
    assert _keys(database) == (1, ["account:recent@x.fr", "address:10.0.0.9"])
