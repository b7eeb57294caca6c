"""lead score state

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-05 10:00:00

A lead's behaviour state (each behaviour rule's decayed points before the cap, ``value``, and
their time, ``as_of``) travelled in its ``score_explanation`` entries, so every batch of
signals rewrote the wide lead row even when the score and the reasons shown stayed the same.
It moves to the narrow ``lead_score_state`` (one row per lead with behaviour points, deleted
with its lead); the explanation keeps reason, points and rule. Downgrade puts the state back
into the explanations.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from bascule.storage.db import UTCDateTime

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

PAGE = 1000
BEHAVIOUR = ("signal:", "form:")

lead = sa.table(
    "lead",
    sa.column("id", sa.Integer()),
    sa.column("score", sa.Integer()),
    sa.column("score_explanation", sa.JSON()),
)
state = sa.table(
    "lead_score_state",
    sa.column("lead_id", sa.Integer()),
    sa.column("score", sa.Integer()),
    sa.column("behaviour", sa.JSON()),
    sa.column("as_of", UTCDateTime()),
)


def upgrade() -> None:
    op.create_table(
        "lead_score_state",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("behaviour", sa.JSON(), nullable=False),
        sa.Column("as_of", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
            name=op.f("fk_lead_score_state_lead_id_lead"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_lead_score_state")),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # Every batch of signals rewrites these rows: room on each page keeps the new
        # version there (an in-place, HOT, update that leaves the primary key index alone).
        op.execute("ALTER TABLE lead_score_state SET (fillfactor = 50)")
    # Only explanations carrying a state have a "value" entry.
    carrying = sa.cast(lead.c.score_explanation, sa.Text).like('%"value"%')
    for rows in _pages(conn, carrying):
        states, explanations = [], []
        for lead_id, score, explanation in rows:
            found = _state_of(explanation)
            if found is None:
                continue  # not one the scoring rules wrote: scored from its signals next time
            values, as_of = found
            if values:
                states.append(
                    {"lead_id": lead_id, "score": score, "behaviour": values, "as_of": as_of}
                )
            shown = [
                {k: v for k, v in e.items() if k not in ("value", "as_of")} for e in explanation
            ]
            explanations.append({"b_id": lead_id, "b_explanation": shown})
        if states:
            conn.execute(sa.insert(state), states)
        _write_explanations(conn, explanations)


def downgrade() -> None:
    conn = op.get_bind()
    query = (
        sa.select(lead.c.id, lead.c.score_explanation, state.c.behaviour, state.c.as_of)
        .select_from(lead.join(state, state.c.lead_id == lead.c.id))
        .where(state.c.score == lead.c.score)
        .order_by(lead.c.id)
    )
    after = 0
    while True:
        rows = conn.execute(query.where(lead.c.id > after).limit(PAGE)).all()
        if not rows:
            break
        after = rows[-1][0]
        explanations = []
        for lead_id, explanation, values, as_of in rows:
            stamp = None if as_of is None else as_of.astimezone(UTC).isoformat()
            merged = []
            for entry in explanation or []:
                rule = entry.get("rule") if isinstance(entry, dict) else None
                if isinstance(rule, str) and rule in values:
                    entry = {**entry, "value": values[rule]}
                    if stamp is not None:
                        entry["as_of"], stamp = stamp, None
                merged.append(entry)
            explanations.append({"b_id": lead_id, "b_explanation": merged})
        _write_explanations(conn, explanations)
    op.drop_table("lead_score_state")


def _pages(conn: sa.Connection, where: sa.ColumnElement[bool]) -> Iterator[list[Any]]:
    after = 0
    while True:
        query = (
            sa.select(lead.c.id, lead.c.score, lead.c.score_explanation)
            .where(lead.c.id > after, where)
            .order_by(lead.c.id)
            .limit(PAGE)
        )
        rows = conn.execute(query).all()
        if not rows:
            return
        after = rows[-1][0]
        yield [tuple(r) for r in rows]


def _write_explanations(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        update = (
            sa.update(lead)
            .where(lead.c.id == sa.bindparam("b_id"))
            .values(score_explanation=sa.bindparam("b_explanation", type_=sa.JSON()))
        )
        conn.execute(update, rows)


def _state_of(explanation: Any) -> tuple[dict[str, float], datetime | None] | None:
    """The state an explanation carries (the rule the scoring code applied when it wrote it):
    None when it is not one the scoring rules wrote."""
    if not explanation or not isinstance(explanation, list):
        return None
    values: dict[str, float] = {}
    as_of: datetime | None = None
    for entry in explanation:
        rule = entry.get("rule") if isinstance(entry, dict) else None
        if not isinstance(rule, str):
            return None
        if not rule.startswith(BEHAVIOUR):
            continue
        value, stamp = entry.get("value"), entry.get("as_of")
        if not isinstance(value, int | float):
            return None
        if stamp is not None:
            try:
                as_of = datetime.fromisoformat(stamp)
            except (TypeError, ValueError):
                return None
            if as_of.tzinfo is None:
                as_of = as_of.replace(tzinfo=UTC)
        values[rule] = float(value)
    if values and as_of is None:
        return None
    return values, as_of if values else None
