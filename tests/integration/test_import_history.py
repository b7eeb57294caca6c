"""History imports (SPEC §16) on both databases: the Maven CRM pipeline against a plain count
of its CSV, generated messy lead histories against a plain-Python funnel, Salesforce and
HubSpot exports, owners, re-imports and undo."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bascule.analytics import reports
from bascule.imports import service as imports
from bascule.playbook import service as playbooks
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users.model import Actor

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
DATA = Path("/work/shared/data")
MAVEN = DATA / "maven_crm" / "sales_pipeline.csv"


def run(
    database: Database, actor: Actor, content: bytes, name: str = "file.csv", **options: object
):
    return imports.run(
        database,
        io.BytesIO(content),
        options=imports.ImportOptions(name, **options),  # type: ignore[arg-type]
        actor=actor,
        playbook=playbooks.active(database, max_age=0),
        now=NOW,
        chunk_rows=500,
    )[0]


def errors(database: Database, batch: t.ImportBatch) -> list[tuple[int, str | None, str, bool]]:
    with database.uow() as uow:
        return [
            (e.row_number, e.field, e.reason, e.rejected)
            for e in imports.first_errors(uow, batch.id, limit=10_000)
        ]


@pytest.mark.skipif(not MAVEN.exists(), reason="shared data not present")
def test_maven_pipeline_win_rate_by_owner_and_won_amount_by_month_match_the_csv(
    database, actor, count
):
    content = MAVEN.read_bytes()
    batch = run(
        database,
        actor,
        content,
        "sales_pipeline.csv",
        object="opportunities",
        create_owners=True,
        value_map={"stage": {"Engaging": "discovery"}},
    )
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert (batch.status, batch.rows_created, batch.rows_rejected) == ("done", len(rows), 0)
    assert count(t.Opportunity) == len(rows)
    assert count(t.User, t.User.import_id == batch.id) == len({r["sales_agent"] for r in rows})

    # plain count of the CSV
    won, lost = Counter[str](), Counter[str]()
    won_by_month: defaultdict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["deal_stage"] == "Won":
            won[r["sales_agent"]] += 1
            won_by_month[r["close_date"][:7]] += Decimal(r["close_value"])
        elif r["deal_stage"] == "Lost":
            lost[r["sales_agent"]] += 1
    playbook = playbooks.active(database, max_age=0)
    with database.uow() as uow:
        names = dict(uow.session.execute(select(t.User.id, t.User.name)).all())
        by_owner = reports.pipeline(
            uow,
            query=reports.Query(date(2016, 1, 1), date(2018, 12, 31), "owner", "en"),
            playbook=playbook,
        )
        by_month = reports.pipeline(
            uow,
            query=reports.Query(date(2016, 1, 1), date(2018, 12, 31), "month", "en"),
            playbook=playbook,
        )
    rates = {names[row["key"]]: row["win_rate"] for row in by_owner["rows"] if row["key"]}
    expected = {a: round(won[a] / (won[a] + lost[a]), 4) for a in won.keys() | lost.keys()}
    assert rates == expected
    amounts = {row["key"]: row["won_amount"] for row in by_month["rows"] if row["won_amount"]}
    assert amounts == {m: float(v) for m, v in won_by_month.items()}
    assert by_owner["total"]["won_count"] == sum(won.values())

    # the same file again updates every deal, duplicates none
    again = run(
        database,
        actor,
        content,
        "sales_pipeline.csv",
        object="opportunities",
        create_owners=True,
        value_map={"stage": {"Engaging": "discovery"}},
    )
    assert (again.rows_created, again.rows_updated) == (0, len(rows))
    assert count(t.Opportunity) == len(rows)


# --- generated messy lead history -------------------------------------------------------------

RANK = {
    "new": 0,
    "contacted": 1,
    "nurturing": 0,
    "mql": 2,
    "sql": 3,
    "converted": 4,
    "disqualified": 0,
}
# Foreign status words (Salesforce, HubSpot) and what they mean.
WORDS = {
    "Open - Not Contacted": "new",
    "Working - Contacted": "contacted",
    "Closed - Converted": "converted",
    "Closed - Not Converted": "disqualified",
    "marketingqualifiedlead": "mql",
    "Sales Qualified Lead": "sql",
    "Nurturing": "nurturing",
}
OWNERS = ["Alice Martin", "bruno.petit@bascule-crm.fr", "Chloé Durand"]


def _written(at: datetime, style: int) -> str:
    """One date in one of the styles exports use (wall-clock time of Europe/Paris)."""
    return [
        at.strftime("%Y-%m-%d %H:%M"),
        at.strftime("%d/%m/%Y %H:%M"),
        at.strftime("%d %b %Y")
        if at.hour == 0 and at.minute == 0
        else at.strftime("%Y-%m-%dT%H:%M:00"),
    ][style % 3]


def messy_history(n: int, seed: int = 13) -> tuple[bytes, list[dict[str, object]]]:
    """A CSV of `n` leads in time order with their past, and what each should become."""
    rng = random.Random(seed)
    header = [
        "Record ID",
        "First Name",
        "Last Name",
        "Email",
        "Phone",
        "Company",
        "Lead Status",
        "Create Date",
        "Became a Marketing Qualified Lead Date",
        "Became a Sales Qualified Lead Date",
        "Converted Date",
        "Disqualified Date",
        "Lead Owner",
        "Do Not Call",
    ]
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(header)
    truth = []
    start = datetime(2025, 1, 1, 8, 0)
    for i in range(n):
        created = start + timedelta(hours=7 * i + rng.randrange(5))
        if rng.random() < 0.2:
            created = created.replace(hour=0, minute=0)
        steps: dict[str, datetime] = {}
        at = created
        for status in ("mql", "sql", "converted"):
            if rng.random() < 0.5:
                break
            at += timedelta(days=rng.randrange(1, 20), hours=rng.randrange(10))
            steps[status] = at
        if not steps.get("converted") and rng.random() < 0.2:
            steps["disqualified"] = at + timedelta(days=3)
        word = rng.choice(list(WORDS))
        reached = max([0, RANK[WORDS[word]], *(RANK[s] for s in steps)])
        style = rng.randrange(3)
        email = f"p{i}@example.org" if rng.random() < 0.7 else ""
        phone = f"06 12 34 {i // 100 % 100:02d} {i % 100:02d}" if not email else ""
        dates = [
            _written(steps[s], style) if s in steps else ""
            for s in ("mql", "sql", "converted", "disqualified")
        ]
        owner = OWNERS[i % 3]
        w.writerow(
            [
                f"H{i}",
                f"P{i}",
                f"N{i}",
                email,
                phone,
                f"Co {i % 50}",
                word,
                _written(created, style),
                *dates,
                owner,
                "1" if i % 7 == 0 else "0",
            ]
        )
        truth.append(
            {
                "id": f"H{i}",
                "created": created,
                "reached": reached,
                "owner": owner,
                "status": WORDS[word],
                "steps": steps,
                "dnc": i % 7 == 0,
            }
        )
    return out.getvalue().encode(), truth


def _users(database: Database) -> dict[str, int]:
    from bascule.users import service as users

    ids = {}
    with database.uow(write=True) as uow:
        for owner, email in (
            ("Alice Martin", "alice.martin@bascule-crm.fr"),
            ("bruno.petit@bascule-crm.fr", "bruno.petit@bascule-crm.fr"),
            ("Chloé Durand", "chloe.durand@bascule-crm.fr"),
        ):
            name = owner if "@" not in owner else "Bruno Petit"
            user = users.create_user(uow, email=email, role="sales", now=NOW, name=name)
            ids[owner] = user.id
        uow.commit()
    return ids


def test_messy_history_counts_in_the_funnel_as_a_plain_computation_does(database, actor, count):
    owners = _users(database)
    content, truth = messy_history(240)
    batch = run(database, actor, content, "hubspot.csv")
    assert errors(database, batch) == []
    assert (batch.rows_created, batch.rows_rejected) == (240, 0)

    paris = ZoneInfo("Europe/Paris")
    with database.uow() as uow:
        leads = {lead.external_id: lead for lead in uow.session.scalars(select(t.Lead))}
        for row in truth:
            lead = leads[row["id"]]
            assert lead.created_at == row["created"].replace(tzinfo=paris).astimezone(UTC)
            assert lead.status == row["status"]
            assert lead.owner_id == owners[row["owner"]]
            assert lead.do_not_contact is row["dnc"]
        history = uow.session.scalars(select(t.LeadStatusHistory)).all()
        assert all(h.import_id == batch.id for h in history)

    # the funnel of the year, by owner, against the plain computation
    playbook = playbooks.active(database, max_age=0)
    start, end = date(2025, 1, 1), date(2025, 2, 28)
    with database.uow() as uow:
        funnel = reports.funnel(
            uow, query=reports.Query(start, end, "owner", "en"), playbook=playbook
        )
    expected: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for row in truth:
        created: datetime = row["created"]  # type: ignore[assignment]
        if not start <= created.date() <= end:
            continue
        c = expected[owners[row["owner"]]]  # type: ignore[index]
        c["leads"] += 1
        for name, rank in (("mql", 2), ("sql", 3), ("opportunities", 4)):
            c[name] += row["reached"] >= rank  # type: ignore[operator]
    got = {
        r["key"]: {k: r[k] for k in ("leads", "mql", "sql", "opportunities")}
        for r in funnel["rows"]
    }
    assert got == {
        k: {n: v[n] for n in ("leads", "mql", "sql", "opportunities")} for k, v in expected.items()
    }

    # imported again: the same leads, their history replaced, not doubled
    again = run(database, actor, content, "hubspot.csv")
    assert (again.rows_created, again.rows_updated) == (0, 240)
    assert count(t.LeadStatusHistory) == len(history)
    # undo of the re-import gives back the first import's rows; undo of the first removes all
    with database.uow(write=True) as uow:
        imports.undo(
            uow, import_id=again.id, actor=actor, playbook=playbook, now=NOW + timedelta(minutes=1)
        )
        uow.commit()
    assert count(t.LeadStatusHistory) == len(history)
    assert count(t.LeadStatusHistory, t.LeadStatusHistory.import_id == batch.id) == len(history)
    with database.uow(write=True) as uow:
        result = imports.undo(
            uow, import_id=batch.id, actor=actor, playbook=playbook, now=NOW + timedelta(minutes=2)
        )
        uow.commit()
    assert result["deleted"] == 240
    assert count(t.Lead) == count(t.LeadStatusHistory) == 0


def test_bad_values_are_refused_row_by_row_naming_the_field(database, actor, count):
    _users(database)
    content = (
        "Id;Last Name;Status;Created Date;MQL Date;Owner;Disqualification Reason\n"
        "A1;Ada;Open - Not Contacted;2025-03-01;;Alice Martin;\n"
        "A2;Bob;Pending Review;2025-03-01;;Alice Martin;\n"
        "A3;Cyd;Working - Contacted;31 Febtember 2025;;Alice Martin;\n"
        "A4;Dee;mql;2025-03-05;2025-03-01;Alice Martin;\n"
        "A5;Eve;Working - Contacted;2025-03-05;;Zoé Inconnue;\n"
        "A6;Fay;Closed - Not Converted;2025-03-05;;Alice Martin;Too small\n"
        ";;Working - Contacted;2025-03-05;;;\n"
    ).encode()
    batch = run(database, actor, content, "leads.csv")
    found = {(n, f, rejected) for n, f, _, rejected in errors(database, batch)}
    assert found == {
        (3, "status", True),
        (4, "created_at", True),
        (5, "mql_at", True),
        (6, "owner", True),
        (7, "disqualification_reason", False),
        (8, "row", True),
    }
    assert (batch.rows_created, batch.rows_rejected) == (2, 5)
    reasons = {n: r for n, _, r, _ in errors(database, batch)}
    assert "'Pending Review' is not a lead status" in reasons[3]
    assert "--create-owners" in reasons[6]

    # with create_owners, the unknown owner becomes an inactive sales user, found again later
    fixed = run(
        database,
        actor,
        content,
        "leads.csv",
        create_owners=True,
        value_map={"status": {"Pending Review": "contacted"}},
    )
    with database.uow() as uow:
        user = uow.session.scalars(select(t.User).where(t.User.import_id == fixed.id)).one()
        assert (user.name, user.role, user.is_active) == ("Zoé Inconnue", "sales", False)
    assert count(t.Lead, t.Lead.external_id == "A5") == 1
    assert count(t.Lead, t.Lead.external_id == "A2", t.Lead.status == "contacted") == 1


# --- real exports -----------------------------------------------------------------------------

SF = DATA / "salesforce" / "devorg_sample_earthfink1982"


@pytest.mark.skipif(not SF.exists(), reason="shared data not present")
def test_salesforce_opportunities_then_leads_link_each_converted_lead(database, actor, count):
    opportunities = run(
        database,
        actor,
        (SF / "Opportunity.csv").read_bytes(),
        "Opportunity.csv",
        object="opportunities",
    )
    assert (opportunities.status, opportunities.rows_rejected) == ("done", 0)
    # the sample org's deals were keyed in (2026) after they closed (2024): noted, kept
    assert {(f, rejected) for _, f, _, rejected in errors(database, opportunities)} <= {
        ("closed_at", False),
        ("lead_source", False),
    }
    leads = run(database, actor, (SF / "Lead.csv").read_bytes(), "Lead.csv")
    assert leads.rows_rejected == 0
    rows = list(csv.DictReader(io.StringIO((SF / "Lead.csv").read_text())))
    converted = [
        r for r in rows if r["Status"] == "Closed - Converted" and r["ConvertedOpportunityId"]
    ]
    with database.uow() as uow:
        found = {lead.external_id: lead for lead in uow.session.scalars(select(t.Lead))}
        for r in converted:
            lead = found[r["Id"]]
            assert lead.status == "converted"
            opp = uow.session.get(t.Opportunity, lead.opportunity_id)
            assert opp is not None and opp.external_id == r["ConvertedOpportunityId"]
            assert opp.lead_id == lead.id
        stages = {
            o.external_id: (o.stage, o.is_won) for o in uow.session.scalars(select(t.Opportunity))
        }
    sf = list(csv.DictReader(io.StringIO((SF / "Opportunity.csv").read_text())))
    assert {r["Id"]: r["IsWon"] == "TRUE" for r in sf} == {k: v[1] for k, v in stages.items()}


def test_hubspot_lifecycle_dates_become_history_rows(database, actor):
    content = (
        b"Record ID - Contact,First Name,Last Name,Email,Contact owner,Create Date,"
        b"Lifecycle Stage,Became a Marketing Qualified Lead Date,"
        b"Became a Sales Qualified Lead Date,Became a Customer Date\n"
        b"101,Ann,Lee,ann@acme.io,Bench User,2025-01-02 10:00,salesqualifiedlead,"
        b"2025-01-05 09:30,2025-01-09 16:00,\n"
    )
    batch = run(database, actor, content, "hubspot.csv", create_owners=True)
    assert (batch.rows_created, batch.rows_rejected) == (1, 0)
    with database.uow() as uow:
        history = [
            (h.from_status, h.to_status, h.changed_at, h.import_id)
            for h in uow.session.scalars(
                select(t.LeadStatusHistory).order_by(t.LeadStatusHistory.id)
            )
        ]
    paris = ZoneInfo("Europe/Paris")
    stamp = [datetime(2025, 1, 2, 10), datetime(2025, 1, 5, 9, 30), datetime(2025, 1, 9, 16)]
    at = [s.replace(tzinfo=paris).astimezone(UTC) for s in stamp]
    assert history == [
        (None, "new", at[0], batch.id),
        ("new", "mql", at[1], batch.id),
        ("mql", "sql", at[2], batch.id),
    ]
