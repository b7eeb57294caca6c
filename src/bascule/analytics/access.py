"""Which records a report may count (SPEC §18: "lists and reports count only readable records").

Every report query takes one ``Readable`` and adds its conditions: those of ``bascule.access``
(the playbook's ``[access]``), the one place that decides who reads what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from bascule.access import service as access
from bascule.playbook.schema import Playbook
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor


@dataclass(frozen=True)
class Readable:
    """Conditions on the ``lead`` and ``opportunity`` tables; ``None``: every record.
    ``amounts``: False for a role that reads no opportunity amounts (reports blank them)."""

    leads: ColumnElement[bool] | None = None
    opportunities: ColumnElement[bool] | None = None
    amounts: bool = True


EVERYTHING = Readable()


def readable_by(uow: UnitOfWork, actor: Actor, playbook: Playbook) -> Readable:
    """What ``actor`` may count in a report."""
    return Readable(
        leads=access.where(uow, actor, playbook, "lead"),
        opportunities=access.where(uow, actor, playbook, "opportunity"),
        amounts=access.sees_amounts(uow, actor, playbook),
    )


def blank_amounts(report: dict[str, Any]) -> dict[str, Any]:
    """The report without any amount (keys naming one) for a role that may not read them."""

    def blank(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: None if "amount" in k else blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return value

    result: dict[str, Any] = blank(report)
    return result
