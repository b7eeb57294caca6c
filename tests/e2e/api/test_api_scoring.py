"""Rule scores through the API (SPEC §8, §13.1 ``score``, ``score_explanation``), on both
databases: points on creation, from events, decay with time, caps, temperature, playbook off.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from bascule import worker
from bascule.config import Settings
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook, default_text
from bascule.scoring import batch as scoring
from bascule.signals import service as signals
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.worker import Worker

DIRECTOR_FR = {"job_title": "Directeur", "employees": 250, "country": "FR"}


def event(lead_id: int, kind: str = "page_view", days_ago: float = 0, **properties: Any):
    occurred = datetime.now(UTC) - timedelta(days=days_ago, seconds=1)
    return {"type": kind, "occurred_at": occurred.isoformat(), "lead_id": lead_id,
            "properties": properties}  # fmt: skip


def demo(lead_id: int, days_ago: float = 0) -> dict[str, Any]:
    return event(lead_id, "form_submit", days_ago, form_type="demo_request")


def send(api, items: list[dict[str, Any]]) -> None:
    result = api.ok(api.post("/events", items, as_="marketing"))
    assert result["rejected"] == [], result


def lead_of(api, lead_id: int) -> dict[str, Any]:
    return api.ok(api.get(f"/leads/{lead_id}"))


def entries(lead: dict[str, Any]) -> list[tuple[str, float]]:
    return [(e["reason"], e["points"]) for e in lead["score_explanation"]]


def test_a_new_lead_is_scored_on_what_it_is(api):
    lead = api.create_lead(**DIRECTOR_FR)

    assert lead["score"] == 22
    assert entries(lead) == [
        ("Niveau hiérarchique : directeur (Directeur)", 8),
        ("Taille de l'entreprise : 250 salariés", 10),
        ("Pays : FR", 4),
    ]
    # And the API shows reason and points only (the state kept with them stays inside)
    assert all(set(e) == {"reason", "points"} for e in lead["score_explanation"])


def test_a_demo_request_today_scores_46_and_the_same_30_days_old_counts_half(api):
    today = api.create_lead(**DIRECTOR_FR)
    month_old = api.create_lead(**DIRECTOR_FR, email="p.roux@acier-durand.fr", last_name="Roux")

    send(api, [demo(today["id"]), demo(month_old["id"], days_ago=30)])

    lead = lead_of(api, today["id"])
    assert lead["score"] == 46
    assert entries(lead)[-1] == ("Demande de démo", 24)
    assert sum(points for _, points in entries(lead)) == 46
    lead = lead_of(api, month_old["id"])
    assert lead["score"] == 34
    assert entries(lead)[-1] == ("Demande de démo", 12)
    assert sum(points for _, points in entries(lead)) == 34


def test_page_views_are_capped_and_add_up_across_batches(api):
    lead = api.create_lead()
    send(api, [event(lead["id"]) for _ in range(6)])
    assert lead_of(api, lead["id"])["score"] == 6

    send(api, [event(lead["id"]) for _ in range(9)])

    found = lead_of(api, lead["id"])
    assert found["score"] == 10
    assert entries(found) == [("Pages vues (plafond atteint)", 10)]


def test_pending_signals_count_once_their_person_becomes_a_lead(api):
    occurred = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    items = [
        {"type": "pricing_view", "occurred_at": occurred, "email": "ines@lumen.fr"},
        {"type": "pricing_view", "occurred_at": occurred, "email": "ines@lumen.fr"},
    ]
    assert api.ok(api.post("/events", items, as_="marketing"))["pending"] == 2

    lead = api.create_lead(email="ines@lumen.fr", **DIRECTOR_FR)

    assert lead["score"] == 22 + 12
    assert entries(lead)[-1] == ("Page tarifs consultée", 12)


def test_editing_a_lead_rescores_it(api):
    lead = api.create_lead(**DIRECTOR_FR)
    send(api, [demo(lead["id"])])

    found = api.ok(api.patch(f"/leads/{lead['id']}", {"job_title": "Directeur commercial"}))

    assert found["score"] == 46 + 6
    assert ("Fonction : commerciale (Directeur commercial)", 6) in entries(found)


def test_scores_decay_with_time_and_a_refresh_brings_them_up_to_date(api, database):
    lead = api.create_lead(**DIRECTOR_FR)
    send(api, [demo(lead["id"])])
    assert lead_of(api, lead["id"])["score"] == 46

    # When the worker refreshes scores 30 and then 60 days later
    for days, expected in ((30, 34), (60, 28)):
        with database.uow(write=True) as uow:
            later = datetime.now(UTC) + timedelta(days=days)
            outcome = scoring.refresh_decayed(uow, now=later)
            uow.commit()
        assert (outcome.scored, outcome.written, outcome.last_id) == (1, 1, None)
        assert lead_of(api, lead["id"])["score"] == expected

    # And a refresh where no point changed writes nothing
    with database.uow(write=True) as uow:
        outcome = scoring.refresh_decayed(uow, now=later + timedelta(minutes=1))
        uow.commit()
    assert (outcome.scored, outcome.written) == (1, 0)


def test_refresh_goes_page_by_page_and_leaves_closed_leads(api, database):
    made = [api.create_lead(email=f"l{i}@acier-durand.fr", **DIRECTOR_FR)["id"] for i in range(5)]
    send(api, [demo(lead_id) for lead_id in made])
    api.ok(api.post(f"/leads/{made[4]}/status", {"status": "disqualified",
                                                  "reason": "no_budget"}))  # fmt: skip

    later = datetime.now(UTC) + timedelta(days=30)
    pages = []
    after = 0
    while True:
        with database.uow(write=True) as uow:
            page = scoring.refresh_decayed(uow, now=later, limit=2, after_id=after)
            uow.commit()
        pages.append((page.looked_at, page.written))
        if page.last_id is None:
            break
        after = page.last_id

    assert pages == [(2, 2), (2, 2), (1, 0)]
    assert [lead_of(api, i)["score"] for i in made] == [34, 34, 34, 34, 46]


def test_reaching_a_band_warms_the_temperature_up_never_down(api, database):
    lead = api.create_lead(job_title="CEO", employees=500, country="FR", sector="software",
                           temperature="cold")  # fmt: skip
    assert lead["score"] == 36 and lead["temperature"] == "cold"

    send(api, [demo(lead["id"]), event(lead["id"], "pricing_view")])  # 36 + 24 + 6 = 66: warm
    assert lead_of(api, lead["id"])["temperature"] == "warm"
    send(api, [event(lead["id"], "pricing_view")])  # 72: hot
    assert (lead_of(api, lead["id"])["score"], lead_of(api, lead["id"])["temperature"]) == (
        72,
        "hot",
    )

    # And when the score decays, the temperature stays where it went (people cool it down)
    with database.uow(write=True) as uow:
        scoring.refresh_decayed(uow, now=datetime.now(UTC) + timedelta(days=90))
        uow.commit()
    assert lead_of(api, lead["id"])["temperature"] == "hot"
    with database.uow() as uow:
        audits = uow.session.scalars(
            select(t.AuditLog).where(t.AuditLog.action == "warm_up").order_by(t.AuditLog.id)
        ).all()
        assert [(a.actor_rule, a.changes["temperature"]) for a in audits] == [
            ("score_band", ["cold", "warm"]),
            ("score_band", ["warm", "hot"]),
        ]


def test_with_scoring_off_nothing_is_scored(api, database):
    with database.uow(write=True) as uow:
        text = default_text().replace("[scoring]\nenabled = true", "[scoring]\nenabled = false")
        playbooks.apply(uow, text=text, by=None, now=datetime.now(UTC))
        uow.commit()

    lead = api.create_lead(**DIRECTOR_FR)
    send(api, [demo(lead["id"]), event(lead["id"], "seat_limit_reached")])

    found = lead_of(api, lead["id"])
    assert (found["score"], found["score_explanation"], found["status"]) == (0, [], "new")
    with database.uow() as uow:
        assert uow.session.scalars(select(t.Outbox)).all() == []


def test_a_batch_is_scored_with_the_same_queries_whatever_its_number_of_leads(api, database):
    """Set-based: the statements of a scored batch do not grow with the leads it touches."""
    made = [api.create_lead(email=f"p{i}@acier-durand.fr", **DIRECTOR_FR)["id"] for i in range(60)]
    send(api, [event(i) for i in made])  # every lead has a state from now on

    def statements(lead_ids: list[int]) -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, *args) -> None:
            seen.append(statement)

        from sqlalchemy import event as sa_event

        sa_event.listen(database.engine, "before_cursor_execute", count)
        try:
            with database.uow(write=True) as uow:
                items = [event(i, "email_click") for i in lead_ids]
                signals.ingest(uow, items=items, now=datetime.now(UTC))
                uow.commit()
        finally:
            sa_event.remove(database.engine, "before_cursor_execute", count)
        return len(seen)

    few, many = statements(made[:3]), statements(made[3:])
    assert few == many
    assert many <= 6  # BEGIN, a look-up, the insert, lock and read the leads, the scores
    assert lead_of(api, made[-1])["score"] == 22 + 1 + 4


def test_two_batches_for_the_same_leads_at_once_both_count(api, database):
    from concurrent.futures import ThreadPoolExecutor

    made = [api.create_lead(email=f"c{i}@acier-durand.fr")["id"] for i in range(30)]
    send(api, [event(i) for i in made])

    def batch(kind: str) -> None:
        with database.uow(write=True) as uow:
            signals.ingest(uow, items=[event(i, kind) for i in made], now=datetime.now(UTC))
            uow.commit()

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(batch, ["email_click", "pricing_view"]))

    assert {lead_of(api, i)["score"] for i in made} == {1 + 4 + 6}


def test_leads_scored_elsewhere_are_scored_from_their_signals_at_their_next_signal(
    api, database: Database
):
    # Given a lead whose score was written by something else (the demo data, an import)
    lead = api.create_lead()
    send(api, [event(lead["id"], "content_download")])
    with database.uow(write=True) as uow:
        row = uow.session.get(t.Lead, lead["id"])
        assert row is not None
        row.score, row.score_explanation = (
            77,
            [{"reason": "Visite de la page tarifs", "points": 77}],
        )
        uow.commit()

    send(api, [event(lead["id"])])

    found = lead_of(api, lead["id"])
    assert entries(found) == [("Contenus téléchargés", 8), ("Pages vues", 1)]
    assert found["score"] == 9


def test_leads_written_in_bulk_are_scored_by_one_call(api, database):
    # Given signals kept for an e-mail nobody knows yet
    occurred = datetime.now(UTC).isoformat()
    items = [
        {"type": "form_submit", "occurred_at": occurred, "email": "b0@acier-durand.fr",
         "properties": {"form_type": "demo_request"}},
        {"type": "pricing_view", "occurred_at": occurred, "email": "b0@acier-durand.fr"},
    ]  # fmt: skip
    assert api.ok(api.post("/events", items, as_="marketing"))["pending"] == 2
    # And leads an import wrote in bulk, unscored, the first one taking those signals
    now = datetime.now(UTC)
    rows = [
        {"email": f"b{i}@acier-durand.fr", "email_key": f"b{i}@acier-durand.fr",
         "last_name": "Bulk", "source": "trade_show", "kind": "sales", "status": "new",
         "score": 0, "score_explanation": [], "search_text": "", "created_at": now,
         "updated_at": now, **DIRECTOR_FR}
        for i in range(3)
    ]  # fmt: skip
    with database.uow(write=True) as uow:
        uow.session.execute(insert(t.Lead), rows)
        ids = list(uow.session.scalars(select(t.Lead.id).order_by(t.Lead.id)))
        signals.attach_pending(uow, email_key="b0@acier-durand.fr", lead_id=ids[0])
        uow.commit()

    # When the import scores its chunk
    with database.uow(write=True) as uow:
        outcome = scoring.score_leads(
            uow, lead_ids=ids, now=datetime.now(UTC), playbook=default_playbook()
        )
        uow.commit()

    # Then every lead has its score, and the one past the threshold is an MQL
    assert (outcome.scored, outcome.written, outcome.promoted) == (3, 3, 1)
    assert [lead_of(api, i)["score"] for i in ids] == [22 + 24 + 6, 22, 22]
    assert [lead_of(api, i)["status"] for i in ids] == ["mql", "new", "new"]


def test_the_worker_decays_scores_on_its_own(api, database):
    # Given a lead scored today, and a worker running with its default ticks 30 days later
    lead = api.create_lead(**DIRECTOR_FR)
    send(api, [demo(lead["id"])])
    later = datetime.now(UTC) + timedelta(days=30)
    settings = Settings(database_url=database.url, playbook_cache_seconds=0)
    runner = Worker(database, settings, clock=lambda: later)

    # When it runs its ticks
    runner.run(once=True)

    # Then the decay tick is among them and the score lost what 30 days take
    assert (3600, scoring.decay_tick) in worker.TICKS
    assert lead_of(api, lead["id"])["score"] == 34
