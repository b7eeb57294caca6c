"""A generated funnel history with known answers, for the report tests (SPEC §16).

``generate(seed)`` draws leads across months (and the March change to summer time), with
requalified and recycled leads, history gaps (a lead seen in sql with no mql row, a converted
lead with nothing in between), assignment rows that keep the status, and opportunities won,
lost (no_real_need among the reasons) or open, closing across months. ``write`` inserts them as
they are; the tests compute every measure again from the same rows in plain Python.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert

from bascule.storage import tables as t

START = datetime(2025, 12, 15, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
OWNERS = (1, 2, 3)
SOURCES = ("web_form", "trade_show", "referral", "demo_request")
CAMPAIGNS = ("salon-2026", "webinar", None)
SIZES = (None, 5, 30, 120, 800)
OPEN_STAGES = ("qualification", "discovery", "proposal", "negotiation")
PROBABILITY = {"qualification": 10, "discovery": 25, "proposal": 50, "negotiation": 75,
               "won": 100, "lost": 0}  # fmt: skip
REASONS = ("no_real_need", "no_real_need", "budget", "competitor", "timing")
TYPES = ("new_business", "upsell")


@dataclass
class Opp:
    id: int
    lead_id: int | None
    owner_id: int | None
    source: str
    type: str
    amount: int
    created_at: datetime
    expected_close_date: date
    stages: list[tuple[str | None, str, datetime]] = field(default_factory=list)
    loss_reason: str | None = None

    @property
    def stage(self) -> str:
        return self.stages[-1][1]

    @property
    def closed_at(self) -> datetime | None:
        return self.stages[-1][2] if self.stage in ("won", "lost") else None


@dataclass
class Lead:
    id: int
    owner_id: int | None
    source: str
    campaign: str | None
    employees: int | None
    created_at: datetime
    # (from, to, at): to == from for an assignment row.
    history: list[tuple[str | None, str, datetime]] = field(default_factory=list)
    opportunity_id: int | None = None

    @property
    def status(self) -> str:
        return self.history[-1][1] if self.history else "new"


@dataclass
class History:
    leads: list[Lead]
    opps: list[Opp]


def _walk(rng: random.Random, lead: Lead) -> None:
    at = lead.created_at
    status: str | None = None

    def go(to: str, *, record: bool = True) -> None:
        nonlocal at, status
        at += timedelta(hours=rng.randint(1, 400), minutes=rng.randint(0, 59))
        if record:
            lead.history.append((status, to, at))
        status = to

    gap = rng.random() < 0.1  # an imported lead with holes in its history
    lead.history.append((None, "new", at))
    status = "new"
    if rng.random() < 0.2:
        lead.history.append(("new", "new", at + timedelta(minutes=5)))  # assignment
    path = rng.choice(("stop", "contacted", "nurture", "mql", "mql_sql", "requalified",
                       "recycled", "convert", "convert", "convert"))  # fmt: skip
    if path == "stop":
        return
    go("contacted")
    if path == "contacted":
        return
    if path in ("nurture", "recycled"):
        go("nurturing")
        if path == "recycled":
            go("disqualified")
            go("nurturing")
            go("mql")
        return
    go("mql", record=not gap)
    if path == "mql":
        return
    go("sql")
    if path == "requalified":
        go("nurturing")
        go("mql")
        go("sql")
        if rng.random() < 0.5:
            go("disqualified")
        return
    if path == "mql_sql":
        return
    go("converted")


def generate(seed: int = 13, n: int = 240) -> History:
    rng = random.Random(seed)
    leads, opps = [], []
    for i in range(1, n + 1):
        created = START + timedelta(hours=rng.randint(0, 24 * 130), minutes=rng.randint(0, 59))
        lead = Lead(i, rng.choice((*OWNERS, None)), rng.choice(SOURCES), rng.choice(CAMPAIGNS),
                    rng.choice(SIZES), created)  # fmt: skip
        _walk(rng, lead)
        if rng.random() < 0.04 and lead.status == "converted":
            lead.history = [(None, "converted", lead.history[-1][2])]  # nothing before
        if lead.status == "converted":
            opp = _opportunity(rng, len(opps) + 1, lead)
            opps.append(opp)
            lead.opportunity_id = opp.id
        leads.append(lead)
    for _ in range(12):  # born of an RFP: no lead
        opps.append(_opportunity(rng, len(opps) + 1, None))
    return History(leads, opps)


def _opportunity(rng: random.Random, oid: int, lead: Lead | None) -> Opp:
    at = lead.history[-1][2] if lead else START + timedelta(days=rng.randint(0, 120))
    opp = Opp(oid, lead.id if lead else None, rng.choice((*OWNERS, None)),
              lead.source if lead else "rfp", rng.choice(TYPES), rng.randint(1, 90) * 1000,
              at, (at + timedelta(days=rng.randint(10, 120))).date())  # fmt: skip
    opp.stages.append((None, "qualification", at))
    for stage in OPEN_STAGES[1 : rng.randint(1, 4)]:
        at += timedelta(hours=rng.randint(2, 600))
        opp.stages.append((opp.stage, stage, at))
    end = rng.choice(("won", "lost", "lost", "open"))
    if end != "open":
        at += timedelta(hours=rng.randint(2, 900))
        opp.stages.append((opp.stage, end, at))
        opp.loss_reason = rng.choice(REASONS) if end == "lost" else None
    return opp


def write(engine: Engine, history: History) -> None:
    with engine.begin() as conn:
        conn.execute(insert(t.User), [
            {"id": i, "email": f"owner{i}@bascule-crm.fr", "name": f"Owner {i}", "role": "sales"}
            for i in OWNERS
        ])  # fmt: skip
        conn.execute(insert(t.Account), [{"id": 1, "name": "Acme", "name_key": "acme"}])
        conn.execute(insert(t.Lead), [
            {"id": d.id, "owner_id": d.owner_id, "source": d.source, "campaign": d.campaign,
             "employees": d.employees, "created_at": d.created_at, "status": d.status,
             "email": f"lead{d.id}@example.org"}
            for d in history.leads
        ])  # fmt: skip
        conn.execute(insert(t.LeadStatusHistory), [
            {"lead_id": d.id, "from_status": f, "to_status": to, "changed_at": at,
             "kind": "assignment" if f == to else "progress"}
            for d in history.leads for f, to, at in d.history
        ])  # fmt: skip
        if not history.opps:
            return
        conn.execute(insert(t.Opportunity), [
            {"id": o.id, "name": f"Projet {o.id}", "name_key": f"projet {o.id}", "account_id": 1,
             "amount": Decimal(o.amount), "expected_close_date": o.expected_close_date,
             "stage": o.stage, "probability": PROBABILITY[o.stage], "type": o.type,
             "lead_source": o.source, "lead_id": o.lead_id, "loss_reason": o.loss_reason,
             "owner_id": o.owner_id, "is_closed": o.closed_at is not None,
             "is_won": o.stage == "won", "closed_at": o.closed_at, "created_at": o.created_at}
            for o in history.opps
        ])  # fmt: skip
        conn.execute(insert(t.OpportunityStageHistory), [
            {"opportunity_id": o.id, "from_stage": f, "to_stage": to, "changed_at": at,
             "probability": PROBABILITY[to], "amount": Decimal(o.amount)}
            for o in history.opps for f, to, at in o.stages
        ])  # fmt: skip
        for d in history.leads:
            if d.opportunity_id:
                conn.execute(
                    t.Lead.__table__.update()
                    .where(t.Lead.id == d.id)
                    .values(opportunity_id=d.opportunity_id)
                )


def expected_rate(part: int, whole: int) -> float | None:
    """A report's rate as the test expects it: a fraction to 4 places, None over nothing."""
    return None if whole == 0 else round(part / whole, 4)
