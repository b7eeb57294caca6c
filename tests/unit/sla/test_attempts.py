"""Failed contact attempts (SPEC §9), the pure rule: what one logged activity does to a lead's
count of consecutive failed outbound attempts, and when the lead goes back to nurturing."""

from __future__ import annotations

import pytest

from bascule.playbook.sla import Sla
from bascule.sla.attempts import Verdict, is_attempt, judge, reason

SLA = Sla()


def call(count: int, outcome: str | None, *, status: str = "contacted", **kw: object) -> Verdict:
    activity = {"kind": "call", "direction": "out", "outcome": outcome} | kw
    return judge(count, status=status, sla=SLA, **activity)  # type: ignore[arg-type]


def test_three_failed_attempts_send_the_lead_to_nurturing_with_the_reason():
    # Given a contacted lead, when three calls fail one after the other
    first = call(0, "no_answer")
    second = call(first.failed_attempts, "voicemail")
    third = call(second.failed_attempts, "bounced")

    # Then the count goes 1, 2, and the third sends the lead to nurturing and restarts at 0
    assert (first, second) == (Verdict(1), Verdict(2))
    assert third == Verdict(
        0,
        to_nurturing=True,
        reason="3 failed contact attempts (no_answer, voicemail, bounced)",
    )


def test_two_failed_then_one_reached_do_not():
    count = 0
    for outcome in ("no_answer", "no_answer", "reached"):
        verdict = call(count, outcome)
        assert verdict.to_nurturing is False
        count = verdict.failed_attempts
    assert count == 0
    # and the next failure starts a new series
    assert call(count, "no_answer") == Verdict(1)


@pytest.mark.parametrize("outcome", ["reached", "meeting_booked", "replied", "sent", "done"])
def test_any_outcome_that_is_not_a_failure_resets_the_count(outcome):
    assert call(2, outcome) == Verdict(0)


@pytest.mark.parametrize(
    ("kind", "direction"),
    [("call", "in"), ("email", "in"), ("note", "out"), ("task", "out"), ("call", None)],
)
def test_inbound_activities_notes_and_tasks_do_not_count(kind, direction):
    assert is_attempt(kind, direction, SLA) is False
    assert call(2, "no_answer", kind=kind, direction=direction) == Verdict(2)
    assert call(2, "reached", kind=kind, direction=direction) == Verdict(2)


@pytest.mark.parametrize("kind", ["call", "email", "meeting"])
def test_calls_emails_and_meetings_out_are_attempts(kind):
    assert is_attempt(kind, "out", SLA) is True
    assert call(2, "no_answer", kind=kind).to_nurturing is True


def test_an_attempt_without_an_outcome_leaves_the_count_alone():
    assert call(2, None) == Verdict(2)


@pytest.mark.parametrize("status", ["new", "contacted", "mql", "sql"])
def test_every_open_status_but_nurturing_goes_to_nurturing(status):
    assert call(2, "voicemail", status=status).to_nurturing is True


def test_a_lead_already_in_nurturing_stays_and_its_count_restarts():
    assert call(2, "no_answer", status="nurturing") == Verdict(0)


@pytest.mark.parametrize("status", ["converted", "disqualified"])
def test_closed_leads_are_left_alone(status):
    assert call(2, "no_answer", status=status) == Verdict(2)
    assert call(2, "reached", status=status) == Verdict(2)


def test_the_count_and_the_failed_outcomes_are_the_playbooks():
    sla = Sla(failed_attempts_to_nurturing=1, failed_outcomes=("bounced",))
    # voicemail is not a failure for this company: it resets
    assert judge(0, kind="email", direction="out", outcome="voicemail", status="mql", sla=sla) == (
        Verdict(0)
    )
    bounced = judge(0, kind="email", direction="out", outcome="bounced", status="mql", sla=sla)
    assert bounced == Verdict(0, True, "1 failed contact attempt (bounced)")
    assert reason(sla) == "1 failed contact attempt (bounced)"


def test_the_response_kinds_are_the_playbooks():
    sla = Sla(response_kinds=("call",))
    assert is_attempt("email", "out", sla) is False
    assert judge(2, kind="email", direction="out", outcome="bounced", status="new", sla=sla) == (
        Verdict(2)
    )
