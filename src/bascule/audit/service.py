"""The audit trail: who changed what, when and why (SPEC §11)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bascule.errors import ValidationFailed
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# Why an edit was made, in the editor's words (SPEC §11 "why"): a sentence, not a document.
REASON_MAX = 500


def clean_reason(value: Any) -> str | None:
    """An edit's optional reason: trimmed, None when blank, refused (naming ``reason``) when
    longer than ``REASON_MAX``."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if len(text) > REASON_MAX:
        raise ValidationFailed(
            "the reason is too long", fields={"reason": f"at most {REASON_MAX} characters"}
        )
    return text or None


def take_reason(changes: dict[str, Any]) -> str | None:
    """Take the ``reason`` out of an edit's changes (it is no field of the record) and clean it."""
    return clean_reason(changes.pop("reason", None))


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for the fields that changed."""
    return {
        k: [jsonable(before.get(k)), jsonable(v)] for k, v in after.items() if before.get(k) != v
    }


def record(
    uow: UnitOfWork,
    *,
    actor: Actor,
    entity: str,
    entity_id: int,
    action: str,
    changes: dict[str, Any] | None = None,
    reason: str | None = None,
    now: datetime,
) -> None:
    uow.append(
        t.AuditLog,
        {
            "at": now,
            "actor_user_id": actor.user_id,
            "actor_rule": actor.rule,
            "entity": entity,
            "entity_id": entity_id,
            "action": action,
            "changes": {k: v for k, v in (changes or {}).items()},
            "reason": reason,
        },
    )
