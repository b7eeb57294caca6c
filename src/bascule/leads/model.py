"""Lead rules (SPEC §2 and §4): statuses, transitions, qualification, ready-to-convert.

Pure functions over plain values: no database, no clock, no playbook file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bascule.errors import AlreadyConverted, InvalidTransition, ValidationFailed

# Re-exported (``as``): the rules' callers name statuses through this module too.
from bascule.leads.vocabulary import CLOSED_STATUSES as CLOSED_STATUSES
from bascule.leads.vocabulary import OPEN_STATUSES as OPEN_STATUSES
from bascule.leads.vocabulary import PROMOTABLE_STATUSES as PROMOTABLE_STATUSES
from bascule.leads.vocabulary import LeadKind as LeadKind
from bascule.leads.vocabulary import LeadStatus as LeadStatus
from bascule.leads.vocabulary import Temperature as Temperature
from bascule.playbook.schema import AUTHORITY_LEVELS, BUDGET_LEVELS, MEDDIC_FIELDS, Playbook

# Statuses a person can set by hand. `converted` is only reached through conversion (§5).
_WORKING = (LeadStatus.CONTACTED, LeadStatus.NURTURING, LeadStatus.MQL)

# Allowed moves by hand (or by a rule). Conversion is handled by `check_conversion_allowed`.
TRANSITIONS: Mapping[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.NEW: frozenset({*_WORKING, LeadStatus.SQL, LeadStatus.DISQUALIFIED}),
    LeadStatus.CONTACTED: frozenset({*_WORKING, LeadStatus.SQL, LeadStatus.DISQUALIFIED}),
    LeadStatus.NURTURING: frozenset({*_WORKING, LeadStatus.SQL, LeadStatus.DISQUALIFIED}),
    LeadStatus.MQL: frozenset({*_WORKING, LeadStatus.SQL, LeadStatus.DISQUALIFIED}),
    # Sales either works it to conversion, hands it back to marketing, or disqualifies it.
    LeadStatus.SQL: frozenset({LeadStatus.NURTURING, LeadStatus.DISQUALIFIED}),
    LeadStatus.DISQUALIFIED: frozenset({LeadStatus.NURTURING}),  # recycling
    LeadStatus.CONVERTED: frozenset(),
}


@dataclass(frozen=True)
class StatusChange:
    """One validated move, ready to be written with its history and audit rows."""

    from_status: LeadStatus
    to_status: LeadStatus
    reason: str | None
    kind: str  # "progress", "disqualification", "recycling", "requalification", "conversion"


def check_transition(
    current: LeadStatus | str,
    target: LeadStatus | str,
    reason: str | None,
    playbook: Playbook,
) -> StatusChange:
    """Validate a manual status change; raise a typed error if the SPEC forbids it."""
    try:
        target = LeadStatus(target)
    except ValueError:
        allowed = ", ".join(s.value for s in LeadStatus)
        raise ValidationFailed(
            f"unknown status {target!r}", fields={"status": f"must be one of {allowed}"}
        ) from None
    current = LeadStatus(current)
    reason = (reason or "").strip() or None
    if target is LeadStatus.CONVERTED:
        raise InvalidTransition(
            "a lead becomes converted only through conversion (POST /leads/{id}/convert)",
            fields={"status": "use the convert action"},
        )
    if target == current:
        raise InvalidTransition(
            f"the lead is already {current.value}", fields={"status": "unchanged"}
        )
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"a lead cannot go from {current.value} to {target.value}",
            fields={"status": f"not allowed from {current.value}"},
        )
    kind = "progress"
    if target is LeadStatus.DISQUALIFIED:
        kind = "disqualification"
        keys = playbook.disqualification_reason_keys
        code = (reason or "").split(":", 1)[0].strip()
        if code not in keys:
            raise ValidationFailed(
                "a disqualification needs a reason",
                fields={"reason": f"must start with one of {', '.join(keys)}"},
            )
    elif current is LeadStatus.DISQUALIFIED:
        kind = "recycling"
    elif current is LeadStatus.SQL and target is LeadStatus.NURTURING:
        kind = "requalification"
        if not reason:
            raise ValidationFailed(
                "handing a lead back to marketing needs a written reason",
                fields={"reason": "required when sending an SQL back to nurturing"},
            )
    return StatusChange(current, target, reason, kind)


def check_conversion_allowed(current: LeadStatus | str) -> None:
    current = LeadStatus(current)
    if current is LeadStatus.CONVERTED:
        raise AlreadyConverted("the lead is already converted", fields={"status": "converted"})
    if current is LeadStatus.DISQUALIFIED:
        raise InvalidTransition(
            "a disqualified lead must be recycled before it can be converted",
            fields={"status": "disqualified"},
        )


def conversion_change(current: LeadStatus | str) -> StatusChange:
    check_conversion_allowed(current)
    return StatusChange(LeadStatus(current), LeadStatus.CONVERTED, None, "conversion")


def replay(start: LeadStatus, moves: Iterable[tuple[str, str]]) -> LeadStatus:
    """Replay a status history; every row must start where the previous one ended."""
    status = start
    for from_status, to_status in moves:
        if LeadStatus(from_status) != status:
            raise ValueError(f"history broken: expected {status}, found {from_status}")
        status = LeadStatus(to_status)
    return status


# --- Qualification (BANT / MEDDIC) ------------------------------------------------------------

TIMING_HORIZONS = ("now", "3_months", "6_months", "12_months", "unknown")


@dataclass(frozen=True)
class Budget:
    status: str = "none"
    min: Decimal | None = None
    max: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class Need:
    text: str = ""
    confirmed: bool = False


@dataclass(frozen=True)
class Timing:
    horizon: str = "unknown"
    date: date | None = None

    @property
    def known(self) -> bool:
        return self.horizon != "unknown" or self.date is not None


@dataclass(frozen=True)
class Qualification:
    framework: str = "bant"
    budget: Budget = Budget()
    authority: str = "none"
    need: Need = Need()
    timing: Timing = Timing()
    meddic: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def num(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "framework": self.framework,
            "budget": {
                "status": self.budget.status,
                "min": num(self.budget.min),
                "max": num(self.budget.max),
                "amount": num(self.budget.amount),
            },
            "authority": self.authority,
            "need": {"text": self.need.text, "confirmed": self.need.confirmed},
            "timing": {
                "horizon": self.timing.horizon,
                "date": self.timing.date.isoformat() if self.timing.date else None,
            },
            "meddic": dict(self.meddic),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any] | None) -> Qualification:
        if not data:
            return Qualification()

        def dec(v: Any) -> Decimal | None:
            return None if v in (None, "") else Decimal(str(v))

        budget = data.get("budget") or {}
        need = data.get("need") or {}
        timing = data.get("timing") or {}
        when = timing.get("date")
        return Qualification(
            framework=data.get("framework", "bant"),
            budget=Budget(
                status=budget.get("status", "none"),
                min=dec(budget.get("min")),
                max=dec(budget.get("max")),
                amount=dec(budget.get("amount")),
            ),
            authority=data.get("authority", "none"),
            need=Need(text=need.get("text") or "", confirmed=bool(need.get("confirmed"))),
            timing=Timing(
                horizon=timing.get("horizon", "unknown"),
                date=date.fromisoformat(when) if isinstance(when, str) else when,
            ),
            meddic={k: v for k, v in (data.get("meddic") or {}).items() if v},
        )


def check_qualification(q: Qualification) -> None:
    """Reject answers that contradict themselves, with the field at fault."""
    errors: dict[str, str] = {}
    if q.framework not in ("bant", "meddic"):
        errors["framework"] = "must be bant or meddic"
    if q.budget.status not in BUDGET_LEVELS:
        errors["budget.status"] = f"must be one of {', '.join(BUDGET_LEVELS)}"
    for name in ("min", "max", "amount"):
        value = getattr(q.budget, name)
        if value is not None and value < 0:
            errors[f"budget.{name}"] = "must not be negative"
    if q.budget.min is not None and q.budget.max is not None and q.budget.min > q.budget.max:
        errors["budget.max"] = "must be at least budget.min"
    if q.budget.status == "confirmed" and q.budget.amount is None:
        errors["budget.amount"] = "a confirmed budget needs its amount"
    if q.budget.status == "range" and q.budget.min is None and q.budget.max is None:
        errors["budget.min"] = "a budget range needs min or max"
    if q.authority not in AUTHORITY_LEVELS:
        errors["authority"] = f"must be one of {', '.join(AUTHORITY_LEVELS)}"
    if q.timing.horizon not in TIMING_HORIZONS:
        errors["timing.horizon"] = f"must be one of {', '.join(TIMING_HORIZONS)}"
    if q.need.confirmed and not q.need.text.strip():
        errors["need.text"] = "describe the need that was confirmed"
    unknown = [k for k in q.meddic if k not in MEDDIC_FIELDS]
    if unknown:
        errors["meddic"] = f"unknown elements: {', '.join(unknown)}"
    if errors:
        raise ValidationFailed("the qualification answers are inconsistent", fields=errors)


def missing_for_conversion(q: Qualification, playbook: Playbook) -> dict[str, str]:
    """What is still unknown before the lead is ready to convert (empty when ready)."""
    rule = playbook.qualification.ready_to_convert
    missing: dict[str, str] = {}
    if playbook.qualification.framework == "meddic":
        for name in rule.meddic_required:
            if not str(q.meddic.get(name, "")).strip():
                missing[f"meddic.{name}"] = "required by the playbook's MEDDIC rule"
        return missing
    if rule.need_confirmed and not q.need.confirmed:
        missing["need"] = "the need is not confirmed"
    if BUDGET_LEVELS.index(q.budget.status) < BUDGET_LEVELS.index(rule.budget_at_least):
        missing["budget"] = f"budget must be at least '{rule.budget_at_least}'"
    if rule.timing_known and not q.timing.known:
        missing["timing"] = "the timing is unknown"
    if AUTHORITY_LEVELS.index(q.authority) < AUTHORITY_LEVELS.index(rule.authority_at_least):
        missing["authority"] = f"authority must be at least '{rule.authority_at_least}'"
    return missing


def ready_to_convert(q: Qualification, playbook: Playbook) -> bool:
    return not missing_for_conversion(q, playbook)
