"""Opportunity stage changes (SPEC §3): closed never moves, lost has a reason, probability."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bascule.errors import ClosedOpportunity, InvalidTransition, ValidationFailed
from bascule.opportunities.model import StageChange, check_stage_change, is_closed_stage
from bascule.playbook import schema
from bascule.playbook.load import default_playbook

PLAYBOOK = default_playbook()
LOSS_REASONS = ("no_real_need", "budget", "competitor", "timing", "no_decision", "price", "other")

# A company's own pipeline: other probabilities and one more open stage.
CUSTOM = PLAYBOOK.model_copy(
    update={
        "stages": (
            schema.Stage(key="qualification", label=schema.Label(fr="Q", en="Q"), probability=5),
            schema.Stage(key="discovery", label=schema.Label(fr="D", en="D"), probability=20),
            schema.Stage(key="poc", label=schema.Label(fr="POC", en="POC"), probability=40),
            schema.Stage(key="proposal", label=schema.Label(fr="P", en="P"), probability=60),
            schema.Stage(
                key="signed", label=schema.Label(fr="S", en="S"), probability=100, outcome="won"
            ),
            schema.Stage(
                key="dropped", label=schema.Label(fr="X", en="X"), probability=0, outcome="lost"
            ),
        )
    }
)


def test_default_stages_and_probabilities() -> None:
    assert [(s.key, s.probability, s.outcome) for s in PLAYBOOK.stages] == [
        ("qualification", 10, "open"),
        ("discovery", 25, "open"),
        ("proposal", 50, "open"),
        ("negotiation", 75, "open"),
        ("won", 100, "won"),
        ("lost", 0, "lost"),
    ]
    assert PLAYBOOK.loss_reason_keys == LOSS_REASONS
    assert is_closed_stage("won", PLAYBOOK) and is_closed_stage("lost", PLAYBOOK)
    assert not is_closed_stage("negotiation", PLAYBOOK)


def test_moving_forward_takes_the_stage_probability() -> None:
    assert check_stage_change("discovery", "proposal", None, PLAYBOOK) == StageChange(
        "discovery", "proposal", 50, "open", None
    )


def test_moving_backward_is_allowed() -> None:
    assert check_stage_change("negotiation", "discovery", None, PLAYBOOK).probability == 25


def test_won_is_closed_at_100() -> None:
    change = check_stage_change("negotiation", "won", None, PLAYBOOK)
    assert (change.outcome, change.probability) == ("won", 100)


def test_lost_needs_a_playbook_loss_reason() -> None:
    for reason in (None, "", "bad luck"):
        with pytest.raises(ValidationFailed) as exc:
            check_stage_change("proposal", "lost", reason, PLAYBOOK)
        assert list(exc.value.fields) == ["loss_reason"]
    change = check_stage_change("proposal", "lost", "competitor", PLAYBOOK)
    assert change == StageChange("proposal", "lost", 0, "lost", "competitor")


def test_loss_reason_is_refused_on_other_stages() -> None:
    with pytest.raises(ValidationFailed) as exc:
        check_stage_change("proposal", "won", "price", PLAYBOOK)
    assert exc.value.fields == {"loss_reason": "allowed only with the lost stage"}


@pytest.mark.parametrize("closed", ["won", "lost"])
@pytest.mark.parametrize("target", ["qualification", "negotiation", "won", "lost"])
def test_closed_opportunities_never_move(closed: str, target: str) -> None:
    with pytest.raises(ClosedOpportunity) as exc:
        check_stage_change(closed, target, "other", PLAYBOOK)
    assert exc.value.code == "opportunity_closed"
    assert exc.value.fields == {"stage": f"closed as {closed}"}


def test_same_stage_and_unknown_stage_are_refused() -> None:
    with pytest.raises(InvalidTransition):
        check_stage_change("proposal", "proposal", None, PLAYBOOK)
    with pytest.raises(ValidationFailed) as exc:
        check_stage_change("proposal", "closing", None, PLAYBOOK)
    assert list(exc.value.fields) == ["stage"]


def test_custom_pipeline_probabilities_are_used() -> None:
    assert check_stage_change("discovery", "poc", None, CUSTOM).probability == 40
    assert check_stage_change("poc", "dropped", "timing", CUSTOM).outcome == "lost"
    with pytest.raises(ValidationFailed):
        check_stage_change("discovery", "negotiation", None, CUSTOM)


# --- Property: random sequences of attempted stage changes -----------------------------------

REASONS = st.one_of(
    st.none(), st.just(""), st.sampled_from(LOSS_REASONS), st.sampled_from(["Price", "late"])
)


class OpportunityPipeline(RuleBasedStateMachine):
    playbook: schema.Playbook
    stage: str
    probability: int
    loss_reason: str | None

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[StageChange] = []

    @initialize(playbook=st.sampled_from([PLAYBOOK, CUSTOM]), data=st.data())
    def open_opportunity(self, playbook: schema.Playbook, data: st.DataObject) -> None:
        self.playbook = playbook
        self.stage = data.draw(st.sampled_from(playbook.open_stage_keys))
        self.probability = playbook.stage(self.stage).probability
        self.loss_reason = None

    @rule(data=st.data(), reason=REASONS)
    def attempt_stage_change(self, data: st.DataObject, reason: str | None) -> None:
        wanted = data.draw(st.sampled_from([*self.playbook.stage_keys, "closing"]))
        was_closed = is_closed_stage(self.stage, self.playbook)
        try:
            change = check_stage_change(self.stage, wanted, reason, self.playbook)
        except ClosedOpportunity:
            assert was_closed
            assert wanted in self.playbook.stage_keys
            return
        except (InvalidTransition, ValidationFailed):
            return
        assert not was_closed
        assert change.from_stage == self.stage
        self.changes.append(change)
        self.stage = change.to_stage
        self.probability = change.probability
        self.loss_reason = change.loss_reason

    @invariant()
    def probability_is_the_playbook_stage_probability(self) -> None:
        assert self.probability == self.playbook.stage(self.stage).probability

    @invariant()
    def lost_always_has_a_loss_reason(self) -> None:
        if self.playbook.stage(self.stage).outcome == "lost":
            assert self.loss_reason in self.playbook.loss_reason_keys
        else:
            assert not self.loss_reason  # None, or the empty string the caller sent

    @invariant()
    def nothing_moved_after_closing(self) -> None:
        for change in self.changes:
            assert not is_closed_stage(change.from_stage, self.playbook)
        for before, after in zip(self.changes, self.changes[1:], strict=False):
            assert after.from_stage == before.to_stage


OpportunityPipeline.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestOpportunityPipeline = OpportunityPipeline.TestCase
