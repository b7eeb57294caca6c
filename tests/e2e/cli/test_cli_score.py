"""``bascule score recompute | refresh | show`` on both databases (SPEC §8, §14)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bascule.leads import service as leads
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook, default_text
from bascule.signals import service as signals
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users.model import Actor, Role

DIRECTOR_FR = {"job_title": "Directeur", "employees": 250, "country": "FR"}


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    playbooks.forget(database)
    try:
        yield database
    finally:
        database.dispose()


def make_lead(database: Database, email: str, *, demo: bool = True) -> int:
    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        data = {"email": email, "last_name": "Martin", **DIRECTOR_FR}
        lead, _ = leads.create(
            uow, data=data, actor=Actor.for_rule("test"), playbook=default_playbook(), now=now
        )
        if demo:
            item = {"type": "form_submit", "occurred_at": now.isoformat(), "lead_id": lead.id,
                    "properties": {"form_type": "demo_request"}}  # fmt: skip
            signals.ingest(uow, items=[item], now=now, playbook=default_playbook())
        uow.commit()
        return lead.id


def lead_row(database: Database, lead_id: int) -> t.Lead:
    with database.uow() as uow:
        lead = uow.session.get(t.Lead, lead_id)
        assert lead is not None
        uow.session.expunge(lead)
        return lead


def test_recompute_applies_a_changed_playbook_to_every_lead(bascule, database, tmp_path: Path):
    # Given three leads scored 46 under the default playbook: one new, one a salesperson
    # accepted (sql), one a person took out of mql back to nurturing
    new, accepted, taken_out = (make_lead(database, f"{n}@acier-durand.fr") for n in "abc")
    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        # Sales ops: reads and edits the leads nobody owns (SPEC §18)
        seller = users.create_user(
            uow, email="s@bascule-crm.fr", role="sales_ops", name="S", now=now
        )
        actor = Actor(user_id=seller.id, role=Role.SALES_OPS)
        pb = default_playbook()
        for lead_id, moves in ((accepted, ("sql",)), (taken_out, ("mql", "nurturing"))):
            for status in moves:
                leads.change_status(uow, lead_id=lead_id, status=status, reason=None,
                                    actor=actor, playbook=pb, now=now)  # fmt: skip
        uow.commit()
    assert {lead_row(database, i).score for i in (new, accepted, taken_out)} == {46}

    # When a playbook worth more for a demo request, with a lower threshold, is applied
    text = default_text().replace("demo_request = { points = 24, cap = 24 }",
                                  "demo_request = { points = 30, cap = 30 }")  # fmt: skip
    text = text.replace("mql_threshold = 50", "mql_threshold = 45")
    path = tmp_path / "playbook.toml"
    path.write_text(text, encoding="utf-8")
    assert bascule("playbook", "apply", str(path)).exit_code == 0

    result = bascule("score", "recompute", "--batch", "2")

    # Then every lead is re-scored, and only the new one becomes an MQL, by the rule
    assert result.exit_code == 0, result.stderr
    assert "Scoring leads" in result.stdout
    assert "Scores recomputed" in result.stdout
    assert "│            3 │              3 │               1 │      1 │" in result.stdout
    found = {i: lead_row(database, i) for i in (new, accepted, taken_out)}
    assert {lead.score for lead in found.values()} == {52}
    assert [found[i].status for i in (new, accepted, taken_out)] == ["mql", "sql", "nurturing"]
    with database.uow() as uow:
        last = uow.session.scalars(
            select(t.LeadStatusHistory).where(t.LeadStatusHistory.lead_id == new)
            .order_by(t.LeadStatusHistory.id.desc())
        ).first()  # fmt: skip
        assert last is not None
        assert (last.to_status, last.actor_rule, last.actor_user_id) == (
            "mql",
            "mql_threshold",
            None,
        )

    # And recomputing again changes nothing more
    again = bascule("score", "recompute")
    assert "│            3 │              0 │               0 │      0 │" in again.stdout


def test_recompute_scores_leads_written_by_an_import(bascule, database):
    lead_id = make_lead(database, "imported@acier-durand.fr")
    with database.uow(write=True) as uow:
        row = uow.session.get(t.Lead, lead_id)
        assert row is not None
        row.score, row.score_explanation = 0, []
        uow.commit()

    assert bascule("score", "recompute").exit_code == 0

    lead = lead_row(database, lead_id)
    assert lead.score == 46
    assert sum(e["points"] for e in lead.score_explanation) == 46


def test_refresh_brings_decayed_scores_up_to_date(bascule, database):
    lead_id = make_lead(database, "old@acier-durand.fr")
    # the lead was last scored 30 days ago (its state says so)
    with database.uow(write=True) as uow:
        state = uow.session.get(t.LeadScoreState, lead_id)
        assert state is not None
        state.as_of = datetime.now(UTC) - timedelta(days=30)
        uow.commit()

    result = bascule("score", "refresh")

    assert result.exit_code == 0, result.stderr
    assert "Decayed scores refreshed" in result.stdout
    assert lead_row(database, lead_id).score == 34


def test_show_prints_the_reasons_that_add_up_to_the_score(bascule, database):
    lead_id = make_lead(database, "shown@acier-durand.fr")

    result = bascule("score", "show", str(lead_id))

    assert result.exit_code == 0, result.stderr
    assert f"Lead {lead_id}: score 46 (status new)" in result.stdout
    for line in ("+8 │ Niveau hiérarchique : directeur", "+24 │ Demande de démo"):
        assert line in result.stdout


def test_recompute_refuses_when_scoring_is_off(bascule, database, tmp_path, one_line_error):
    path = tmp_path / "off.toml"
    path.write_text(
        default_text().replace("[scoring]\nenabled = true", "[scoring]\nenabled = false")
    )
    assert bascule("playbook", "apply", str(path)).exit_code == 0

    line = one_line_error(bascule("score", "recompute"))

    assert line == "error: scoring is off in the active playbook (scoring.enabled = false)"


def test_show_of_an_unknown_lead_is_one_line(bascule, database, one_line_error):
    assert "lead 999 not found" in one_line_error(bascule("score", "show", "999"))


def test_playbook_check_names_the_scoring_field_at_fault(bascule, tmp_path, one_line_error):
    path = tmp_path / "bad.toml"
    text = default_text().replace("warm = 40", "warm = 80").replace("page_view = {", "page_vue = {")
    path.write_text(text, encoding="utf-8")

    result = bascule("playbook", "check", str(path))

    one_line_error(result)
    assert f"{path}: scoring.bands.warm: must be below hot (70), got 80" in result.stdout
    assert f"{path}: scoring.signals.page_vue: unknown signal type; known:" in result.stdout
