"""The audit log as read (SPEC §18): ``GET /api/v1/audit``, the admin audit page and a
record's audit section. Admin and sales_ops read every row; anyone else reads the rows about
the records they may read (``bascule.access``), never those about users, tokens or the
playbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bascule.access import service as access
from bascule.errors import ValidationFailed
from bascule.playbook.schema import Playbook
from bascule.storage import audit as store
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, Role

ENTITIES = ("lead", "opportunity", "account", "contact", "playbook", "user", "token", "team",
            "form", "import")  # fmt: skip
RECORDS = ("lead", "opportunity", "account", "contact")
READ_ALL = frozenset({Role.ADMIN, Role.SALES_OPS})
# What a reader who sees no opportunity amounts (SPEC §18: marketing) reads of an amount that
# changed: that it changed, not the figures.
HIDDEN = "hidden"
AMOUNT_FIELDS = frozenset({"amount"})


@dataclass(frozen=True)
class AuditQuery:
    entity: str | None = None
    entity_id: int | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    page_size: int = 50


def days(
    playbook: Playbook, first: date | None, last: date | None
) -> tuple[datetime | None, datetime | None]:
    """``from`` and ``to`` (days of the company's calendar, both included) as instants."""
    if first is not None and last is not None and first > last:
        raise ValidationFailed("the period ends before it starts", fields={"from": "after to"})
    zone = ZoneInfo(playbook.calendar.timezone)
    for name, day in (("from", first), ("to", last)):
        if day is not None and not date(1900, 1, 1) <= day <= date(9998, 12, 31):
            raise ValidationFailed("the period is out of range", fields={name: "1900 to 9998"})
    since = datetime.combine(first, time(), zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time(), zone) if last else None
    return since, until


def reads_everything(actor: Actor) -> bool:
    return actor.role is None or actor.role in READ_ALL


def search(
    uow: UnitOfWork, query: AuditQuery, *, actor: Actor, playbook: Playbook
) -> tuple[list[dict[str, Any]], int]:
    """A page of the audit rows ``actor`` may read that match ``query``, newest first."""
    allowed = None
    if not reads_everything(actor):
        kinds = [query.entity] if query.entity in RECORDS else RECORDS
        allowed = store.readable(
            {entity: access.where(uow, actor, playbook, entity) for entity in kinds}
        )
    rows, total = store.page(
        uow.session, entity=query.entity, entity_id=query.entity_id, actor_id=query.actor_id,
        since=query.since, until=query.until, allowed=allowed, page=query.page,
        page_size=query.page_size,
    )  # fmt: skip
    hide = not access.sees_amounts(uow, actor, playbook)
    return [to_read(row, name, hide_amounts=hide) for row, name in rows], total


def of_record(
    uow: UnitOfWork, entity: str, entity_id: int, *, actor: Actor, playbook: Playbook
) -> list[dict[str, Any]]:
    """The audit of one record (its page's audit section), newest first, up to 100 rows."""
    found, _ = search(
        uow, AuditQuery(entity=entity, entity_id=entity_id, page_size=100), actor=actor,
        playbook=playbook,
    )  # fmt: skip
    return found


def to_read(row: Any, actor_name: str | None, *, hide_amounts: bool = False) -> dict[str, Any]:
    changes = row.changes or {}
    if hide_amounts and row.entity == "opportunity":
        changes = {k: HIDDEN if k in AMOUNT_FIELDS else v for k, v in changes.items()}
    return {
        "id": row.id,
        "at": row.at,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "action": row.action,
        "actor_user_id": row.actor_user_id,
        "actor_rule": row.actor_rule,
        "actor_name": actor_name or row.actor_rule,
        "changes": changes,
        "reason": row.reason,
    }
