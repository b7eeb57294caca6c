"""MQL promotion and strong signals through the API (SPEC §2, §8), on both databases.

Crossing the MQL threshold moves a lead in new, contacted or nurturing to ``mql`` (history actor:
the rule ``mql_threshold``) and writes a "mql_reached" alert for its owner in the same
transaction; never an SQL, converted or disqualified lead, and falling back never demotes.
Strong signals write one "opportunity_suggested" alert per lead, kind and day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bascule.playbook import service as playbooks
from bascule.playbook.load import default_text
from bascule.scoring import batch as scoring
from bascule.signals import service as signals
from bascule.storage import tables as t
from bascule.storage.uow import Database

# 10 (executive) + 6 (general management) + 10 (500 employees) + 4 (FR) = 30
CEO_FR = {"job_title": "CEO", "employees": 500, "country": "FR"}


def event(lead_id: int, kind: str = "page_view", hours_ago: float = 0, **properties: Any):
    occurred = datetime.now(UTC) - timedelta(hours=hours_ago, seconds=1)
    return {"type": kind, "occurred_at": occurred.isoformat(), "lead_id": lead_id,
            "properties": properties}  # fmt: skip


def demo(lead_id: int) -> dict[str, Any]:
    return event(lead_id, "form_submit", form_type="demo_request")


def send(api, items: list[dict[str, Any]]) -> None:
    result = api.ok(api.post("/events", items, as_="marketing"))
    assert result["rejected"] == [], result


def outbox(database: Database, kind: str) -> list[t.Outbox]:
    with database.uow() as uow:
        query = select(t.Outbox).where(t.Outbox.kind == kind).order_by(t.Outbox.id)
        found = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return found


def ingest(database: Database, items: list[dict[str, Any]], now: datetime) -> None:
    with database.uow(write=True) as uow:
        signals.ingest(uow, items=items, now=now)
        uow.commit()


# --- MQL -----------------------------------------------------------------------------------------


def test_crossing_the_threshold_makes_an_mql_with_the_rule_as_actor_and_alerts_the_owner(
    api, users, database
):
    # Given a lead owned by a salesperson, scored 30 on what it is
    lead = api.create_lead(**CEO_FR)
    assert (lead["score"], lead["status"], lead["owner_id"]) == (30, "new", users["admin"].id)

    # When a demo request takes it to 54
    send(api, [demo(lead["id"])])

    # Then it is an MQL, moved by the rule, and its owner is alerted (one alert)
    found = api.ok(api.get(f"/leads/{lead['id']}"))
    assert (found["score"], found["status"]) == (54, "mql")
    history = api.ok(api.get(f"/leads/{lead['id']}/history"))
    moves = [(h["from_status"], h["to_status"]) for h in history if h["kind"] != "assignment"]
    assert moves == [(None, "new"), ("new", "mql")]
    last = history[-1]
    assert (last["actor_rule"], last["actor_user_id"], last["kind"]) == (
        "mql_threshold",
        None,
        "progress",
    )
    assert last["reason"] == "score 54 reached the MQL threshold (50)"
    (alert,) = outbox(database, "mql_reached")
    assert (alert.recipient_user_id, alert.status) == (users["admin"].id, "pending")
    assert alert.payload == {"lead_id": lead["id"], "score": 54, "threshold": 50}
    with database.uow() as uow:
        audit = uow.session.scalars(
            select(t.AuditLog).where(t.AuditLog.action == "status:progress")
        ).one()
        assert (audit.entity_id, audit.actor_rule, audit.changes) == (
            lead["id"],
            "mql_threshold",
            {"status": ["new", "mql"]},
        )

    # And more signals above the threshold change nothing more
    send(api, [event(lead["id"], "pricing_view")])
    assert len(outbox(database, "mql_reached")) == 1
    assert len(api.ok(api.get(f"/leads/{lead['id']}/history"))) == 3  # with the assignment


@pytest.mark.parametrize(
    ("status", "reason", "promoted"),
    [
        ("contacted", None, True),
        ("nurturing", None, True),
        ("sql", None, False),
        ("disqualified", "no_budget", False),
    ],
)
def test_only_leads_in_new_contacted_or_nurturing_are_promoted(
    api, database, status, reason, promoted
):
    lead = api.create_lead(**CEO_FR)
    api.ok(api.post(f"/leads/{lead['id']}/status", {"status": status, "reason": reason}))

    send(api, [demo(lead["id"])])

    found = api.ok(api.get(f"/leads/{lead['id']}"))
    assert found["score"] == 54
    assert found["status"] == ("mql" if promoted else status)
    assert len(outbox(database, "mql_reached")) == (1 if promoted else 0)


def test_a_converted_lead_is_never_promoted_nor_suggested(api, database):
    lead = api.ready_lead(**CEO_FR)
    api.convert(lead["id"], api.convert_body())

    send(api, [demo(lead["id"]), event(lead["id"], "seat_limit_reached")])

    found = api.ok(api.get(f"/leads/{lead['id']}"))
    assert (found["status"], found["score"]) == ("converted", 30 + 24 + 16)
    assert outbox(database, "mql_reached") == []
    assert outbox(database, "opportunity_suggested") == []


def test_falling_back_below_the_threshold_never_demotes(api, database):
    lead = api.create_lead(**CEO_FR)
    send(api, [demo(lead["id"])])

    with database.uow(write=True) as uow:
        scoring.refresh_decayed(uow, now=datetime.now(UTC) + timedelta(days=60))
        uow.commit()

    found = api.ok(api.get(f"/leads/{lead['id']}"))
    assert (found["score"], found["status"]) == (36, "mql")


def test_a_lead_created_above_the_threshold_is_an_mql_from_the_start(api, database):
    occurred = datetime.now(UTC).isoformat()
    items = [
        {"type": "form_submit", "occurred_at": occurred, "email": "eve@lumen.fr",
         "properties": {"form_type": "rfp"}},
    ]  # fmt: skip
    api.ok(api.post("/events", items, as_="marketing"))

    lead = api.create_lead(email="eve@lumen.fr", **CEO_FR)

    assert (lead["score"], lead["status"]) == (60, "mql")
    assert len(outbox(database, "mql_reached")) == 1


# --- strong signals ------------------------------------------------------------------------------


def test_a_seat_limit_reached_suggests_an_opportunity_once_per_lead_and_day(api, users, database):
    lead = api.create_lead()
    now = datetime.now(UTC)

    ingest(database, [event(lead["id"], "seat_limit_reached")], now)
    ingest(database, [event(lead["id"], "seat_limit_reached")] * 2, now + timedelta(minutes=5))
    assert len(outbox(database, "opportunity_suggested")) == 1

    ingest(database, [event(lead["id"], "seat_limit_reached")], now + timedelta(days=1))

    alerts = outbox(database, "opportunity_suggested")
    assert len(alerts) == 2
    assert [a.payload for a in alerts] == [
        {"lead_id": lead["id"], "signal_type": "seat_limit_reached"}
    ] * 2
    assert {a.recipient_user_id for a in alerts} == {users["admin"].id}
    assert alerts[0].idempotency_key != alerts[1].idempotency_key


def test_old_strong_signals_raise_no_alert(api, database):
    lead = api.create_lead()
    send(api, [event(lead["id"], "seat_limit_reached", hours_ago=72)])
    assert api.ok(api.get(f"/leads/{lead['id']}"))["score"] == 15  # 16 points, 3 days old
    assert outbox(database, "opportunity_suggested") == []


def test_a_demo_request_sent_as_an_event_is_a_strong_signal(api, database):
    lead = api.create_lead()
    send(api, [demo(lead["id"])])
    (alert,) = outbox(database, "opportunity_suggested")
    assert alert.payload == {"lead_id": lead["id"], "form_type": "demo_request"}


def test_the_pricing_page_is_a_strong_signal_only_for_someone_on_a_trial(api, database):
    freemium = api.create_lead(email="a@pixelfarm.io", source="freemium_signup")
    visitor = api.create_lead(email="b@pixelfarm.io")
    claimed = api.create_lead(email="c@pixelfarm.io")
    # "claimed" signed up for a trial workspace (a signup signal naming it)
    signup = {"type": "form_submit", "occurred_at": datetime.now(UTC).isoformat(),
              "email": "c@pixelfarm.io", "properties": {"form_type": "freemium_signup",
                                                        "workspace": "pixelfarm"}}  # fmt: skip
    send(api, [signup])

    send(api, [event(i["id"], "pricing_view") for i in (freemium, visitor, claimed)])

    alerts = outbox(database, "opportunity_suggested")
    assert sorted(a.payload["lead_id"] for a in alerts) == [freemium["id"], claimed["id"]]
    assert {a.payload["signal_type"] for a in alerts} == {"pricing_view"}


def test_a_demo_form_raises_one_suggestion_and_scores_the_form(api, form_key, database):
    key = form_key("demo_request")
    body = {"email": "lea@logistique-vallee.fr", "company": "Logistique de la Vallée",
            "job_title": "Directrice commerciale", "employees": 180}  # fmt: skip

    first = api.ok(api.intake("demo_request", body, key=key), 201)
    api.ok(api.intake("demo_request", body | {"message": "relance"}, key=key), 201)

    lead = api.ok(api.get(f"/leads/{first['lead_id']}"))
    # 8 (director) + 6 (sales) + 6 (180 employees) + 24 (one demo request: capped)
    assert lead["score"] == 44
    assert lead["score_explanation"][-1] == {"reason": "Demande de démo (plafond atteint)",
                                             "points": 24}  # fmt: skip
    (alert,) = outbox(database, "opportunity_suggested")
    assert set(alert.payload) == {"lead_id", "form_type", "signal_id"}
    assert alert.payload["form_type"] == "demo_request"


def test_with_scoring_off_public_forms_keep_their_own_alert(api, form_key, database):
    with database.uow(write=True) as uow:
        text = default_text().replace("[scoring]\nenabled = true", "[scoring]\nenabled = false")
        playbooks.apply(uow, text=text, by=None, now=datetime.now(UTC))
        uow.commit()

    result = api.ok(
        api.intake("pricing_request", {"email": "x@lumen.fr"}, key=form_key("pricing_request")),
        201,
    )

    assert api.ok(api.get(f"/leads/{result['lead_id']}"))["score"] == 0
    (alert,) = outbox(database, "opportunity_suggested")
    assert alert.payload["form_type"] == "pricing_request"
