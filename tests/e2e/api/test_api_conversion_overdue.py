"""Mandatory conversion through the API and the worker's tick (SPEC §4), on both databases.

A lead that becomes ready to convert gets a deadline (2 business days on the playbook's
calendar); the tick flags ``conversion_overdue`` past it and alerts the owner and the owner's
manager once; converting, disqualifying or no longer being ready stops the clock. The clock is
passed in (the API's ``clock`` dependency, the tick's ``now``): never the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select, update

from bascule import worker
from bascule.http import deps
from bascule.sla import followup
from bascule.storage import overdue as overdue_store
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users_service

# Written around a seller's own records: the driver calls as the sales user.
AS = "sales"

PARIS = ZoneInfo("Europe/Paris")
CHRISTMAS_EVE = datetime(2026, 12, 24, 10, tzinfo=PARIS)  # a Thursday
DUE = datetime(2026, 12, 29, 10, tzinfo=PARIS)  # 25th holiday, 26-27 weekend: Tuesday 10:00


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(app) -> Iterator[Clock]:
    """The API's clock, set by the test (``clock.now = ...``)."""
    fake = Clock(CHRISTMAS_EVE)
    app.dependency_overrides[deps.clock] = fake
    try:
        yield fake
    finally:
        app.dependency_overrides.pop(deps.clock, None)


@pytest.fixture
def manager(database: Database, users) -> int:
    """A sales manager, manager of the sales user (who owns the leads the tests make)."""
    with database.uow(write=True) as uow:
        boss = users_service.create_user(
            uow, email="direction.ventes@bascule-crm.fr", role="sales", name="Direction",
            now=datetime.now(UTC),
        )  # fmt: skip
        uow.session.execute(
            update(t.User).where(t.User.id == users["sales"].id).values(manager_id=boss.id)
        )
        uow.commit()
        return boss.id


def tick(database: Database, at: datetime) -> None:
    followup.conversion_tick(database, at.astimezone(UTC))


def lead_of(api, lead_id: int) -> dict[str, Any]:
    return api.ok(api.get(f"/leads/{lead_id}"))


def alerts(database: Database) -> list[tuple[int | None, str, int]]:
    with database.uow() as uow:
        rows = uow.session.scalars(
            select(t.Outbox).where(t.Outbox.kind == "conversion_overdue").order_by(t.Outbox.id)
        ).all()
        return [(r.recipient_user_id, r.payload["recipient"], r.payload["lead_id"]) for r in rows]


def count(database: Database, model: type[t.Base]) -> int:
    with database.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_ready_on_christmas_eve_is_overdue_only_after_two_business_days(
    api, database, clock, users, manager
):
    # Given a lead owned by the sales user, ready to convert on Thursday 24 December at 10:00
    lead = api.ready_lead()
    assert lead["owner_id"] == users["sales"].id
    assert lead["ready_since"] == "2026-12-24T09:00:00Z"
    assert lead["conversion_due_at"] == "2026-12-29T09:00:00Z"
    assert (lead["conversion_overdue"], lead["conversion_overdue_at"]) == (False, None)

    # When the worker ticks on Monday evening and just before Tuesday 10:00: not yet
    tick(database, datetime(2026, 12, 28, 18, tzinfo=PARIS))
    tick(database, DUE - timedelta(seconds=1))
    assert lead_of(api, lead["id"])["conversion_overdue"] is False
    assert alerts(database) == []

    # When it ticks at the deadline
    tick(database, DUE)

    # Then the lead is flagged, and the owner and the owner's manager are alerted
    found = lead_of(api, lead["id"])
    assert (found["conversion_overdue"], found["conversion_overdue_at"]) == (
        True,
        "2026-12-29T09:00:00Z",
    )
    assert alerts(database) == [
        (users["sales"].id, "owner", lead["id"]),
        (manager, "manager", lead["id"]),
    ]
    # with a trace in the lead's history (status unchanged) and in the audit trail
    last = api.ok(api.get(f"/leads/{lead['id']}/history"))[-1]
    assert (last["kind"], last["actor_rule"], last["from_status"], last["to_status"]) == (
        "conversion_overdue",
        "conversion_deadline",
        "new",
        "new",
    )
    assert last["reason"] == (
        "ready to convert since 2026-12-24T09:00:00+00:00, "
        "not converted by 2026-12-29T09:00:00+00:00"
    )
    with database.uow() as uow:
        actions = uow.session.scalars(
            select(t.AuditLog.action).where(
                t.AuditLog.entity_id == lead["id"], t.AuditLog.actor_rule == "conversion_deadline"
            )
        ).all()
    assert actions == ["conversion_overdue"]


def test_a_second_tick_does_nothing(api, database, clock, users, manager):
    lead = api.ready_lead()
    tick(database, DUE)
    before = (
        count(database, t.Outbox),
        count(database, t.AuditLog),
        count(database, t.LeadStatusHistory),
    )

    tick(database, DUE + timedelta(hours=1))
    tick(database, DUE + timedelta(days=30))

    after = (
        count(database, t.Outbox),
        count(database, t.AuditLog),
        count(database, t.LeadStatusHistory),
    )
    assert after == before
    assert len(alerts(database)) == 2
    assert lead_of(api, lead["id"])["conversion_overdue_at"] == "2026-12-29T09:00:00Z"


def test_converting_before_the_deadline_means_never_flagged(api, database, clock):
    lead = api.ready_lead()
    clock.now = datetime(2026, 12, 28, 11, tzinfo=PARIS)

    api.convert(lead["id"], api.convert_body())
    tick(database, DUE + timedelta(days=10))

    found = lead_of(api, lead["id"])
    assert found["status"] == "converted"
    assert (found["conversion_overdue"], found["ready_since"], found["conversion_due_at"]) == (
        False,
        None,
        None,
    )
    assert alerts(database) == []


def test_converting_an_overdue_lead_clears_the_flag(api, database, clock):
    lead = api.ready_lead()
    tick(database, DUE)
    clock.now = DUE + timedelta(hours=2)

    api.convert(lead["id"], api.convert_body())

    found = lead_of(api, lead["id"])
    assert (found["conversion_overdue"], found["conversion_overdue_at"]) == (False, None)


def test_a_lead_no_longer_ready_stops_the_clock_and_a_new_one_starts_when_ready_again(
    api, database, clock
):
    lead = api.ready_lead()
    tick(database, DUE)
    clock.now = datetime(2027, 1, 4, 9, tzinfo=PARIS)

    # When the need turns out not to be confirmed
    cooled = api.qualify(lead["id"], {"need": {"text": "À confirmer", "confirmed": False}})

    # Then nothing is due nor overdue any more
    assert cooled["ready_to_convert"] is False
    assert (cooled["ready_since"], cooled["conversion_due_at"], cooled["conversion_overdue"]) == (
        None,
        None,
        False,
    )

    # And ready again on Monday 4 January at 09:00: a new deadline, a new alert when it passes
    again = api.make_ready(lead["id"])
    assert (again["ready_since"], again["conversion_due_at"]) == (
        "2027-01-04T08:00:00Z",
        "2027-01-05T17:00:00Z",
    )
    tick(database, datetime(2027, 1, 5, 18, tzinfo=PARIS))
    assert [a[1] for a in alerts(database)] == ["owner", "owner"]


def test_a_lead_that_stays_ready_keeps_its_deadline(api, clock):
    lead = api.ready_lead()
    clock.now = datetime(2026, 12, 28, 15, tzinfo=PARIS)

    edited = api.qualify(lead["id"], {"authority": "influencer"})

    assert edited["ready_to_convert"] is True
    assert (edited["ready_since"], edited["conversion_due_at"]) == (
        "2026-12-24T09:00:00Z",
        "2026-12-29T09:00:00Z",
    )


def test_disqualifying_a_ready_lead_stops_the_clock(api, database, clock):
    lead = api.ready_lead()

    api.ok(api.post(f"/leads/{lead['id']}/status", {"status": "disqualified", "reason": "spam"}))
    tick(database, DUE + timedelta(days=1))

    found = lead_of(api, lead["id"])
    assert (found["conversion_due_at"], found["conversion_overdue"]) == (None, False)
    assert alerts(database) == []


def test_without_a_manager_of_their_own_the_teams_manager_is_alerted(api, database, clock, users):
    with database.uow(write=True) as uow:
        boss = users_service.create_user(
            uow, email="chef.equipe@bascule-crm.fr", role="sales", name="Chef", now=clock()
        )
        team = t.Team(name="Ventes Sud", manager_id=boss.id)
        uow.session.add(team)
        uow.session.flush()
        uow.session.execute(
            update(t.User).where(t.User.id == users["sales"].id).values(team_id=team.id)
        )
        uow.commit()
        boss_id = boss.id
    lead = api.ready_lead()

    tick(database, DUE)

    assert alerts(database) == [
        (users["sales"].id, "owner", lead["id"]),
        (boss_id, "manager", lead["id"]),
    ]


def test_the_tick_works_in_batches_and_flags_every_due_lead(api, database, clock, monkeypatch):
    monkeypatch.setattr(followup, "BATCH", 2)
    made = [api.ready_lead(email=f"lead{i}@acier-durand.fr")["id"] for i in range(5)]
    clock.now = DUE  # one more, ready later: not due yet
    later = api.ready_lead(email="plus.tard@acier-durand.fr")["id"]

    tick(database, DUE)

    page = api.ok(api.get("/leads?conversion_overdue=true&sort=id&page_size=50"))
    assert [lead["id"] for lead in page["items"]] == made
    assert page["total"] == 5
    assert lead_of(api, later)["conversion_overdue"] is False
    assert len(alerts(database)) == 5  # owners only: nobody manages the sales user here


def test_the_overdue_filter_lists_flagged_leads_in_three_queries_at_most(api, database, clock):
    overdue = api.ready_lead()["id"]
    tick(database, DUE)
    clock.now = DUE
    api.ready_lead(email="pas.encore@acier-durand.fr")
    api.create_lead(email="autre@acier-durand.fr")
    seen: list[str] = []

    def statement(conn, cursor, sql, *args) -> None:
        seen.append(sql)

    event.listen(database.engine, "before_cursor_execute", statement)
    try:
        flagged = api.ok(api.get("/leads?conversion_overdue=true"))
    finally:
        event.remove(database.engine, "before_cursor_execute", statement)
    waiting = api.ok(api.get("/leads?conversion_overdue=false"))

    assert [(i["id"], i["conversion_overdue"]) for i in flagged["items"]] == [(overdue, True)]
    assert flagged["total"] == 1
    assert waiting["total"] == 2
    # SPEC §15: at most 3 queries per list request (the caller's token, the page with its
    # total, the tags), transaction control aside
    queries = [sql for sql in seen if not sql.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    assert len(queries) <= 3, queries


def test_the_overdue_filter_refuses_what_is_not_a_boolean(api, clock):
    error = api.error(api.get("/leads?conversion_overdue=peut-etre"), 422, "validation_failed")
    assert "conversion_overdue" in error["fields"]


def test_the_due_leads_are_read_through_the_partial_index(database):
    """The tick's query, as sent, is served by ix_lead_conversion_due on both databases (only
    leads with a running clock are in it): the planner must see the index's conditions."""
    captured: list[tuple[str, Any]] = []

    def grab(conn, cursor, statement, parameters, *args) -> None:
        if "conversion_due_at <=" in statement:
            captured.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", grab)
    try:
        with database.uow(write=True) as uow:
            overdue_store.due_leads(uow.session, now=DUE.astimezone(UTC), limit=1000)
    finally:
        event.remove(database.engine, "before_cursor_execute", grab)
    statement, parameters = captured[0]
    with database.engine.connect() as conn:
        if database.is_sqlite:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            detail = " | ".join(str(row[-1]) for row in plan)
        else:
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            detail = " | ".join(row[0] for row in plan)
    assert "ix_lead_conversion_due" in detail, detail


def test_the_worker_runs_the_conversion_tick():
    assert (300, followup.conversion_tick) in worker.TICKS


def test_the_lead_page_shows_the_overdue_flag_and_the_failed_attempts(api, database, clock):
    from bascule.users import sessions
    from bascule.web.security import SESSION_COOKIE

    lead = api.ready_lead()
    tick(database, DUE)
    clock.now = DUE
    api.ok(
        api.post(
            f"/leads/{lead['id']}/activities",
            {"kind": "call", "direction": "out", "outcome": "voicemail"},
        ),
        201,
    )
    with database.uow(write=True) as uow:
        policy = sessions.SessionPolicy.of_hours(12, 72)
        session_id = sessions.start(
            uow, user_id=api.users["sales"].id, now=datetime.now(UTC), policy=policy
        )
        uow.commit()
    api.client.cookies.set(SESSION_COOKIE, session_id)
    try:
        english = api.client.get(f"/leads/{lead['id']}?lang=en")
        french = api.client.get(f"/leads/{lead['id']}?lang=fr")
    finally:
        api.client.cookies.clear()

    assert english.status_code == 200, english.text
    due = "Dec 29, 2026, 10:00\u202fAM (Europe/Paris)"
    assert f'Conversion due by</dt><dd class="conversion-due">{due}' in english.text
    assert '<strong class="conversion-overdue">Conversion overdue</strong>' in english.text
    assert 'Failed contact attempts in a row</dt><dd class="failed-attempts">1</dd>' in english.text
    assert "Conversion en retard" in french.text
