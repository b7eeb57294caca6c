"""``bascule demo`` fills the database with consistent, realistic data (SPEC §14)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bascule.demo.generate import DemoGenerator
from bascule.leads.model import LeadStatus, replay
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.service import authenticate

STATUSES = {s.value for s in LeadStatus}
PLAYBOOK = default_playbook()


@pytest.fixture
def demo(bascule):
    started = datetime.now(UTC)
    result = bascule("demo", "--leads", "200", "--seed", "2024")
    assert result.exit_code == 0, result.output
    return result, started


def test_demo_covers_every_status_stage_role_and_reason(demo, db: Engine, db_url: str):
    result, _ = demo
    with Session(db) as session:
        statuses = Counter(
            dict(session.execute(select(t.Lead.status, func.count()).group_by(t.Lead.status)).all())
        )
        stages = Counter(
            dict(
                session.execute(
                    select(t.Opportunity.stage, func.count()).group_by(t.Opportunity.stage)
                ).all()
            )
        )
        types = set(session.scalars(select(t.Opportunity.type).distinct()))
        losses = set(
            session.scalars(select(t.Opportunity.loss_reason).where(t.Opportunity.stage == "lost"))
        )
        kinds = set(session.scalars(select(t.LeadStatusHistory.kind).distinct()))
        disqualified = session.scalars(
            select(t.Lead.disqualification_reason).where(t.Lead.status == "disqualified")
        ).all()
        roles = Counter(session.scalars(select(t.User.role)))
        teams = session.scalars(select(t.Team)).all()
        customers = session.scalar(select(func.count()).where(t.Account.is_customer.is_(True)))
        with_bant = session.scalar(select(func.count()).where(t.Lead.qualification.is_not(None)))

    assert sum(statuses.values()) == 200
    assert set(statuses) == STATUSES and min(statuses.values()) > 0, statuses
    assert set(stages) == set(PLAYBOOK.stage_keys) and min(stages.values()) > 0, stages
    assert types == set(PLAYBOOK.type_keys)
    assert losses == set(PLAYBOOK.loss_reason_keys)  # no_real_need among them
    assert {
        "creation",
        "progress",
        "disqualification",
        "recycling",
        "requalification",
        "conversion",
    } <= kinds
    assert {r.split(":")[0] for r in disqualified} == set(PLAYBOOK.disqualification_reason_keys)
    assert roles == {
        "admin": 1,
        "sales_ops": 1,
        "marketing": 1,
        "sdr": 3,
        "sales": 3,
        "account_manager": 2,
    }
    assert teams and all(team.manager_id is not None for team in teams)
    assert customers > 0
    assert with_bant > 0
    # The summary is printed, and the admin's API token is the last line.
    assert "Demo data (seed 2024" in result.stdout
    token = result.stdout.strip().splitlines()[-1]
    database = Database(db_url)
    try:
        with database.uow() as uow:
            assert authenticate(uow, token).role == "admin"
    finally:
        database.dispose()


def test_demo_history_replays_to_the_current_state(demo, db: Engine):
    _, started = demo
    now = datetime.now(UTC)
    with Session(db) as session:
        leads = {lead.id: lead for lead in session.scalars(select(t.Lead))}
        history = defaultdict(list)
        for row in session.scalars(select(t.LeadStatusHistory).order_by(t.LeadStatusHistory.id)):
            history[row.lead_id].append(row)
        conversions = {c.lead_id: c for c in session.scalars(select(t.LeadConversion))}
        contacts = {c.id: c for c in session.scalars(select(t.Contact))}
        opportunities = {o.id: o for o in session.scalars(select(t.Opportunity))}
        accounts = {a.id: a for a in session.scalars(select(t.Account))}
        stages = defaultdict(list)
        for row in session.scalars(
            select(t.OpportunityStageHistory).order_by(t.OpportunityStageHistory.id)
        ):
            stages[row.opportunity_id].append(row)
        audited = set(
            session.scalars(select(t.AuditLog.entity_id).where(t.AuditLog.entity == "lead"))
        )
        latest_activity = session.scalar(select(func.max(t.Activity.occurred_at)))

    assert set(history) == set(leads)
    for lead_id, rows in history.items():
        lead = leads[lead_id]
        first = rows[0]
        assert (first.from_status, first.to_status, first.kind) == (None, "new", "creation")
        assert first.changed_at == lead.created_at
        moves = [(r.from_status, r.to_status) for r in rows[1:]]
        assert replay(LeadStatus.NEW, moves) == lead.status, lead_id
        times = [r.changed_at for r in rows]
        assert times == sorted(times) and times[-1] <= now
        # The worker's conversion-overdue flag leaves updated_at alone (nobody edited the lead).
        edits = [r.changed_at for r in rows if r.kind != "conversion_overdue"]
        assert lead.updated_at == edits[-1]
    assert audited == set(leads)  # every lead has its audit trail
    converted = {i for i, lead in leads.items() if lead.status == "converted"}
    assert set(conversions) == converted
    for lead_id in converted:
        lead, conversion = leads[lead_id], conversions[lead_id]
        assert (lead.account_id, lead.contact_id, lead.opportunity_id) == (
            conversion.account_id,
            conversion.contact_id,
            conversion.opportunity_id,
        )
        assert contacts[lead.contact_id].email_key == lead.email_key
        assert contacts[lead.contact_id].account_id == lead.account_id
        opportunity = opportunities[lead.opportunity_id]
        assert (opportunity.lead_id, opportunity.account_id, opportunity.lead_source) == (
            lead_id,
            lead.account_id,
            lead.source,
        )
        assert lead.converted_at == history[lead_id][-1].changed_at
    for opp_id, opportunity in opportunities.items():
        rows = stages[opp_id]
        assert rows[0].from_stage is None
        assert all(a.to_stage == b.from_stage for a, b in pairwise(rows))
        last = rows[-1]
        assert (last.to_stage, last.probability, last.amount) == (
            opportunity.stage,
            opportunity.probability,
            opportunity.amount,
        )
        assert opportunity.is_closed == (opportunity.stage in ("won", "lost"))
        assert (opportunity.loss_reason is not None) == (opportunity.stage == "lost")
        if opportunity.is_won:
            account = accounts[opportunity.account_id]
            assert account.is_customer
            assert account.customer_since <= opportunity.closed_at
    assert latest_activity <= now
    assert max(lead.created_at for lead in leads.values()) <= started


def test_demo_refuses_a_database_that_already_has_leads(demo, bascule, db: Engine, one_line_error):
    result = bascule("demo", "--leads", "50")

    assert "already holds 200 leads" in one_line_error(result)
    with Session(db) as session:
        assert session.scalar(select(func.count()).select_from(t.Lead)) == 200


def test_the_same_seed_gives_the_same_data():
    now = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)

    def leads(seed: int) -> list[tuple[str, str, str, datetime]]:
        generator = DemoGenerator(leads=120, seed=seed, now=now, playbook=PLAYBOOK)
        return [
            (lead.email, lead.company, lead.status, lead.updated_at)
            for batch in generator.batches()
            for lead in batch.leads
        ]

    assert leads(7) == leads(7)
    assert leads(7) != leads(8)
