"""``bascule demo`` writes SLA and conversion data the product itself could have written (SPEC
§4, §9), on SQLite and PostgreSQL: first-response clocks on the playbook's calendar and rules,
assignments in history, failed attempts from the activities, conversion deadlines, and the
reports that read them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bascule.leads.model import CLOSED_STATUSES, LeadStatus
from bascule.playbook.load import default_playbook
from bascule.sla import attempts, rules
from bascule.sla import conversion_overdue as overdue
from bascule.sla.calendar import BusinessCalendar
from bascule.sla.report import Outcome
from bascule.storage import tables as t
from bascule.storage.uow import Database

PLAYBOOK = default_playbook()
CALENDAR = BusinessCalendar.of(PLAYBOOK.calendar)
OUTCOMES = [o.value for o in Outcome]
LEADS = 150


@dataclass(frozen=True)
class Demo:
    started: datetime
    finished: datetime
    token: str  # the admin's


@pytest.fixture
def demo(bascule, database: Database) -> Demo:
    started = datetime.now(UTC)
    result = bascule("demo", "--leads", str(LEADS), "--seed", "2024")
    assert result.exit_code == 0, result.output
    return Demo(started, datetime.now(UTC), result.stdout.strip().splitlines()[-1])


@pytest.fixture
def client(app: FastAPI, demo: Demo) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Bearer {demo.token}"}) as test_client:
        yield test_client


def get(client: TestClient, path: str, **params: str) -> Any:
    response = client.get(f"/api/v1{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def whole_demo() -> dict[str, str]:
    """A period holding the demo's 18 months."""
    today = date.today()
    return {"from": (today - timedelta(days=600)).isoformat(), "to": today.isoformat()}


def test_the_sla_report_counts_the_demo_clocks(client: TestClient, db: Engine):
    report = get(client, "/reports/sla", group_by="rule,owner", **whole_demo())
    with Session(db) as session:
        clocks = session.scalars(select(t.SlaClock)).all()

    total = report["total"]
    assert report["rows"] and total["started"] == len(clocks) > 0
    for line in [*report["rows"], total]:
        assert line["started"] == sum(line[o] for o in OUTCOMES), line
    for figure in ["started", *OUTCOMES, "escalated"]:
        assert total[figure] == sum(line[figure] for line in report["rows"]), figure
    assert {line["rule"] for line in report["rows"]} <= {r.key for r in PLAYBOOK.sla.rules}
    assert all(line["owner_name"] for line in report["rows"])
    # Answered in time or late, still running (the latest requests), breached and escalated.
    assert total["answered_in_time"] > 0 and total["running"] > 0
    assert total["answered_late"] + total["breached_open"] + total["breached_stopped"] > 0
    assert total["escalated"] > 0
    assert total["compliance_percent"] is not None
    # The last 30 days (the report's default period, what a fresh `make run` shows).
    assert get(client, "/reports/sla")["total"]["started"] > 0


def test_every_clock_follows_the_playbook_rules_and_calendar(demo: Demo, db: Engine):
    started = demo.started
    with Session(db) as session:
        leads = {lead.id: lead for lead in session.scalars(select(t.Lead))}
        clocks = session.scalars(select(t.SlaClock).order_by(t.SlaClock.id)).all()
        activities = {a.id: a for a in session.scalars(select(t.Activity))}
        assignments = defaultdict(list)
        for row in session.scalars(
            select(t.LeadStatusHistory)
            .where(t.LeadStatusHistory.kind == "assignment")
            .order_by(t.LeadStatusHistory.id)
        ):
            assignments[row.lead_id].append(row)

    by_lead = defaultdict(list)
    for clock in clocks:
        by_lead[clock.lead_id].append(clock)
        lead = leads[clock.lead_id]
        assert clock.opportunity_id is None
        assert lead.owner_id is not None and clock.owner_id is not None
        rule = rules.rule_for(PLAYBOOK.sla, rules.Request(lead.form_type, lead.source, None))
        assert rule is not None and clock.rule == rule.key
        assert clock.due_at == CALENDAR.add(clock.started_at, rules.allowance(rule, CALENDAR))
        assert clock.started_at in [a.changed_at for a in assignments[lead.id]]
        if clock.stopped_by == "response":
            response = activities[clock.activity_id]
            assert response.lead_id == lead.id
            assert rules.is_response(response.kind, response.direction, PLAYBOOK.sla)
            assert response.occurred_at == min(
                a.occurred_at
                for a in activities.values()
                if a.lead_id == lead.id and rules.is_response(a.kind, a.direction, PLAYBOOK.sla)
            )  # the first outbound call, e-mail or meeting
            assert clock.stopped_at == max(response.occurred_at, clock.started_at)
            assert lead.first_response_at == clock.stopped_at
        else:
            assert clock.activity_id is None
            assert clock.stopped_by in (None, "reassigned", "closed")
        if clock.stopped_at is None and clock.due_at < started - timedelta(minutes=1):
            assert clock.breached_at is not None  # the worker's tick has seen it
        if clock.breached_at is not None:
            assert clock.due_at <= clock.breached_at < clock.due_at + timedelta(minutes=1)
            assert clock.stopped_at is None or clock.breached_at < clock.stopped_at
            assert clock.escalate_at == rules.escalation_at(
                clock.breached_at, PLAYBOOK.sla, CALENDAR
            )
        else:
            assert clock.escalate_at is None and clock.escalated_at is None
        if clock.escalated_at is not None:
            assert clock.escalate_at <= clock.escalated_at
            assert clock.stopped_at is None or clock.escalated_at < clock.stopped_at
    for lead_id, own in by_lead.items():
        # One clock at a time; the lead shows the latest one's deadline.
        for a, b in pairwise(own):
            assert a.stopped_at is not None and a.stopped_at <= b.started_at
        if own[-1].stopped_by != "reassigned":
            assert leads[lead_id].first_response_due_at == own[-1].due_at
    # Every lead an SLA rule covers got a clock when it was first assigned, unless it was
    # answered by then.
    for lead in leads.values():
        rule = rules.rule_for(PLAYBOOK.sla, rules.Request(lead.form_type, lead.source, None))
        if rule is None or not assignments[lead.id]:
            assert lead.id not in by_lead
            continue
        first = assignments[lead.id][0].changed_at
        answered_before = lead.first_response_at is not None and lead.first_response_at <= first
        assert (lead.id in by_lead) != answered_before, lead.id


def test_owners_are_in_the_history_and_the_audit_trail(demo: Demo, db: Engine):
    with Session(db) as session:
        leads = session.scalars(select(t.Lead)).all()
        rows = session.scalars(
            select(t.LeadStatusHistory)
            .where(t.LeadStatusHistory.kind == "assignment")
            .order_by(t.LeadStatusHistory.id)
        ).all()
        audit = defaultdict(list)
        for entry in session.scalars(
            select(t.AuditLog)
            .where(t.AuditLog.entity == "lead", t.AuditLog.action.in_(("create", "assign")))
            .order_by(t.AuditLog.at, t.AuditLog.id)
        ):
            audit[entry.entity_id].append(entry)

    assigned = defaultdict(list)
    for row in rows:
        assert row.from_status == row.to_status and row.reason
        assert row.actor_user_id is not None
        assigned[row.lead_id].append(row)
    for lead in leads:
        if lead.owner_id is None:
            assert lead.id not in assigned and lead.assigned_at is None
            continue
        own = assigned[lead.id]
        assert own[-1].changed_at == lead.assigned_at
        # The first owner is in the creation's audit row, every later one in an "assign" row.
        create, *changes = audit[lead.id]
        assert create.action == "create" and create.changes["owner_id"][1] is not None
        assert [c.at for c in changes] == [r.changed_at for r in own[1:]]
        owners = [create.changes["owner_id"][1]] + [c.changes["owner_id"][1] for c in changes]
        assert owners[-1] == lead.owner_id
        assert [c.changes["owner_id"][0] for c in changes] == owners[:-1]
    assert any(len(own) > 1 for own in assigned.values())  # handed to sales, or back


def test_failed_attempts_match_the_activities(demo: Demo, db: Engine):
    with Session(db) as session:
        leads = session.scalars(select(t.Lead)).all()
        history = defaultdict(list)
        for row in session.scalars(select(t.LeadStatusHistory).order_by(t.LeadStatusHistory.id)):
            history[row.lead_id].append(row)
        activities = defaultdict(list)
        for a in session.scalars(
            select(t.Activity)
            .where(t.Activity.lead_id.is_not(None))
            .order_by(t.Activity.occurred_at, t.Activity.id)
        ):
            activities[a.lead_id].append(a)

    handed_back = 0
    for lead in leads:
        rows = history[lead.id]
        count = 0
        for activity in activities[lead.id]:
            # The status the activity found (the changes it made itself come after it).
            before = [r for r in rows if r.changed_at < activity.occurred_at] or rows[:1]
            status = before[-1].to_status
            verdict = attempts.judge(
                count,
                kind=activity.kind,
                direction=activity.direction,
                outcome=activity.outcome,
                status=status,
                sla=PLAYBOOK.sla,
            )
            if verdict.to_nurturing:
                handed_back += 1
                assert any(
                    r.changed_at == activity.occurred_at
                    and r.to_status == "nurturing"
                    and r.actor_rule == attempts.RULE
                    and r.reason == verdict.reason
                    for r in rows
                ), lead.id
            count = verdict.failed_attempts
        assert lead.failed_attempts == count, lead.id
        rule_rows = [r for r in rows if r.actor_rule == attempts.RULE]
        assert all(r.reason == attempts.reason(PLAYBOOK.sla) for r in rule_rows)
    assert handed_back > 0
    assert any(lead.failed_attempts > 0 for lead in leads)


def test_ready_leads_have_their_conversion_deadline(demo: Demo, db: Engine):
    started = demo.started
    with Session(db) as session:
        leads = session.scalars(select(t.Lead)).all()
        flags = defaultdict(list)
        for row in session.scalars(
            select(t.LeadStatusHistory).where(t.LeadStatusHistory.kind == "conversion_overdue")
        ):
            flags[row.lead_id].append(row)

    for lead in leads:
        if not lead.ready_to_convert or LeadStatus(lead.status) in CLOSED_STATUSES:
            assert (lead.ready_since, lead.conversion_due_at) == (None, None)
            assert not lead.conversion_overdue and lead.id not in flags
            continue
        assert lead.ready_since is not None
        due = overdue.deadline(lead.ready_since, calendar=CALENDAR, conversion=PLAYBOOK.conversion)
        assert lead.conversion_due_at == due
        if lead.conversion_overdue:
            assert due <= lead.conversion_overdue_at <= demo.finished
            [flag] = flags[lead.id]
            assert flag.changed_at == lead.conversion_overdue_at
            assert flag.from_status == flag.to_status  # the status it had then, kept
            assert LeadStatus(flag.to_status) not in CLOSED_STATUSES
            assert flag.actor_rule == overdue.RULE and "ready to convert since" in flag.reason
        else:
            assert lead.conversion_overdue_at is None and lead.id not in flags
            assert due > started - timedelta(minutes=5)
    assert any(lead.conversion_overdue for lead in leads)


def test_the_requalification_report_has_the_demo_hand_backs(client: TestClient):
    report = get(client, "/reports/requalifications", group_by="owner", **whole_demo())

    assert report["rows"] and report["total"]["requalifications"] > 0
    assert report["total"]["requalifications"] == sum(
        line["requalifications"] for line in report["rows"]
    )
    assert report["total"]["reasons"]
