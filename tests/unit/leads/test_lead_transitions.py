"""Lead status rules (SPEC §2): which moves are allowed, with which reasons, and replay."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from bascule.errors import AlreadyConverted, InvalidTransition, ValidationFailed
from bascule.leads.model import (
    TRANSITIONS,
    LeadStatus,
    StatusChange,
    check_transition,
    conversion_change,
    replay,
)
from bascule.playbook.load import default_playbook

PLAYBOOK = default_playbook()
S = LeadStatus
DISQUALIFICATION_KEYS = (
    "no_project",
    "no_budget",
    "competitor_customer",
    "wrong_contact",
    "spam",
    "duplicate",
    "other",
)

# The SPEC's table, written independently of TRANSITIONS so that the two check each other.
WORKING = {S.CONTACTED, S.NURTURING, S.MQL, S.SQL, S.DISQUALIFIED}
SPEC_MOVES: dict[LeadStatus, set[LeadStatus]] = {
    S.NEW: WORKING,
    S.CONTACTED: WORKING - {S.CONTACTED},
    S.NURTURING: WORKING - {S.NURTURING},
    S.MQL: WORKING - {S.MQL},
    S.SQL: {S.NURTURING, S.DISQUALIFIED},
    S.DISQUALIFIED: {S.NURTURING},
    S.CONVERTED: set(),
}


def _reason_key(reason: str | None) -> str:
    return (reason or "").split(":", 1)[0].strip()


# --- Examples ---------------------------------------------------------------------------------


def test_transition_table_matches_the_spec() -> None:
    # given the SPEC §2 table / when compared with the code's table (a move to the same status
    # is refused before the table is read) / then they are identical
    assert {k: set(v) - {k} for k, v in TRANSITIONS.items()} == SPEC_MOVES


def test_default_playbook_has_the_spec_disqualification_reasons() -> None:
    assert PLAYBOOK.disqualification_reason_keys == DISQUALIFICATION_KEYS


def test_progress_from_new_to_contacted() -> None:
    change = check_transition("new", "contacted", None, PLAYBOOK)
    assert change == StatusChange(S.NEW, S.CONTACTED, None, "progress")


def test_reason_is_stripped_and_blank_becomes_none() -> None:
    assert check_transition(S.NEW, S.MQL, "  score 55  ", PLAYBOOK).reason == "score 55"
    assert check_transition(S.NEW, S.MQL, "   ", PLAYBOOK).reason is None


@pytest.mark.parametrize("current", [S.NEW, S.CONTACTED, S.NURTURING, S.MQL, S.SQL])
def test_any_open_status_can_be_disqualified_with_a_playbook_reason(current: LeadStatus) -> None:
    change = check_transition(current, S.DISQUALIFIED, "no_budget: frozen until 2026", PLAYBOOK)
    assert change.kind == "disqualification"
    assert change.to_status is S.DISQUALIFIED
    assert change.reason == "no_budget: frozen until 2026"


@pytest.mark.parametrize("reason", [None, "", "   ", "not interested", "No_Budget", ": spam"])
def test_disqualification_without_a_playbook_reason_is_refused(reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_transition(S.MQL, S.DISQUALIFIED, reason, PLAYBOOK)
    assert list(exc.value.fields) == ["reason"]
    assert exc.value.code == "validation_failed"


def test_disqualified_lead_is_recycled_to_nurturing() -> None:
    change = check_transition(S.DISQUALIFIED, S.NURTURING, None, PLAYBOOK)
    assert change == StatusChange(S.DISQUALIFIED, S.NURTURING, None, "recycling")


@pytest.mark.parametrize("target", [S.NEW, S.CONTACTED, S.MQL, S.SQL])
def test_disqualified_lead_goes_nowhere_but_nurturing(target: LeadStatus) -> None:
    with pytest.raises(InvalidTransition) as exc:
        check_transition(S.DISQUALIFIED, target, "other", PLAYBOOK)
    assert exc.value.fields == {"status": "not allowed from disqualified"}


def test_sql_back_to_nurturing_needs_a_written_reason() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_transition(S.SQL, S.NURTURING, "  ", PLAYBOOK)
    assert exc.value.fields == {"reason": "required when sending an SQL back to nurturing"}
    change = check_transition(S.SQL, S.NURTURING, "no project before 2027", PLAYBOOK)
    assert change.kind == "requalification"
    assert change.reason == "no project before 2027"


@pytest.mark.parametrize("current", list(LeadStatus))
def test_converted_is_never_reached_by_hand(current: LeadStatus) -> None:
    with pytest.raises(InvalidTransition) as exc:
        check_transition(current, "converted", "closing it", PLAYBOOK)
    assert exc.value.fields == {"status": "use the convert action"}


@pytest.mark.parametrize("target", [s for s in LeadStatus if s is not S.CONVERTED])
def test_nothing_leaves_converted(target: LeadStatus) -> None:
    with pytest.raises(InvalidTransition):
        check_transition(S.CONVERTED, target, "other", PLAYBOOK)


def test_same_status_is_refused() -> None:
    with pytest.raises(InvalidTransition) as exc:
        check_transition(S.MQL, S.MQL, None, PLAYBOOK)
    assert exc.value.fields == {"status": "unchanged"}


def test_unknown_target_status_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_transition(S.NEW, "won", None, PLAYBOOK)
    assert list(exc.value.fields) == ["status"]
    assert not isinstance(exc.value, InvalidTransition)


@pytest.mark.parametrize("current", [S.NEW, S.CONTACTED, S.NURTURING, S.MQL, S.SQL])
def test_conversion_change_from_open_statuses(current: LeadStatus) -> None:
    assert conversion_change(current) == StatusChange(current, S.CONVERTED, None, "conversion")


def test_conversion_of_converted_lead_is_already_converted() -> None:
    with pytest.raises(AlreadyConverted) as exc:
        conversion_change("converted")
    assert exc.value.code == "already_converted"


def test_conversion_of_disqualified_lead_is_refused() -> None:
    with pytest.raises(InvalidTransition) as exc:
        conversion_change(S.DISQUALIFIED)
    assert exc.value.fields == {"status": "disqualified"}


def test_replay_follows_history_and_rejects_a_broken_chain() -> None:
    history = [("new", "contacted"), ("contacted", "mql"), ("mql", "sql"), ("sql", "converted")]
    assert replay(S.NEW, history) is S.CONVERTED
    assert replay(S.NEW, []) is S.NEW
    with pytest.raises(ValueError, match="history broken"):
        replay(S.NEW, [("new", "mql"), ("contacted", "sql")])


# --- Property: random sequences of attempted moves ------------------------------------------

REASONS = st.one_of(
    st.none(),
    st.just(""),
    st.just("   "),
    st.sampled_from(DISQUALIFICATION_KEYS),
    st.sampled_from(DISQUALIFICATION_KEYS).map(lambda k: f"{k}: called twice"),
    st.text(max_size=12),
)
TARGETS = st.one_of(st.sampled_from(list(LeadStatus)), st.sampled_from(["won", "", "NEW"]))


class LeadLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.status = S.NEW
        self.history: list[tuple[str, str]] = []
        self.changes: list[StatusChange] = []

    def _accept(self, change: StatusChange) -> None:
        assert change.from_status is self.status
        self.history.append((change.from_status.value, change.to_status.value))
        self.changes.append(change)
        self.status = change.to_status

    def _attempt(self, target: str, reason: str | None) -> None:
        before = self.status
        clean = (reason or "").strip()
        spec_allows = (
            target in set(LeadStatus)
            and S(target) in SPEC_MOVES[before]
            and (S(target) is not S.DISQUALIFIED or _reason_key(clean) in DISQUALIFICATION_KEYS)
            and (not (before is S.SQL and S(target) is S.NURTURING) or bool(clean))
        )
        try:
            change = check_transition(before, target, reason, PLAYBOOK)
        except (InvalidTransition, ValidationFailed):
            assert not spec_allows, (before, target, reason)
            return
        assert spec_allows, (before, target, reason)
        self._accept(change)

    @rule(wanted=TARGETS, reason=REASONS)
    def attempt_status_change(self, wanted: str, reason: str | None) -> None:
        self._attempt(wanted, reason)

    # Extra rules so that disqualification, recycling and requalification are tried often.
    @rule(reason=REASONS)
    def attempt_disqualification(self, reason: str | None) -> None:
        self._attempt(S.DISQUALIFIED, reason)

    @rule(reason=REASONS)
    def attempt_back_to_nurturing(self, reason: str | None) -> None:
        self._attempt(S.NURTURING, reason)

    @rule(reason=REASONS)
    def attempt_sql(self, reason: str | None) -> None:
        self._attempt(S.SQL, reason)

    @rule(dice=st.integers(min_value=0, max_value=3))
    def attempt_conversion(self, dice: int) -> None:
        if dice:  # converting ends the story: try it one time in four
            return
        try:
            change = conversion_change(self.status)
        except (AlreadyConverted, InvalidTransition):
            assert self.status in (S.CONVERTED, S.DISQUALIFIED)
            return
        assert self.status not in (S.CONVERTED, S.DISQUALIFIED)
        self._accept(change)

    @invariant()
    def replay_gives_the_current_status(self) -> None:
        assert replay(S.NEW, self.history) is self.status

    @invariant()
    def no_forbidden_move_was_ever_accepted(self) -> None:
        for change in self.changes:
            assert change.from_status is not S.CONVERTED
            assert (change.to_status is S.CONVERTED) == (change.kind == "conversion")
            if change.from_status is S.DISQUALIFIED:
                assert change.to_status is S.NURTURING
            if change.from_status is S.SQL and change.to_status is S.NURTURING:
                assert change.reason and change.reason.strip()
            if change.to_status is S.DISQUALIFIED:
                assert _reason_key(change.reason) in PLAYBOOK.disqualification_reason_keys


LeadLifecycle.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLeadLifecycle = LeadLifecycle.TestCase
