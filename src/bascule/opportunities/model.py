"""Opportunity rules (SPEC §3): stages, types, loss reasons, mandatory fields, weighted amount.

Pure functions over plain values; stages and probabilities come from the playbook passed in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bascule.errors import ClosedOpportunity, InvalidTransition, MissingFields, ValidationFailed
from bascule.playbook.schema import Playbook

CENT = Decimal("0.01")


def normalise_project_name(name: str) -> str:
    """The key under which an account holds one open opportunity per project.

    Case, accents, punctuation and dashes of any kind do not make a different project.
    """
    # Case folding and compatibility decomposition can each undo the other (NFKD of "ℇ" is an
    # upper-case "Ɛ"): repeat both until the text is stable, so the key is idempotent.
    text = name
    for _ in range(4):
        folded = unicodedata.normalize("NFKD", text.casefold())
        folded = "".join(c for c in folded if not unicodedata.combining(c))
        if folded == text:
            break
        text = folded
    # Any script's letters count (Cyrillic, Greek, œ...); underscores and punctuation do not.
    return " ".join(re.findall(r"[^\W_]+", text))


def weighted_amount(amount: Decimal, probability: int) -> Decimal:
    return (amount * Decimal(probability) / Decimal(100)).quantize(CENT, ROUND_HALF_UP)


def is_closed_stage(stage: str, playbook: Playbook) -> bool:
    return playbook.stage(stage).outcome != "open"


@dataclass(frozen=True)
class NewOpportunity:
    """A validated opportunity, ready to be stored."""

    name: str
    name_key: str
    account_id: int
    amount: Decimal
    expected_close_date: date
    stage: str
    probability: int
    type: str
    lead_source: str
    loss_reason: str | None


def check_amount(value: Any) -> tuple[Decimal | None, str | None]:
    """(amount in cents, error): an amount is a number, rounded to the cent, > 0, < 10^12."""
    if value is None:
        return None, "required"
    if isinstance(value, bool):
        return None, "must be a number"
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None, "must be a number"
    if not amount.is_finite():
        return None, "must be a number"
    if amount >= Decimal("1e12"):
        return None, "too large"
    # Compare after rounding to the cent too: 0.004 would be stored as 0.00.
    if amount <= 0 or amount.quantize(CENT, ROUND_HALF_UP) <= 0:
        return None, "must be greater than 0"
    amount = amount.quantize(CENT, ROUND_HALF_UP)
    return amount, None


def validate_new(
    fields: dict[str, Any],
    playbook: Playbook,
    *,
    allowed_types: tuple[str, ...] | None = None,
    account_known: bool = True,
) -> NewOpportunity:
    """Check the mandatory fields of §3 and return one error per field at fault."""
    errors: dict[str, str] = {}
    name = str(fields.get("name") or "").strip()
    if not name:
        errors["name"] = "required"
    elif not normalise_project_name(name):
        errors["name"] = "must contain letters or digits"
    elif len(name) > 200:
        errors["name"] = "at most 200 characters"
    account_id = fields.get("account_id")
    if not account_known:
        account_id = 0  # the account is created by the same transaction (conversion)
    elif not isinstance(account_id, int) or isinstance(account_id, bool):
        errors["account_id"] = "required"
    amount, amount_error = check_amount(fields.get("amount"))
    if amount_error:
        errors["amount"] = amount_error
    close = fields.get("expected_close_date")
    if isinstance(close, str):
        try:
            close = date.fromisoformat(close)
        except ValueError:
            errors["expected_close_date"] = "must be a date (YYYY-MM-DD)"
    if close is None:
        errors["expected_close_date"] = "required"
    elif not isinstance(close, date) and "expected_close_date" not in errors:
        errors["expected_close_date"] = "must be a date (YYYY-MM-DD)"
    stage = fields.get("stage")
    if not stage:
        errors["stage"] = "required"
    elif stage not in playbook.stage_keys:
        errors["stage"] = f"must be one of {', '.join(playbook.stage_keys)}"
    opp_type = fields.get("type") or playbook.conversion.default_type
    types = allowed_types or playbook.type_keys
    if opp_type not in types:
        errors["type"] = f"must be one of {', '.join(types)}"
    source = fields.get("lead_source")
    if not source:
        errors["lead_source"] = "required"
    elif source not in playbook.lead_source_keys:
        errors["lead_source"] = f"must be one of {', '.join(playbook.lead_source_keys)}"
    loss_reason = fields.get("loss_reason")
    if stage and stage in playbook.stage_keys and playbook.stage(stage).outcome == "lost":
        if loss_reason not in playbook.loss_reason_keys:
            errors["loss_reason"] = f"required: one of {', '.join(playbook.loss_reason_keys)}"
    elif loss_reason:
        errors["loss_reason"] = "only a lost opportunity has a loss reason"
    if errors:
        raise MissingFields(errors)
    assert isinstance(account_id, int) and amount is not None and isinstance(close, date)
    return NewOpportunity(
        name=name,
        name_key=normalise_project_name(name),
        account_id=account_id,
        amount=amount,
        expected_close_date=close,
        stage=str(stage),
        probability=playbook.stage(str(stage)).probability,
        type=str(opp_type),
        lead_source=str(source),
        loss_reason=loss_reason if isinstance(loss_reason, str) and loss_reason else None,
    )


@dataclass(frozen=True)
class StageChange:
    from_stage: str
    to_stage: str
    probability: int
    outcome: str  # open / won / lost
    loss_reason: str | None


def check_stage_change(
    current: str, target: str, loss_reason: str | None, playbook: Playbook
) -> StageChange:
    if target not in playbook.stage_keys:
        raise ValidationFailed(
            f"unknown stage {target!r}",
            fields={"stage": f"must be one of {', '.join(playbook.stage_keys)}"},
        )
    if is_closed_stage(current, playbook):
        raise ClosedOpportunity(
            f"the opportunity is closed ({current}) and cannot move",
            fields={"stage": f"closed as {current}"},
        )
    if target == current:
        raise InvalidTransition(
            f"the opportunity is already in stage {current}", fields={"stage": "unchanged"}
        )
    outcome = playbook.stage(target).outcome
    if outcome == "lost":
        if loss_reason not in playbook.loss_reason_keys:
            raise ValidationFailed(
                "a lost opportunity needs a loss reason",
                fields={"loss_reason": f"required: one of {', '.join(playbook.loss_reason_keys)}"},
            )
    elif loss_reason:
        raise ValidationFailed(
            "only a lost opportunity has a loss reason",
            fields={"loss_reason": "allowed only with the lost stage"},
        )
    probability = playbook.stage(target).probability
    return StageChange(current, target, probability, outcome, loss_reason or None)
