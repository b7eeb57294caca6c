"""Migration 0019 on both databases: the behaviour state carried by lead explanations moves to
``lead_score_state`` (explanations keep reason, points and rule), and downgrade puts it back."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from bascule.storage.db import make_engine
from bascule.storage.migrate import alembic_config

AS_OF = "2026-11-26T09:00:00+00:00"
FIRMOGRAPHICS = [
    {"reason": "Niveau hiérarchique : directeur (Directeur)", "points": 8, "rule": "seniority"},
    {"reason": "Pays : FR", "points": 4, "rule": "country"},
]
CARRYING = [  # as the scoring rules wrote it before 0019
    *FIRMOGRAPHICS,
    {"reason": "Demande de démo", "points": 24, "rule": "form:demo_request", "value": 24.0,
     "as_of": AS_OF},
    {"reason": "Pages vues", "points": 2, "rule": "signal:page_view", "value": 1.5321},
]  # fmt: skip
FOREIGN = [{"reason": "Visite de la page tarifs", "points": 15}]  # the demo data's


@pytest.fixture
def blank(engine: Engine, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own (migrations are run down and up on it), of the kind of
    ``engine``."""
    if engine.dialect.name == "sqlite":
        fresh = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
        yield fresh
        fresh.dispose()
        return
    admin_url = os.environ.get(
        "BASCULE_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name = f"bascule_test_{secrets.token_hex(6)}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=0)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = make_engine(make_url(admin_url).set(database=name))
    try:
        yield fresh
    finally:
        fresh.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    cfg = alembic_config(engine)
    with engine.connect().execution_options(write=True) as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
        conn.commit()


def add_lead(conn: Any, lead_id: int, score: int, explanation: list[Any]) -> None:
    conn.execute(
        text(
            "INSERT INTO lead (id, last_name, source, kind, status, score, score_explanation,"
            " search_text, created_at, updated_at, do_not_contact, ready_to_convert,"
            " failed_attempts, conversion_overdue) VALUES (:id, 'Durand', 'web_form', 'sales',"
            " 'new', :score, :explanation, '', :now, :now, false, false, 0, false)"
        ),
        {
            "id": lead_id,
            "score": score,
            "explanation": json.dumps(explanation),
            "now": datetime.now(),
        },
    )


def explanations(conn: Any) -> dict[int, Any]:
    rows = conn.execute(text("SELECT id, score_explanation FROM lead ORDER BY id")).all()
    return {i: json.loads(e) if isinstance(e, str) else e for i, e in rows}


def test_the_state_moves_to_its_table_and_back(blank):
    migrate(blank, "0017")
    with blank.connect().execution_options(write=True) as conn:
        add_lead(conn, 1, 38, CARRYING)
        add_lead(conn, 2, 12, FIRMOGRAPHICS)
        add_lead(conn, 3, 15, FOREIGN)
        add_lead(conn, 4, 0, [])
        conn.commit()

    migrate(blank, "0019")

    with blank.connect() as conn:
        shown = explanations(conn)
        states = conn.execute(
            text("SELECT lead_id, score, behaviour, as_of FROM lead_score_state")
        ).all()
    assert shown[1] == [
        *FIRMOGRAPHICS,
        {"reason": "Demande de démo", "points": 24, "rule": "form:demo_request"},
        {"reason": "Pages vues", "points": 2, "rule": "signal:page_view"},
    ]
    assert (shown[2], shown[3], shown[4]) == (FIRMOGRAPHICS, FOREIGN, [])
    ((lead_id, score, behaviour, as_of),) = states
    behaviour = json.loads(behaviour) if isinstance(behaviour, str) else behaviour
    assert (lead_id, score) == (1, 38)
    assert behaviour == {"form:demo_request": 24.0, "signal:page_view": 1.5321}
    as_of = datetime.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    assert as_of.replace(tzinfo=UTC) == datetime.fromisoformat(AS_OF)

    migrate(blank, "0017", down=True)

    with blank.connect() as conn:
        assert explanations(conn) == {1: CARRYING, 2: FIRMOGRAPHICS, 3: FOREIGN, 4: []}
