"""The audit trail: who changed what, when and why (SPEC §11)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


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
