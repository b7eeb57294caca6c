"""First-response SLAs through the API and the worker's tick (SPEC §7, §9), on SQLite and
PostgreSQL: the clock starts at assignment, the first outbound call, e-mail or meeting stops
it, a breach alerts the owner once and escalates to the manager after the playbook's delay.

The API's clock is the test's (``deps.clock`` overridden), the tick gets ``now`` passed in: the
real clock never decides anything here. Times are Paris times on the default calendar
(Mon-Fri 09:00-18:00, French holidays); 27 November 2026 is a Friday.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from bascule import worker
from bascule.config import Settings
from bascule.http import deps
from bascule.sla import tick as sla_tick
from bascule.storage import tables as t
from bascule.storage.uow import Database

PARIS = ZoneInfo("Europe/Paris")


def paris(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


class Clock:
    __test__ = False

    def __init__(self, now: datetime) -> None:
        self.now = now


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Clock]:
    """The API's ``now``: ``clock.now = ...`` moves it."""
    current = Clock(paris(11, 23, 10))
    app.dependency_overrides[deps.clock] = lambda: current.now
    yield current
    app.dependency_overrides.pop(deps.clock, None)


def expert_request(api, form_key, email: str = "ines.moreau@forges-est.fr", **extra: Any) -> int:
    """A "talk to an expert" form: a hot lead nobody owns yet."""
    body = {"email": email, "first_name": "Inès", "last_name": "Moreau",
            "company": "Forges de l'Est", "message": "Un appel svp"} | extra  # fmt: skip
    answer = api.ok(api.intake("contact_expert", body, key=form_key("contact_expert")), 201)
    return int(answer["lead_id"])


def assign(api, lead_id: int, owner_id: int | None) -> dict[str, Any]:
    return api.ok(api.patch(f"/leads/{lead_id}", {"owner_id": owner_id}))


def log(api, lead_id: int, kind: str, direction: str | None = None, **extra: Any) -> dict:
    body = {"kind": kind, "direction": direction, "summary": f"{kind} {direction}"} | extra
    return api.ok(api.post(f"/leads/{lead_id}/activities", body), 201)


def clocks(database: Database, **where: int) -> list[t.SlaClock]:
    with database.uow() as uow:
        query = select(t.SlaClock).filter_by(**where).order_by(t.SlaClock.id)
        found = list(uow.session.scalars(query))
        uow.session.expunge_all()  # plain values once the read ends
        return found


def alerts(database: Database, kind: str) -> list[t.Outbox]:
    with database.uow() as uow:
        query = select(t.Outbox).where(t.Outbox.kind == kind).order_by(t.Outbox.id)
        found = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return found


def tick(database: Database, now: datetime, **kwargs: Any) -> tuple[int, int, int]:
    done = sla_tick.run(database, now=now, **kwargs)
    return done.breached, done.escalated, done.not_escalated


def set_manager(database: Database, user_id: int, manager_id: int | None) -> None:
    with database.uow(write=True) as uow:
        uow.session.execute(
            update(t.User).where(t.User.id == user_id).values(manager_id=manager_id)
        )
        uow.commit()


# --- the clock ---------------------------------------------------------------------------------


def test_assignment_starts_the_clock_with_the_rules_deadline(api, database, form_key, users, clock):
    # Given a "talk to an expert" request on Friday at 17:30: nobody owns it, no clock yet
    clock.now = paris(11, 27, 17, 30)
    lead_id = expert_request(api, form_key)
    lead = api.ok(api.get(f"/leads/{lead_id}"))
    assert (lead["owner_id"], lead["first_response_due_at"], lead["sla_status"]) == (
        None, None, "none",
    )  # fmt: skip
    assert clocks(database) == []

    # When the SDR is given the lead at once
    lead = assign(api, lead_id, users["sdr"].id)

    # Then the 2 business hours run out on Monday at 10:30 (30 minutes Friday, 90 Monday)
    due = datetime.fromisoformat(lead["first_response_due_at"])
    assert due == paris(11, 30, 10, 30)
    assert lead["sla_status"] == "on_time"
    [running] = clocks(database, lead_id=lead_id)
    assert (running.rule, running.owner_id, running.stopped_at) == (
        "contact_expert", users["sdr"].id, None,
    )  # fmt: skip
    assert running.started_at == paris(11, 27, 17, 30) and running.due_at == due

    # And on Monday at 09:45 the lead is due soon, at 10:30 breached
    clock.now = paris(11, 30, 9, 45)
    assert api.ok(api.get(f"/leads/{lead_id}"))["sla_status"] == "due_soon"
    clock.now = paris(11, 30, 10, 30)
    assert api.ok(api.get(f"/leads/{lead_id}"))["sla_status"] == "breached"


def test_the_first_outbound_call_stops_the_clock_inbound_calls_and_notes_do_not(
    api, database, form_key, users, clock
):
    # Given an assigned request (Monday 10:00, due 12:00)
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)

    # When the person calls in, and the SDR writes a note and plans a task
    clock.now = paris(11, 23, 10, 20)
    log(api, lead_id, "call", "in", outcome="reached")
    log(api, lead_id, "note")
    log(api, lead_id, "task", "out")

    # Then the clock still runs
    [running] = clocks(database, lead_id=lead_id)
    assert running.stopped_at is None
    assert api.ok(api.get(f"/leads/{lead_id}"))["first_response_at"] is None

    # When the SDR calls back at 10:40, nobody answers
    clock.now = paris(11, 23, 10, 40)
    call = log(api, lead_id, "call", "out", outcome="no_answer")

    # Then that call is the first response: the clock stops, answered in time
    [stopped] = clocks(database, lead_id=lead_id)
    assert (stopped.stopped_by, stopped.activity_id) == ("response", call["id"])
    assert stopped.stopped_at == paris(11, 23, 10, 40)
    lead = api.ok(api.get(f"/leads/{lead_id}"))
    assert datetime.fromisoformat(lead["first_response_at"]) == paris(11, 23, 10, 40)
    assert lead["sla_status"] == "answered"

    # And a later e-mail changes nothing
    clock.now = paris(11, 23, 11)
    log(api, lead_id, "email", "out", outcome="sent")
    assert [(c.id, c.stopped_at) for c in clocks(database)] == [(stopped.id, stopped.stopped_at)]


def test_a_response_logged_later_counts_when_it_happened(api, database, form_key, users, clock):
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)
    clock.now = paris(11, 23, 13)  # logged after the 12:00 deadline...
    log(api, lead_id, "meeting", "out", occurred_at=paris(11, 23, 11, 30).isoformat())
    [stopped] = clocks(database, lead_id=lead_id)
    assert stopped.stopped_at == paris(11, 23, 11, 30)  # ...for a meeting held in time
    assert stopped.stopped_at <= stopped.due_at


def test_leads_without_an_sla_rule_or_an_owner_get_no_clock(api, database, users, clock):
    lead = api.create_lead(email="paul.roux@example.fr")  # by hand, owned by its creator
    assert lead["owner_id"] == users["admin"].id
    assert (lead["first_response_due_at"], lead["sla_status"]) == (None, "none")
    log(api, lead["id"], "call", "out", outcome="reached")
    assert clocks(database) == []
    assert api.ok(api.get(f"/leads/{lead['id']}"))["first_response_at"] is not None


# --- owners come and go ------------------------------------------------------------------------


def test_reassignment_gives_the_new_owner_a_full_deadline(api, database, form_key, users, clock):
    # Given a request assigned to the SDR at 10:00 (due 12:00)
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)

    # When it goes to a salesperson at 11:00
    clock.now = paris(11, 23, 11)
    lead = assign(api, lead_id, users["sales"].id)

    # Then the SDR's clock stops (reassigned) and the salesperson has until 13:00
    first, second = clocks(database, lead_id=lead_id)
    assert (first.owner_id, first.stopped_by, first.stopped_at) == (
        users["sdr"].id, "reassigned", paris(11, 23, 11),
    )  # fmt: skip
    assert (second.owner_id, second.started_at, second.due_at, second.stopped_at) == (
        users["sales"].id, paris(11, 23, 11), paris(11, 23, 13), None,
    )  # fmt: skip
    assert datetime.fromisoformat(lead["first_response_due_at"]) == paris(11, 23, 13)

    # And the same owner again changes nothing
    assign(api, lead_id, users["sales"].id)
    assert len(clocks(database, lead_id=lead_id)) == 2


def test_reassigning_a_late_lead_keeps_the_breach_on_the_first_owner(
    api, database, form_key, users, clock
):
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)
    assert tick(database, paris(11, 23, 12)) == (1, 0, 0)
    clock.now = paris(11, 23, 12, 30)
    assign(api, lead_id, users["sales"].id)
    late, fresh = clocks(database, lead_id=lead_id)
    assert late.breached_at == paris(11, 23, 12) and late.stopped_by == "reassigned"
    assert fresh.breached_at is None and fresh.due_at == paris(11, 23, 14, 30)
    # The SDR's escalation is off (the lead is not theirs any more); the new clock runs.
    assert tick(database, paris(11, 23, 14, 15)) == (0, 0, 0)


def test_taking_the_owner_away_stops_the_clock(api, database, form_key, users, clock):
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)
    clock.now = paris(11, 23, 10, 30)
    lead = assign(api, lead_id, None)
    [stopped] = clocks(database, lead_id=lead_id)
    assert (stopped.stopped_by, stopped.stopped_at) == ("unassigned", paris(11, 23, 10, 30))
    assert (lead["first_response_due_at"], lead["sla_status"]) == (None, "none")


def test_disqualifying_the_lead_stops_the_clock(api, database, form_key, users, clock):
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)
    clock.now = paris(11, 23, 11)
    body = {"status": "disqualified", "reason": "spam"}
    lead = api.ok(api.post(f"/leads/{lead_id}/status", body))
    [stopped] = clocks(database, lead_id=lead_id)
    assert (stopped.stopped_by, stopped.stopped_at) == ("closed", paris(11, 23, 11))
    assert lead["sla_status"] == "none"
    assert tick(database, paris(11, 23, 15)) == (0, 0, 0)


# --- a known lead asks again -------------------------------------------------------------------


def test_a_second_expert_request_after_an_answer_starts_a_new_clock(
    api, database, form_key, users, clock
):
    # Given a request answered on Monday
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)
    clock.now = paris(11, 23, 10, 30)
    log(api, lead_id, "call", "out", outcome="reached")

    # When the same person asks for an expert again on Wednesday at 16:30
    clock.now = paris(11, 25, 16, 30)
    assert expert_request(api, form_key) == lead_id

    # Then the owner owes them a call again by Thursday 09:30
    answered, again = clocks(database, lead_id=lead_id)
    assert answered.stopped_by == "response"
    assert (again.owner_id, again.started_at, again.due_at, again.stopped_at) == (
        users["sdr"].id, paris(11, 25, 16, 30), paris(11, 26, 9, 30), None,
    )  # fmt: skip
    lead = api.ok(api.get(f"/leads/{lead_id}"))
    assert (lead["first_response_at"], lead["sla_status"]) == (None, "on_time")


def test_a_sooner_request_replaces_the_running_clock_a_later_one_does_not(
    api, database, form_key, users, clock
):
    # Given a demo request assigned on Monday at 10:00: due Tuesday 10:00
    body = {"email": "ines.moreau@forges-est.fr", "last_name": "Moreau", "company": "Forges"}
    lead_id = api.ok(api.intake("demo_request", body, key=form_key("demo_request")), 201)["lead_id"]
    assign(api, lead_id, users["sdr"].id)
    [demo] = clocks(database, lead_id=lead_id)
    assert demo.due_at == paris(11, 24, 10)

    # When the person also asks for an expert at 11:00 (due 13:00), then a demo again
    clock.now = paris(11, 23, 11)
    expert_request(api, form_key)
    clock.now = paris(11, 23, 11, 30)
    api.ok(api.intake("demo_request", body, key=form_key("demo_request")), 201)

    # Then the expert's deadline stands: the sooner one
    first, second = clocks(database, lead_id=lead_id)
    assert (first.rule, first.stopped_by) == ("demo_request", "superseded")
    assert (second.rule, second.due_at, second.stopped_at) == (
        "contact_expert", paris(11, 23, 13), None,
    )  # fmt: skip


# --- the worker's tick -------------------------------------------------------------------------


def test_a_breach_alerts_the_owner_once_then_the_manager_after_the_delay(
    api, database, form_key, users, clock
):
    # Given an SDR whose manager is the admin, and a request assigned at 10:00 (due 12:00)
    set_manager(database, users["sdr"].id, users["admin"].id)
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)

    # When the tick runs before the deadline, nothing happens
    assert tick(database, paris(11, 23, 11, 59)) == (0, 0, 0)

    # When it runs at the deadline, the SDR is alerted, once
    assert tick(database, paris(11, 23, 12)) == (1, 0, 0)
    assert tick(database, paris(11, 23, 12, 1)) == (0, 0, 0)
    [breached] = alerts(database, "sla_breached")
    [running] = clocks(database, lead_id=lead_id)
    assert breached.recipient_user_id == users["sdr"].id
    assert breached.idempotency_key == f"sla_breached:clock:{running.id}"
    assert breached.payload == {
        "lead_id": lead_id,
        "clock_id": running.id,
        "rule": "contact_expert",
        "due_at": running.due_at.isoformat(),
    }
    assert running.breached_at == paris(11, 23, 12)
    assert running.escalate_at == paris(11, 23, 14)  # 2 business hours later

    # When nobody has called at 14:00, the manager is alerted, once
    assert tick(database, paris(11, 23, 13, 59)) == (0, 0, 0)
    assert tick(database, paris(11, 23, 14)) == (0, 1, 0)
    assert tick(database, paris(11, 23, 15)) == (0, 0, 0)
    [escalated] = alerts(database, "sla_escalated")
    assert escalated.recipient_user_id == users["admin"].id
    assert escalated.payload["owner_id"] == users["sdr"].id
    assert datetime.fromisoformat(escalated.payload["breached_at"]) == paris(11, 23, 12)
    assert len(alerts(database, "sla_breached")) == 1
    [done] = clocks(database, lead_id=lead_id)
    assert done.escalated_at == paris(11, 23, 14) and done.stopped_at is None


def test_a_response_before_the_escalation_calls_it_off(api, database, form_key, users, clock):
    set_manager(database, users["sdr"].id, users["admin"].id)
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)
    assert tick(database, paris(11, 23, 12)) == (1, 0, 0)
    clock.now = paris(11, 23, 13)
    log(api, lead_id, "email", "out", outcome="sent")
    assert tick(database, paris(11, 23, 16)) == (0, 0, 0)
    assert alerts(database, "sla_escalated") == []


def test_escalation_goes_to_the_teams_manager_or_to_nobody(api, database, form_key, users, clock):
    # Given two SDR leads: one owner in a team managed by the admin, one with no manager at all
    with database.uow(write=True) as uow:
        team = t.Team(name="Inside sales", manager_id=users["admin"].id)
        uow.session.add(team)
        uow.session.flush()
        uow.session.execute(
            update(t.User).where(t.User.id == users["sdr"].id).values(team_id=team.id)
        )
        uow.commit()
    in_team = expert_request(api, form_key, email="a@forges-est.fr")
    alone = expert_request(api, form_key, email="b@forges-est.fr")
    assign(api, in_team, users["sdr"].id)
    assign(api, alone, users["marketing"].id)

    # When both breach and their escalations fall due
    assert tick(database, paris(11, 23, 12)) == (2, 0, 0)
    assert tick(database, paris(11, 23, 14)) == (0, 1, 1)

    # Then the team's manager hears of the first; the second has nobody to go to
    [escalated] = alerts(database, "sla_escalated")
    assert (escalated.recipient_user_id, escalated.payload["lead_id"]) == (
        users["admin"].id, in_team,
    )  # fmt: skip
    [nobody] = clocks(database, lead_id=alone)
    assert (nobody.escalate_at, nobody.escalated_at) == (None, None)
    assert tick(database, paris(11, 23, 17)) == (0, 0, 0)


def test_the_worker_runs_the_tick_and_the_owner_sees_the_alert(
    api, database, form_key, users, clock
):
    # Given a request past its deadline
    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)
    settings = Settings(database_url=database.url, playbook_cache_seconds=0)

    # When the worker runs its ticks and delivers
    worker.Worker(database, settings, clock=lambda: paris(11, 23, 12, 5)).run(once=True)

    # Then the SLA tick is one of them, and the SDR has the alert in the app
    assert (60, sla_tick.tick) in worker.TICKS
    page = api.ok(api.get("/alerts", as_="sdr", params={"kind": "sla_breached"}))
    assert [(a["kind"], a["title"]) for a in page["items"]] == [
        ("sla_breached", f"SLA de premier contact dépassé : lead #{lead_id}")
    ]


def test_ticks_process_batches_and_two_at_once_alert_each_clock_once(api, database, users):
    # Given 45 leads whose clocks all ran out
    start = paris(11, 23, 9)
    with database.uow(write=True) as uow:
        for n in range(45):
            lead = t.Lead(
                last_name=f"Lead {n}", source="web_form", status="new", owner_id=users["sdr"].id,
                form_type="contact_expert", first_response_due_at=start + timedelta(hours=2),
            )  # fmt: skip
            uow.session.add(lead)
            uow.session.flush()
            due = start + timedelta(hours=2, minutes=n)
            clock = t.SlaClock(lead_id=lead.id, rule="contact_expert", owner_id=users["sdr"].id,
                               started_at=start, due_at=due)  # fmt: skip
            uow.session.add(clock)
        uow.commit()

    # When two ticks run at the same moment, in batches of 4
    results: list[tuple[int, int, int]] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        results.append(tick(database, paris(11, 23, 12), batch=4))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then each clock was stamped and alerted exactly once
    assert sum(r[0] for r in results) == 45
    assert len(alerts(database, "sla_breached")) == 45
    assert all(c.breached_at == paris(11, 23, 12) for c in clocks(database))
    assert tick(database, paris(11, 23, 12, 30), batch=4) == (0, 0, 0)


def test_a_turned_off_sla_alerts_nobody(api, database, form_key, users, clock):
    from bascule.playbook.load import default_playbook

    lead_id = expert_request(api, form_key)
    assign(api, lead_id, users["sdr"].id)
    off = default_playbook()
    off = off.model_copy(update={"sla": off.sla.model_copy(update={"enabled": False})})
    assert tick(database, paris(11, 23, 15), playbook=off) == (0, 0, 0)
    assert clocks(database, lead_id=lead_id)[0].breached_at is None


# --- an RFP's opportunity ----------------------------------------------------------------------


def rfp(api, form_key, project: str = "Refonte du CRM") -> dict[str, Any]:
    body = {
        "email": "achats@forges-est.fr", "last_name": "Durand", "company": "Forges de l'Est",
        "project": project, "budget": "180 k€", "expected_close_date": "2027-03-31",
    }  # fmt: skip
    return api.ok(api.intake("rfp", body, key=form_key("rfp")), 201)


def test_an_rfp_on_an_owned_account_gets_a_clock_on_its_opportunity(
    api, database, form_key, users, clock
):
    # Given an account owned by a salesperson, and its RFP on Monday at 10:00
    api.create_account(name="Forges de l'Est", domain="forges-est.fr", owner_id=users["sales"].id)
    made = rfp(api, form_key)
    opportunity_id = made["opportunity_id"]

    # Then the opportunity's owner owes a response within one business day
    [running] = clocks(database, opportunity_id=opportunity_id)
    assert (running.rule, running.owner_id, running.due_at, running.lead_id) == (
        "rfp", users["sales"].id, paris(11, 24, 10), None,
    )  # fmt: skip

    # When it goes to another seller at 11:00, that seller gets the full day
    clock.now = paris(11, 23, 11)
    api.ok(api.patch(f"/opportunities/{opportunity_id}", {"owner_id": users["sdr"].id}))
    first, second = clocks(database, opportunity_id=opportunity_id)
    assert first.stopped_by == "reassigned"
    assert (second.owner_id, second.due_at) == (users["sdr"].id, paris(11, 24, 11))

    # And a breach names the opportunity
    assert tick(database, paris(11, 24, 11)) == (1, 0, 0)
    [breached] = alerts(database, "sla_breached")
    assert breached.payload["opportunity_id"] == opportunity_id
    assert "lead_id" not in breached.payload

    # When the opportunity is lost, its clock stops
    clock.now = paris(11, 24, 12)
    api.move(opportunity_id, "lost", loss_reason="competitor")
    [_, stopped] = clocks(database, opportunity_id=opportunity_id)
    assert (stopped.stopped_by, stopped.stopped_at) == ("closed", paris(11, 24, 12))


def test_an_rfp_nobody_owns_has_no_clock(api, database, form_key, clock):
    made = rfp(api, form_key)
    assert clocks(database, opportunity_id=made["opportunity_id"]) == []
