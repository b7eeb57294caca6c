"""First-response SLA rules (SPEC §7, §9) and the SLA report's arithmetic, pure: the default
playbook's rules on the default calendar (Mon-Fri 09:00-18:00 Europe/Paris, French holidays)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bascule.playbook.load import default_playbook
from bascule.playbook.sla import Calendar, Sla
from bascule.sla import report, rules
from bascule.sla.calendar import BusinessCalendar
from bascule.sla.report import ClockFacts, Outcome
from bascule.sla.rules import Request, SlaStatus

PARIS = ZoneInfo("Europe/Paris")
SLA = default_playbook().sla
CALENDAR = BusinessCalendar.of(Calendar())


def paris(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def form(form_type: str | None, source: str = "web_form", temperature: str | None = None):
    return Request(form_type, source, temperature)


def custom(*rules_: dict[str, object], **settings: object) -> Sla:
    return Sla.model_validate({"rules": list(rules_), **settings})


# --- which rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form_type", "rule"),
    [
        ("contact_expert", "contact_expert"),
        ("demo_request", "demo_request"),
        ("pricing_request", "pricing_request"),
        ("support_request", "support_request"),
        ("rfp", "rfp"),
    ],
)
def test_each_default_form_with_an_sla_gets_its_rule(form_type: str, rule: str) -> None:
    found = rules.rule_for(SLA, form(form_type))
    assert found is not None and found.key == rule


@pytest.mark.parametrize("form_type", ["content_download", "freemium_signup", None])
def test_forms_without_an_sla_and_hand_made_leads_get_no_rule(form_type: str | None) -> None:
    assert rules.rule_for(SLA, form(form_type)) is None


def test_first_matching_rule_wins_and_every_condition_must_hold() -> None:
    sla = custom(
        {"key": "hot_referrals", "sources": ["referral"], "temperatures": ["hot"],
         "business_hours": 1},
        {"key": "referrals", "sources": ["referral"], "business_hours": 4},
        {"key": "everyone", "business_days": 2},
    )  # fmt: skip

    def key(request: Request) -> str | None:
        found = rules.rule_for(sla, request)
        return found.key if found else None

    assert key(form(None, "referral", "hot")) == "hot_referrals"
    assert key(form(None, "referral", "warm")) == "referrals"
    assert key(form(None, "referral", None)) == "referrals"  # an unknown temperature is not hot
    assert key(form("demo_request", "web_form", "hot")) == "everyone"


def test_sla_turned_off_matches_nothing() -> None:
    assert rules.rule_for(SLA.model_copy(update={"enabled": False}), form("rfp")) is None


# --- deadlines ---------------------------------------------------------------------------------


def due(form_type: str, start: datetime) -> datetime:
    found = rules.deadline(SLA, form(form_type), start=start, calendar=CALENDAR)
    assert found is not None
    assert found.started_at == start
    return found.due_at.astimezone(PARIS)


def test_contact_expert_assigned_friday_evening_is_due_monday_morning() -> None:
    # Friday 27 November 2026 17:30: 30 minutes on Friday, 90 on Monday.
    assert due("contact_expert", paris(2026, 11, 27, 17, 30)) == paris(2026, 11, 30, 10, 30)


def test_two_hours_on_christmas_eve_run_over_the_holiday_and_the_weekend() -> None:
    assert due("contact_expert", paris(2026, 12, 24, 17)) == paris(2026, 12, 28, 10)


def test_one_business_day_is_nine_working_hours() -> None:
    assert due("demo_request", paris(2026, 11, 23, 14)) == paris(2026, 11, 24, 14)
    assert due("rfp", paris(2026, 11, 23, 9)) == paris(2026, 11, 23, 18)


def test_a_request_assigned_at_night_counts_from_the_next_opening() -> None:
    assert due("pricing_request", paris(2026, 11, 24, 22)) == paris(2026, 11, 25, 17)


def test_deadline_is_none_without_a_rule() -> None:
    start = paris(2026, 11, 23, 10)
    assert rules.deadline(SLA, form("content_download"), start=start, calendar=CALENDAR) is None


def test_an_earlier_deadline_supersedes_a_running_clock_and_a_later_one_does_not() -> None:
    start = paris(2026, 11, 23, 10)
    expert = rules.deadline(SLA, form("contact_expert"), start=start, calendar=CALENDAR)
    demo = rules.deadline(SLA, form("demo_request"), start=start, calendar=CALENDAR)
    assert expert is not None and demo is not None
    assert rules.supersedes(expert, demo.due_at)
    assert not rules.supersedes(demo, expert.due_at)
    assert not rules.supersedes(expert, expert.due_at)


# --- responses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "direction", "answers"),
    [
        ("call", "out", True),
        ("email", "out", True),
        ("meeting", "out", True),
        ("call", "in", False),
        ("email", None, False),
        ("note", "out", False),
        ("task", "out", False),
    ],
)
def test_only_outbound_calls_emails_and_meetings_are_responses(
    kind: str, direction: str | None, answers: bool
) -> None:
    assert rules.is_response(kind, direction, SLA) is answers


def test_response_kinds_come_from_the_playbook() -> None:
    calls_only = SLA.model_copy(update={"response_kinds": ("call",)})
    assert rules.is_response("call", "out", calls_only)
    assert not rules.is_response("email", "out", calls_only)


def test_a_response_counts_when_it_happened_within_the_clocks_life() -> None:
    started, now = paris(2026, 11, 23, 10), paris(2026, 11, 23, 15)
    at = rules.response_at
    assert at(paris(2026, 11, 23, 11), started_at=started, now=now) == paris(2026, 11, 23, 11)
    assert at(paris(2026, 11, 20, 11), started_at=started, now=now) == started
    assert at(paris(2026, 11, 24, 11), started_at=started, now=now) == now


# --- breach and escalation ---------------------------------------------------------------------


def test_due_at_the_deadline_itself() -> None:
    deadline = paris(2026, 11, 23, 12)
    assert rules.is_due(deadline, deadline)
    assert not rules.is_due(deadline, deadline - timedelta(microseconds=1))


def test_escalation_comes_two_business_hours_after_the_owner_was_told() -> None:
    told = paris(2026, 11, 27, 17, 30)
    assert rules.escalation_at(told, SLA, CALENDAR) == paris(2026, 11, 30, 10, 30)


def test_no_escalation_delay_escalates_with_the_breach() -> None:
    told = paris(2026, 11, 28, 3)  # a Saturday night: zero business time is no wait at all
    sla = SLA.model_copy(update={"escalate_after_business_hours": 0})
    assert rules.escalation_at(told, sla, CALENDAR) == told


@pytest.mark.parametrize(
    ("owner", "manager", "team_manager", "recipient"),
    [
        (5, 9, 7, 9),  # the owner's manager first
        (5, None, 7, 7),  # else the team's
        (7, None, 7, None),  # the team's manager's own breach: nobody above in the team
        (5, None, None, None),
        (None, 9, 7, None),
    ],
)
def test_escalation_goes_to_the_owners_manager_else_the_teams(
    owner: int | None, manager: int | None, team_manager: int | None, recipient: int | None
) -> None:
    found = rules.escalation_recipient(owner, manager_id=manager, team_manager_id=team_manager)
    assert found == recipient


# --- the lead's status -------------------------------------------------------------------------


def status(due_at: datetime | None, now: datetime, answered_at: datetime | None = None,
           is_open: bool = True) -> SlaStatus:  # fmt: skip
    return rules.status(
        due_at=due_at, answered_at=answered_at, is_open=is_open, now=now, calendar=CALENDAR
    )


def test_status_counts_the_business_time_left() -> None:
    deadline = paris(2026, 11, 30, 9, 45)  # Monday
    assert status(deadline, paris(2026, 11, 27, 17, 30)) is SlaStatus.ON_TIME  # 1 h 15 left
    # Friday 17:45: an hour of business time left, though 64 hours of wall-clock time.
    assert status(deadline, paris(2026, 11, 27, 17, 45)) is SlaStatus.DUE_SOON
    assert status(deadline, paris(2026, 11, 28, 12)) is SlaStatus.DUE_SOON  # Saturday
    assert status(deadline, paris(2026, 11, 30, 9, 44)) is SlaStatus.DUE_SOON
    assert status(deadline, deadline) is SlaStatus.BREACHED


def test_status_answered_none_and_closed() -> None:
    deadline, now = paris(2026, 11, 30, 10, 30), paris(2026, 12, 1, 9)
    assert status(deadline, now, answered_at=paris(2026, 11, 30, 11)) is SlaStatus.ANSWERED
    assert status(None, now) is SlaStatus.NONE
    assert status(deadline, now, is_open=False) is SlaStatus.NONE


# --- the report --------------------------------------------------------------------------------

MONDAY = paris(2026, 11, 23, 9)


def clock(
    rule: str,
    owner: int | None,
    *,
    started: float,
    allowed: float,
    stopped: float | None = None,
    by: str | None = None,
    escalated: bool = False,
) -> ClockFacts:
    """A clock started ``started`` hours after Monday 09:00, due ``allowed`` hours later,
    stopped ``stopped`` hours after its start (all within Monday's working hours)."""
    start = MONDAY + timedelta(hours=started)
    return ClockFacts(
        rule=rule,
        owner_id=owner,
        started_at=start.astimezone(UTC),
        due_at=(start + timedelta(hours=allowed)).astimezone(UTC),
        stopped_at=None if stopped is None else (start + timedelta(hours=stopped)).astimezone(UTC),
        stopped_by=by,
        escalated_at=MONDAY + timedelta(hours=8) if escalated else None,
    )


NOW = paris(2026, 11, 23, 17)
KNOWN = [
    clock("contact_expert", 1, started=0, allowed=2, stopped=1, by="response"),
    clock("contact_expert", 1, started=0, allowed=2, stopped=0.5, by="response"),
    clock("contact_expert", 1, started=1, allowed=2, stopped=4, by="response"),
    clock("contact_expert", 2, started=2, allowed=2, escalated=True),  # due 13:00, still open
    clock("contact_expert", 2, started=3, allowed=2, stopped=3, by="reassigned"),  # late
    clock("contact_expert", 2, started=3, allowed=2, stopped=1, by="reassigned"),  # in time
    clock("pricing_request", 1, started=6, allowed=8),  # running, due tomorrow
    clock("pricing_request", None, started=0, allowed=8, stopped=2, by="response"),
]


def test_each_clock_has_one_outcome() -> None:
    outcomes = [report.outcome(c, NOW) for c in KNOWN]
    assert outcomes == [
        Outcome.ANSWERED_IN_TIME,
        Outcome.ANSWERED_IN_TIME,
        Outcome.ANSWERED_LATE,
        Outcome.BREACHED_OPEN,
        Outcome.BREACHED_STOPPED,
        Outcome.STOPPED_IN_TIME,
        Outcome.RUNNING,
        Outcome.ANSWERED_IN_TIME,
    ]


def test_report_per_rule_and_owner_on_a_known_set() -> None:
    lines, total = report.summarize(
        KNOWN, group_by=("rule", "owner"), now=NOW, elapsed=CALENDAR.elapsed
    )
    assert [(line["rule"], line["owner_id"]) for line in lines] == [
        ("contact_expert", 1),
        ("contact_expert", 2),
        ("pricing_request", 1),
        ("pricing_request", None),
    ]
    expert_1, expert_2, pricing_1, pricing_nobody = lines
    assert expert_1 == {
        "rule": "contact_expert",
        "owner_id": 1,
        "started": 3,
        "answered_in_time": 2,
        "answered_late": 1,
        "breached_open": 0,
        "breached_stopped": 0,
        "running": 0,
        "stopped_in_time": 0,
        "escalated": 0,
        "median_response_business_hours": 1.0,
        "p90_response_business_hours": 3.4,  # 0.5, 1, 4: 1 + (4 - 1) * 0.8
        "compliance_percent": 66.7,
    }
    assert (expert_2["started"], expert_2["breached_open"], expert_2["breached_stopped"]) == (
        3, 1, 1,
    )  # fmt: skip
    assert (expert_2["stopped_in_time"], expert_2["escalated"]) == (1, 1)
    assert expert_2["compliance_percent"] == 0.0
    assert expert_2["median_response_business_hours"] is None
    assert pricing_1["running"] == 1 and pricing_1["compliance_percent"] is None
    assert pricing_nobody["answered_in_time"] == 1
    assert total["started"] == 8
    assert total["started"] == sum(total[o.value] for o in Outcome)
    # 3 in time out of 3 + 1 late + 1 open breach + 1 stopped breach.
    assert total["compliance_percent"] == 50.0
    assert total["median_response_business_hours"] == 1.5  # 0.5, 1, 2, 4


def test_report_by_one_dimension() -> None:
    lines, _ = report.summarize(KNOWN, group_by=("owner",), now=NOW, elapsed=CALENDAR.elapsed)
    assert [(line["owner_id"], line["started"]) for line in lines] == [(1, 4), (2, 3), (None, 1)]
    assert "rule" not in lines[0]


def test_response_times_are_business_hours() -> None:
    # Started Friday 17:00, answered Monday 10:00: 2 business hours, not 65.
    friday = paris(2026, 11, 27, 17)
    answered = ClockFacts(
        "contact_expert", 1, friday, friday + timedelta(hours=65), friday + timedelta(hours=65),
        "response", None,
    )  # fmt: skip
    _, total = report.summarize(
        [answered], group_by=("rule",), now=NOW + timedelta(days=7), elapsed=CALENDAR.elapsed
    )
    assert total["median_response_business_hours"] == 2.0


def test_report_refuses_an_unknown_group() -> None:
    with pytest.raises(ValueError, match="unknown groups"):
        report.summarize(KNOWN, group_by=("team",), now=NOW, elapsed=CALENDAR.elapsed)


def test_percentile_is_linear_between_ranks() -> None:
    assert report.percentile([], 50) is None
    assert report.percentile([3.0], 90) == 3.0
    assert report.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert report.percentile([float(n) for n in range(1, 11)], 90) == pytest.approx(9.1)
