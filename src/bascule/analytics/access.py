"""Which records a report may count (SPEC §18: "lists and reports count only readable records").

Every report query takes one ``Readable`` and adds its conditions, so the access rules plug in
here and nowhere else. Today every reader reads everything."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement

from bascule.users.model import Actor


@dataclass(frozen=True)
class Readable:
    """Conditions on the ``lead`` and ``opportunity`` tables; ``None``: every record."""

    leads: ColumnElement[bool] | None = None
    opportunities: ColumnElement[bool] | None = None


EVERYTHING = Readable()


def readable_by(actor: Actor) -> Readable:
    """What ``actor`` may count in a report. SPEC §18's visibility rules will answer here."""
    return EVERYTHING
