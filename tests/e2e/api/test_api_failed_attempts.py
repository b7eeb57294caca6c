"""Failed contact attempts through the API (SPEC §9), on both databases: consecutive failed
outbound attempts (no_answer, voicemail, bounced) send the lead back to nurturing at the
playbook's count (default 3), in the activity's transaction, with the rule as actor and the
reason in the history; a reached contact resets the count, inbound activities and notes do not
count."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bascule.playbook import service as playbooks
from bascule.playbook.load import default_text
from bascule.storage import tables as t
from bascule.storage.uow import Database

REASON = "3 failed contact attempts (no_answer, voicemail, bounced)"


def attempt(api, lead_id: int, outcome: str | None, kind: str = "call", direction: str = "out"):
    body: dict[str, Any] = {"kind": kind, "direction": direction, "summary": "relance"}
    if outcome is not None:
        body["outcome"] = outcome
    api.ok(api.post(f"/leads/{lead_id}/activities", body), 201)
    return api.ok(api.get(f"/leads/{lead_id}"))


def history(api, lead_id: int) -> list[dict[str, Any]]:
    """The status moves (assignments are history rows too, with the status unchanged)."""
    rows = api.ok(api.get(f"/leads/{lead_id}/history"))
    return [h for h in rows if h["from_status"] != h["to_status"]]


def test_three_failed_attempts_send_the_lead_to_nurturing(api, database):
    # Given a new lead
    lead = api.create_lead()

    # When three calls and e-mails fail one after the other
    first = attempt(api, lead["id"], "no_answer")
    second = attempt(api, lead["id"], "voicemail", kind="email")
    third = attempt(api, lead["id"], "bounced", kind="email")

    # Then the count shows 1 then 2 (the first attempt made the lead contacted) ...
    assert (first["status"], first["failed_attempts"]) == ("contacted", 1)
    assert (second["status"], second["failed_attempts"]) == ("contacted", 2)
    # ... and the third sends it to nurturing, the rule as actor, the reason written, count reset
    assert (third["status"], third["failed_attempts"]) == ("nurturing", 0)
    rows = history(api, lead["id"])
    assert [(h["from_status"], h["to_status"]) for h in rows] == [
        (None, "new"),
        ("new", "contacted"),
        ("contacted", "nurturing"),
    ]
    last = rows[-1]
    assert (last["actor_rule"], last["actor_user_id"], last["reason"]) == (
        "failed_attempts",
        None,
        REASON,
    )
    with database.uow() as uow:
        audit = uow.session.scalars(
            select(t.AuditLog).where(
                t.AuditLog.entity_id == lead["id"], t.AuditLog.actor_rule == "failed_attempts"
            )
        ).all()
        assert [(a.action, a.reason) for a in audit] == [("status:progress", REASON)]


def test_two_failed_then_one_reached_do_not(api):
    lead = api.create_lead()

    attempt(api, lead["id"], "no_answer")
    attempt(api, lead["id"], "voicemail")
    reached = attempt(api, lead["id"], "reached")

    assert (reached["status"], reached["failed_attempts"]) == ("contacted", 0)
    assert [h["to_status"] for h in history(api, lead["id"])] == ["new", "contacted"]
    # A new series starts from zero: two more failures are not three
    attempt(api, lead["id"], "no_answer")
    again = attempt(api, lead["id"], "no_answer")
    assert (again["status"], again["failed_attempts"]) == ("contacted", 2)


def test_inbound_activities_and_notes_neither_count_nor_reset(api):
    lead = api.create_lead()
    attempt(api, lead["id"], "no_answer")
    attempt(api, lead["id"], "no_answer")

    # The person calls back and leaves a voicemail, someone writes a note, a task is done
    attempt(api, lead["id"], "voicemail", direction="in")
    attempt(api, lead["id"], "reached", kind="email", direction="in")
    api.ok(
        api.post(f"/leads/{lead['id']}/activities", {"kind": "note", "summary": "à revoir"}), 201
    )
    api.ok(api.post(f"/leads/{lead['id']}/activities", {"kind": "task", "outcome": "done"}), 201)
    still = api.ok(api.get(f"/leads/{lead['id']}"))
    assert (still["status"], still["failed_attempts"]) == ("contacted", 2)

    # An outbound call logged without an outcome is not judged either
    assert attempt(api, lead["id"], None)["failed_attempts"] == 2

    # The third outbound failure is still the third
    assert attempt(api, lead["id"], "no_answer")["status"] == "nurturing"


def test_an_sql_unreachable_three_times_is_handed_back_to_marketing(api):
    lead = api.create_lead()
    api.ok(api.post(f"/leads/{lead['id']}/status", {"status": "sql"}))

    for outcome in ("no_answer", "no_answer", "no_answer"):
        found = attempt(api, lead["id"], outcome, kind="meeting")

    assert (found["status"], found["failed_attempts"]) == ("nurturing", 0)
    last = history(api, lead["id"])[-1]
    assert (last["from_status"], last["kind"], last["actor_rule"], last["reason"]) == (
        "sql",
        "requalification",
        "failed_attempts",
        REASON,
    )


def test_a_lead_already_in_nurturing_stays_there_and_its_count_restarts(api):
    lead = api.create_lead()
    api.ok(api.post(f"/leads/{lead['id']}/status", {"status": "nurturing"}))

    for outcome in ("no_answer", "bounced", "voicemail"):
        found = attempt(api, lead["id"], outcome, kind="email")

    assert (found["status"], found["failed_attempts"]) == ("nurturing", 0)
    assert [h["to_status"] for h in history(api, lead["id"])] == ["new", "nurturing"]


def test_a_disqualified_lead_is_not_recycled_by_failed_attempts(api):
    lead = api.create_lead()
    api.ok(api.post(f"/leads/{lead['id']}/status", {"status": "disqualified", "reason": "spam"}))

    for _ in range(3):
        found = attempt(api, lead["id"], "no_answer")

    assert (found["status"], found["failed_attempts"]) == ("disqualified", 0)


def test_the_count_is_on_the_lead_list(api):
    lead = api.create_lead()
    attempt(api, lead["id"], "no_answer")

    page = api.ok(api.get("/leads"))

    assert [(i["id"], i["failed_attempts"]) for i in page["items"]] == [(lead["id"], 1)]


def test_the_count_is_the_playbooks(api, database: Database):
    with database.uow(write=True) as uow:
        text = default_text().replace(
            "failed_attempts_to_nurturing = 3", "failed_attempts_to_nurturing = 2"
        )
        playbooks.apply(uow, text=text, by=None, now=datetime.now(UTC))
        uow.commit()
    playbooks.forget(database)
    lead = api.create_lead()

    attempt(api, lead["id"], "no_answer")
    found = attempt(api, lead["id"], "bounced", kind="email")

    assert found["status"] == "nurturing"
    assert history(api, lead["id"])[-1]["reason"] == (
        "2 failed contact attempts (no_answer, voicemail, bounced)"
    )
