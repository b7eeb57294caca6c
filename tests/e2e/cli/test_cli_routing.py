"""Routing from the command line (SPEC §9, §14): ``bascule playbook check | apply`` refuse a
routing rule naming a team or user the database does not know, ``bascule users away`` and
``deactivate`` (open leads routed again, each in history), and imports routing their rows."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bascule.storage import tables as t

DEFAULT = Path(str(resources.files("bascule.playbook").joinpath("default.toml")))
NO_ROUTING = "[routing]\nenabled = true\nrules = []\n"
TEAM = "SDR France"
REPS = ("anna.sdr@bascule-crm.fr", "basile.sdr@bascule-crm.fr", "clara.sdr@bascule-crm.fr")
TEAM_RULE = f"""[routing]
enabled = true
fallback_owner = "admin@bascule-crm.fr"

[[routing.rules]]
key = "sdr_france"
countries = ["FR"]
team = "{TEAM}"
weights = {{ "anna.sdr@bascule-crm.fr" = 2 }}
"""


@pytest.fixture
def playbook_file(tmp_path: Path):
    """The default playbook with this ``[routing]`` section, written to a file."""

    def write(section: str, name: str = "playbook.toml") -> Path:
        text = DEFAULT.read_text("utf-8")
        assert NO_ROUTING in text
        path = tmp_path / name
        path.write_text(text.replace(NO_ROUTING, section), "utf-8")
        return path

    return write


@pytest.fixture
def team(bascule) -> dict[str, int]:
    """Three SDRs in team SDR France and an admin (the fallback owner), by e-mail -> id."""
    made = bascule("users", "create", "admin@bascule-crm.fr", "--role", "admin")
    assert made.exit_code == 0, made.output
    for email in REPS:
        made = bascule("users", "create", email, "--role", "sdr", "--team", TEAM)
        assert made.exit_code == 0, made.output
    return {email: n for n, email in enumerate(("admin@bascule-crm.fr", *REPS), start=1)}


def owners(db: Engine) -> dict[str, int | None]:
    with Session(db) as session:
        rows = session.execute(select(t.Lead.email, t.Lead.owner_id).order_by(t.Lead.id))
        return {email: owner for email, owner in rows}


def assignment_rows(db: Engine, lead_id: int) -> list[t.LeadStatusHistory]:
    with Session(db) as session:
        return list(
            session.scalars(
                select(t.LeadStatusHistory)
                .where(t.LeadStatusHistory.lead_id == lead_id)
                .where(t.LeadStatusHistory.kind == "assignment")
                .order_by(t.LeadStatusHistory.id)
            )
        )


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = ["Nom;E-mail;Pays"] + [
        f"Client {i};{email};{country}" for i, (email, country) in enumerate(rows)
    ]
    path.write_text("\r\n".join(lines) + "\r\n", "utf-8")
    return path


# --- playbook check and apply: the names against the database ---------------------------------


def test_a_rule_naming_an_unknown_team_is_refused_with_the_field(
    bascule, team, playbook_file, one_line_error, db
):
    path = playbook_file(TEAM_RULE.replace(f'team = "{TEAM}"', 'team = "SDR Fance"'))

    checked = bascule("playbook", "check", str(path))
    assert one_line_error(checked) == f"error: {path}: playbook is invalid (1 error)"
    assert checked.stdout.splitlines() == [
        f"{path}: routing.rules.0.team: no team named 'SDR Fance' (known: SDR France)"
    ]

    applied = bascule("playbook", "apply", str(path))
    line = one_line_error(applied)
    assert "routing.rules.0.team: no team named 'SDR Fance'" in line
    with Session(db) as session:
        assert session.scalar(select(func.count()).select_from(t.PlaybookVersion)) == 0


def test_unknown_or_inactive_users_and_weights_for_non_members_are_refused(
    bascule, team, playbook_file, one_line_error
):
    assert bascule("users", "create", "zoe@bascule-crm.fr", "--role", "sales").exit_code == 0
    assert bascule("users", "deactivate", "admin@bascule-crm.fr").exit_code == 0
    section = f"""[routing]
enabled = true
fallback_owner = "admin@bascule-crm.fr"

[[routing.rules]]
key = "vip"
employees_min = 5000
owner = "nobody@bascule-crm.fr"

[[routing.rules]]
key = "sdr_france"
team = "{TEAM}"
weights = {{ "zoe@bascule-crm.fr" = 2, "ghost@bascule-crm.fr" = 1, "clara.sdr@bascule-crm.fr" = 3 }}
"""
    result = bascule("playbook", "check", str(playbook_file(section)))
    one_line_error(result)
    assert [line.split(": ", 1)[1] for line in result.stdout.splitlines()] == [
        "routing.rules.0.owner: nobody@bascule-crm.fr: no such user",
        "routing.rules.1.weights.zoe@bascule-crm.fr: zoe@bascule-crm.fr: not a member of team "
        "'SDR France'",
        "routing.rules.1.weights.ghost@bascule-crm.fr: ghost@bascule-crm.fr: no such user",
        "routing.fallback_owner: admin@bascule-crm.fr: this user is deactivated",
    ]


def test_known_names_check_and_apply(bascule, team, playbook_file):
    path = playbook_file(TEAM_RULE)
    checked = bascule("playbook", "check", str(path))
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith("OK: ")
    applied = bascule("playbook", "apply", str(path))
    assert applied.exit_code == 0, applied.output


def test_a_playbook_without_routing_rules_is_checked_without_a_database(run_cli, tmp_path):
    # no database at this URL: a playbook naming nobody needs none
    missing = f"sqlite:///{tmp_path / 'absent' / 'bascule.db'}"
    result = run_cli("--database-url", missing, "playbook", "check", str(DEFAULT))
    assert result.exit_code == 0, result.output


def test_a_rule_key_longer_than_the_counter_column_is_refused(
    bascule, playbook_file, one_line_error
):
    path = playbook_file(TEAM_RULE.replace('key = "sdr_france"', f'key = "{"k" * 41}"'))
    result = bascule("playbook", "check", str(path))
    one_line_error(result)
    assert "routing.rules.0.key: String should have at most 40 characters" in result.stdout


# --- out of office ----------------------------------------------------------------------------


def test_away_then_back(bascule, team, db):
    result = bascule(
        "users",
        "away",
        "basile.sdr@bascule-crm.fr",
        "--from",
        "2031-08-03",
        "--until",
        "2031-08-14",
    )
    assert result.exit_code == 0, result.output
    assert "basile.sdr@bascule-crm.fr is out of office from 2031-08-0" in result.stdout
    with Session(db) as session:
        user = session.get(t.User, team["basile.sdr@bascule-crm.fr"])
        assert user is not None
        # the whole days, Paris time: from the 3rd at 00:00 to the 15th at 00:00 (summer: UTC+2)
        assert user.absent_from == datetime(2031, 8, 2, 22, 0, tzinfo=UTC)
        assert user.absent_until == datetime(2031, 8, 14, 22, 0, tzinfo=UTC)

    back = bascule("users", "away", "basile.sdr@bascule-crm.fr", "--back")
    assert back.exit_code == 0, back.output
    assert (
        back.stdout.strip() == "basile.sdr@bascule-crm.fr is back: routing gives them leads again"
    )
    with Session(db) as session:
        user = session.get(t.User, team["basile.sdr@bascule-crm.fr"])
        assert user is not None and (user.absent_from, user.absent_until) == (None, None)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--from", "demain"), "--from: 'demain' is not a date"),
        (("--from", "2031-08-14", "--until", "2031-08-03"), "must come after its start"),
        (("--until", "2020-01-01"), "must come after its start"),
        (("--back", "--until", "2031-08-03"), "--back takes neither --from nor --until"),
    ],
)
def test_bad_absences_are_one_line_errors(bascule, team, one_line_error, args, words):
    line = one_line_error(bascule("users", "away", "anna.sdr@bascule-crm.fr", *args))
    assert words in line


def test_an_unknown_user_is_a_one_line_error(bascule, one_line_error):
    line = one_line_error(bascule("users", "away", "nobody@bascule-crm.fr"))
    assert line == "error: user nobody@bascule-crm.fr not found (email: no such user)"
    line = one_line_error(bascule("users", "deactivate", "nobody@bascule-crm.fr"))
    assert "not found" in line


# --- deactivation -----------------------------------------------------------------------------


def test_deactivation_reassigns_open_leads_by_the_rules_and_writes_history(
    bascule, team, playbook_file, db, tmp_path
):
    assert bascule("playbook", "apply", str(playbook_file(TEAM_RULE))).exit_code == 0
    rows = [(f"p{i}@client{i}.fr", "FR") for i in range(8)] + [("de@kunde.de", "DE")]
    imported = bascule("import", str(write_csv(tmp_path / "leads.csv", rows)))
    assert imported.exit_code == 0, imported.output
    anna, basile, clara = (team[e] for e in REPS)
    before = owners(db)
    # weights 2:1:1 over 8 leads, the German one to the fallback owner
    assert Counter(before.values()) == {
        anna: 4,
        basile: 2,
        clara: 2,
        team["admin@bascule-crm.fr"]: 1,
    }
    basile_leads = [i for i, owner in enumerate(before.values(), start=1) if owner == basile]

    result = bascule("users", "deactivate", "basile.sdr@bascule-crm.fr")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "basile.sdr@bascule-crm.fr deactivated: 2 open leads reassigned" in out
    assert "left unassigned" not in out
    after = owners(db)
    assert basile not in after.values()
    assert Counter(after.values())[anna] + Counter(after.values())[clara] == 8
    for lead_id in basile_leads:
        rows_ = assignment_rows(db, lead_id)
        assert [r.actor_rule for r in rows_] == ["routing:sdr_france", "routing:sdr_france"]
        assert rows_[-1].reason is not None
        assert rows_[-1].reason.startswith("basile.sdr@bascule-crm.fr deactivated: rule sdr_france")
        assert "basile.sdr@bascule-crm.fr (inactive)" in rows_[-1].reason
    with Session(db) as session:
        user = session.get(t.User, basile)
        assert user is not None and user.is_active is False
        audit = session.scalars(
            select(t.AuditLog.action).where(
                t.AuditLog.entity == "user", t.AuditLog.entity_id == basile
            )
        ).all()
        assert audit == ["create", "deactivate"]


def test_deactivation_says_which_leads_are_left_unassigned(
    bascule, team, playbook_file, db, tmp_path
):
    # no fallback owner, and the only rule names the user who leaves
    section = """[routing]
enabled = true

[[routing.rules]]
key = "france"
countries = ["FR"]
owner = "anna.sdr@bascule-crm.fr"
"""
    assert bascule("playbook", "apply", str(playbook_file(section))).exit_code == 0
    path = write_csv(tmp_path / "leads.csv", [("a@a.fr", "FR"), ("b@b.fr", "FR")])
    assert bascule("import", str(path)).exit_code == 0

    result = bascule("users", "deactivate", "anna.sdr@bascule-crm.fr")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "anna.sdr@bascule-crm.fr deactivated: 2 open leads reassigned" in out
    assert "2 left unassigned (no rule places them and no active fallback owner): #1, #2" in out
    assert (
        "warning: the playbook still names them at routing.rules.0.owner "
        "(anna.sdr@bascule-crm.fr: this user is deactivated)"
    ) in out
    assert set(owners(db).values()) == {None}
    [first, last] = assignment_rows(db, 1)
    assert first.actor_rule == "routing:france"
    assert (last.actor_rule, last.reason) == (
        "cli",
        "anna.sdr@bascule-crm.fr deactivated: rule france (country FR): owner "
        "anna.sdr@bascule-crm.fr not available (inactive); no fallback owner",
    )


# --- imports ----------------------------------------------------------------------------------


def test_an_import_routes_its_rows_chunk_after_chunk(bascule, team, playbook_file, db, tmp_path):
    assert bascule("playbook", "apply", str(playbook_file(TEAM_RULE))).exit_code == 0
    assert bascule("users", "away", "clara.sdr@bascule-crm.fr").exit_code == 0
    rows = [(f"p{i}@client{i}.fr", "FR") for i in range(30)] + [("x@kunde.de", "DE")]
    path = write_csv(tmp_path / "leads.csv", rows)

    result = bascule("import", str(path), "--as", "admin@bascule-crm.fr", "--chunk-rows", "7")

    assert result.exit_code == 0, result.output
    anna, basile, _ = (team[e] for e in REPS)
    got = owners(db)
    # anna weighs 2, basile 1, clara is away; the German lead goes to the fallback owner
    assert Counter(got.values()) == {anna: 20, basile: 10, team["admin@bascule-crm.fr"]: 1}
    assert got["x@kunde.de"] == team["admin@bascule-crm.fr"]
    with Session(db) as session:
        counters = session.execute(select(t.RoutingCounter.user_id, t.RoutingCounter.assigned))
        assert dict(counters.all()) == {anna: 20, basile: 10}
        kinds = session.execute(
            select(t.LeadStatusHistory.kind, func.count()).group_by(t.LeadStatusHistory.kind)
        )
        assert dict(kinds.all()) == {"creation": 31, "assignment": 31}
        leads = session.scalars(select(t.Lead)).all()
        assert all(lead.assigned_at is not None for lead in leads)
    [row] = assignment_rows(db, 1)
    assert row.actor_rule == "routing:sdr_france"
    assert row.reason is not None and "clara.sdr@bascule-crm.fr (out of office)" in row.reason


def test_an_import_no_rule_places_gives_the_rows_to_the_importer(
    bascule, team, playbook_file, db, tmp_path
):
    section = TEAM_RULE.replace('fallback_owner = "admin@bascule-crm.fr"\n', "")
    assert bascule("playbook", "apply", str(playbook_file(section))).exit_code == 0
    path = write_csv(tmp_path / "leads.csv", [("x@kunde.de", "DE"), ("y@kunde.de", "DE")])
    result = bascule("import", str(path), "--as", "basile.sdr@bascule-crm.fr")
    assert result.exit_code == 0, result.output
    assert set(owners(db).values()) == {team["basile.sdr@bascule-crm.fr"]}
    [row] = assignment_rows(db, 1)
    assert row.reason == (
        "import #1: the importing user keeps it (no routing rule matches; no fallback owner)"
    )


def test_a_lead_is_never_routed_to_someone_away_now(bascule, team, playbook_file, db, tmp_path):
    # out of office from yesterday, open-ended, for two of the three
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    for email in REPS[:2]:
        assert bascule("users", "away", email, "--from", yesterday).exit_code == 0
    assert bascule("playbook", "apply", str(playbook_file(TEAM_RULE))).exit_code == 0
    path = write_csv(tmp_path / "leads.csv", [(f"p{i}@c{i}.fr", "FR") for i in range(5)])
    assert bascule("import", str(path)).exit_code == 0
    assert set(owners(db).values()) == {team["clara.sdr@bascule-crm.fr"]}
