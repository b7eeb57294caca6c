"""Lead routing through the API and the public forms (SPEC §9): the playbook's rules give new
leads an owner, every assignment is in the lead's history, out-of-office and deactivated
users are skipped, and the admin's users endpoints refuse bad input without a 500."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bascule.playbook import service as playbooks
from bascule.playbook.load import default_text
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users_service

NO_ROUTING = "[routing]\nenabled = true\nrules = []\n"
TEAM = "SDR France"
REPS = ("anna.sdr@bascule-crm.fr", "basile.sdr@bascule-crm.fr", "clara.sdr@bascule-crm.fr")


def apply_routing(database: Database, section: str) -> None:
    """Store the default playbook with this ``[routing]`` section as the active version."""
    text = default_text()
    assert NO_ROUTING in text
    with database.uow(write=True) as uow:
        playbooks.apply(uow, text=text.replace(NO_ROUTING, section), by=None, now=datetime.now(UTC))
        uow.commit()
    playbooks.forget(database)


def make_reps(database: Database, emails: tuple[str, ...] = REPS, team: str = TEAM) -> list[int]:
    now = datetime.now(UTC)
    with database.uow(write=True) as uow:
        ids = [
            users_service.create_user(uow, email=e, role="sdr", team=team, now=now).id
            for e in emails
        ]
        uow.commit()
    return ids


def history(api: Any, lead_id: int) -> list[dict[str, Any]]:
    return api.ok(api.get(f"/leads/{lead_id}/history"))


def assignments(api: Any, lead_id: int) -> list[dict[str, Any]]:
    return [h for h in history(api, lead_id) if h["kind"] == "assignment"]


TEAM_RULE = f"""[routing]
enabled = true

[[routing.rules]]
key = "sdr_france"
countries = ["FR"]
team = "{TEAM}"
"""


# --- the test -------------------------------------------------------------------------


def test_round_robin_over_three_reps_with_one_out_of_office_spreads_100_leads_50_50(
    api, database, users
):
    anna, basile, clara = make_reps(database)
    apply_routing(database, TEAM_RULE)
    # Basile is on holiday for a fortnight, set by an admin
    now = datetime.now(UTC)
    away = api.ok(
        api.post(
            f"/users/{basile}/away",
            {
                "from": (now - timedelta(days=1)).isoformat(),
                "until": (now + timedelta(days=13)).date().isoformat(),
            },
            as_="admin",
        )
    )
    assert away["out_of_office"] is True

    made = [
        api.create_lead(email=f"prospect{i}@client{i}.fr", country="FR", as_="marketing")
        for i in range(100)
    ]

    owners = Counter(lead["owner_id"] for lead in made)
    assert owners == {anna: 50, clara: 50}
    assert all(lead["assigned_at"] is not None for lead in made)
    # and each lead says who placed it, and why
    first = assignments(api, made[0]["id"])
    assert len(first) == 1
    assert first[0]["actor_rule"] == "routing:sdr_france"
    assert first[0]["actor_user_id"] == users["marketing"].id
    assert (first[0]["from_status"], first[0]["to_status"]) == ("new", "new")
    assert "round-robin in team SDR France" in first[0]["reason"]
    assert "basile.sdr@bascule-crm.fr (out of office)" in first[0]["reason"]
    with database.uow() as uow:
        counters = uow.session.scalars(select(t.RoutingCounter)).all()
        assert {(c.rule, c.user_id, c.assigned) for c in counters} == {
            ("sdr_france", anna, 50),
            ("sdr_france", clara, 50),
        }


def test_back_from_holidays_the_rep_is_in_the_rotation_again(api, database):
    anna, basile, _clara = make_reps(database)
    apply_routing(database, TEAM_RULE)
    api.ok(api.post(f"/users/{basile}/away", {}, as_="admin"))  # from now, open-ended
    before = [api.create_lead(email=f"p{i}@x{i}.fr", country="FR") for i in range(4)]
    assert basile not in {lead["owner_id"] for lead in before}

    back = api.ok(api.request("DELETE", f"/users/{basile}/away", as_="admin"))
    assert (back["absent_from"], back["absent_until"], back["out_of_office"]) == (None, None, False)
    after = [api.create_lead(email=f"q{i}@y{i}.fr", country="FR") for i in range(3)]
    # one round behind the others, he takes the next lead, then the three take turns
    assert [lead["owner_id"] for lead in after] == [basile, anna, basile]


# --- the ways a lead gets an owner ------------------------------------------------------------


def test_an_owner_given_wins_over_routing_and_history_names_who_gave_it(api, database, users):
    anna, _, _ = make_reps(database)
    apply_routing(database, TEAM_RULE)
    lead = api.create_lead(country="FR", owner_id=users["sales"].id, as_="marketing")
    assert lead["owner_id"] == users["sales"].id
    [row] = assignments(api, lead["id"])
    assert row["actor_rule"] is None
    assert row["reason"] == "given to sales@bascule-crm.fr by Marketing"

    # When the sales user hands it to Anna
    moved = api.ok(api.patch(f"/leads/{lead['id']}", {"owner_id": anna}, as_="sales"))
    assert moved["owner_id"] == anna
    rows = assignments(api, lead["id"])
    assert [r["reason"] for r in rows][-1] == "given to anna.sdr@bascule-crm.fr by Sales"
    # The same owner again is no assignment
    api.ok(api.patch(f"/leads/{lead['id']}", {"owner_id": anna}))
    assert len(assignments(api, lead["id"])) == 2
    # Unassigned: a history row too, and assigned_at cleared
    nobody = api.ok(api.patch(f"/leads/{lead['id']}", {"owner_id": None}))
    assert (nobody["owner_id"], nobody["assigned_at"]) == (None, None)
    assert assignments(api, lead["id"])[-1]["reason"] == "unassigned by Admin"


def test_a_lead_no_rule_places_stays_with_its_creator_as_before(api, database, users):
    make_reps(database)
    apply_routing(database, TEAM_RULE)
    lead = api.create_lead(country="DE", as_="marketing")
    assert lead["owner_id"] == users["marketing"].id
    [row] = assignments(api, lead["id"])
    assert row["reason"] == "Marketing keeps it: no routing rule matches; no fallback owner"


def test_no_rule_matching_goes_to_the_fallback_owner(api, database, users):
    make_reps(database)
    fallback = 'enabled = true\nfallback_owner = "admin@bascule-crm.fr"\n'
    apply_routing(database, TEAM_RULE.replace("enabled = true\n", fallback))
    lead = api.create_lead(country="DE", as_="marketing")
    assert lead["owner_id"] == users["admin"].id
    [row] = assignments(api, lead["id"])
    assert row["actor_rule"] == "routing:fallback"


def test_a_demo_request_form_is_routed_by_territory_and_segment(api, database, form_key):
    _anna, _basile, clara = make_reps(database)
    (lea,) = make_reps(database, ("lea.grands-comptes@bascule-crm.fr",), team="Grands comptes")
    apply_routing(
        database,
        f"""[routing]
enabled = true

[[routing.rules]]
key = "large_accounts"
employees_min = 1000
team = "Grands comptes"

[[routing.rules]]
key = "demos_france"
countries = ["FR"]
form_types = ["demo_request"]
owner = "clara.sdr@bascule-crm.fr"

[[routing.rules]]
key = "sdr_france"
countries = ["FR"]
team = "{TEAM}"
""",
    )
    key = form_key("demo_request")
    body = {"email": "sophie@logistique-vallee.fr", "company": "Logistique de la Vallée"}

    small = api.ok(
        api.intake("demo_request", body | {"country": "FR", "employees": 25}, key=key), 201
    )
    large = api.ok(
        api.intake(
            "demo_request", {"email": "dsi@groupe.fr", "country": "FR", "employees": 5000}, key=key
        ),
        201,
    )

    assert api.ok(api.get(f"/leads/{small['lead_id']}"))["owner_id"] == clara
    assert api.ok(api.get(f"/leads/{large['lead_id']}"))["owner_id"] == lea
    [row] = assignments(api, small["lead_id"])
    assert row["actor_user_id"] is None
    assert row["actor_rule"] == "routing:demos_france"
    assert row["reason"] == (
        "rule demos_france (country FR, form demo_request) → clara.sdr@bascule-crm.fr"
    )


def test_a_second_submission_does_not_move_the_rotation(api, database, form_key):
    anna, basile, _clara = make_reps(database)
    apply_routing(database, TEAM_RULE)
    key = form_key("content_download")
    first = api.ok(
        api.intake("content_download", {"email": "a@a.fr", "country": "FR"}, key=key), 201
    )
    again = api.ok(
        api.intake("content_download", {"email": "a@a.fr", "country": "FR"}, key=key), 201
    )
    other = api.ok(
        api.intake("content_download", {"email": "b@b.fr", "country": "FR"}, key=key), 201
    )
    assert again["outcome"] == "lead_updated"
    owners = [api.ok(api.get(f"/leads/{x['lead_id']}"))["owner_id"] for x in (first, other)]
    assert owners == [anna, basile]
    assert len(assignments(api, first["lead_id"])) == 1


def test_an_unowned_lead_asking_again_is_routed_then(api, database, form_key):
    anna, _, _ = make_reps(database)
    # white papers are nobody's; demo requests go to the team
    apply_routing(
        database,
        f"""[routing]
enabled = true

[[routing.rules]]
key = "demos"
form_types = ["demo_request"]
team = "{TEAM}"
""",
    )
    paper = api.ok(
        api.intake("content_download", {"email": "a@a.fr"}, key=form_key("content_download")),
        201,
    )
    assert api.ok(api.get(f"/leads/{paper['lead_id']}"))["owner_id"] is None
    assert assignments(api, paper["lead_id"]) == []

    demo = api.ok(
        api.intake("demo_request", {"email": "a@a.fr"}, key=form_key("demo_request")), 201
    )
    assert (demo["outcome"], demo["lead_id"]) == ("lead_updated", paper["lead_id"])
    assert api.ok(api.get(f"/leads/{paper['lead_id']}"))["owner_id"] == anna
    assert [r["actor_rule"] for r in assignments(api, paper["lead_id"])] == ["routing:demos"]


def test_an_rfp_opportunity_gets_its_owner_from_routing(api, database, form_key):
    anna, _, _ = make_reps(database)
    apply_routing(
        database,
        f"""[routing]
enabled = true

[[routing.rules]]
key = "rfps"
form_types = ["rfp"]
team = "{TEAM}"
""",
    )
    body = {
        "email": "achats@industrie-nord.fr",
        "company": "Industrie du Nord",
        "project": "Refonte CRM",
        "budget": "180 k€",
        "expected_close_date": "2031-09-30",
    }
    made = api.ok(api.intake("rfp", body, key=form_key("rfp")), 201)
    opportunity = api.ok(api.get(f"/opportunities/{made['opportunity_id']}"))
    assert opportunity["owner_id"] == anna


# --- deactivation through the API -------------------------------------------------------------


def test_deactivating_a_user_reassigns_their_open_leads_by_the_same_rules(api, database, users):
    anna, basile, clara = make_reps(database)
    apply_routing(database, TEAM_RULE)
    made = [api.create_lead(email=f"p{i}@x{i}.fr", country="FR") for i in range(6)]
    mine = [lead["id"] for lead in made if lead["owner_id"] == basile]
    assert len(mine) == 2
    # one of Basile's leads is closed: it keeps its owner
    closed = mine[0]
    api.ok(api.post(f"/leads/{closed}/status", {"status": "disqualified", "reason": "no_project"}))

    done = api.ok(api.post(f"/users/{basile}/deactivate", as_="admin"))

    assert done["user"]["is_active"] is False
    assert [r["lead_id"] for r in done["reassigned"]] == [mine[1]]
    assert done["reassigned"][0]["owner_id"] in {anna, clara}
    assert done["unassigned"] == []
    assert api.ok(api.get(f"/leads/{closed}"))["owner_id"] == basile
    moved = api.ok(api.get(f"/leads/{mine[1]}"))
    assert moved["owner_id"] == done["reassigned"][0]["owner_id"]
    last = assignments(api, mine[1])[-1]
    assert last["actor_user_id"] == users["admin"].id
    assert last["reason"].startswith("basile.sdr@bascule-crm.fr deactivated: rule sdr_france")
    # no new lead goes to him
    later = [api.create_lead(email=f"q{i}@y{i}.fr", country="FR") for i in range(4)]
    assert basile not in {lead["owner_id"] for lead in later}


def test_deactivation_with_no_rule_and_no_fallback_leaves_leads_unassigned(api, database, users):
    lead = api.create_lead(as_="sdr")
    done = api.ok(api.post(f"/users/{users['sdr'].id}/deactivate", as_="admin"))
    assert done["unassigned"] == [lead["id"]]
    assert api.ok(api.get(f"/leads/{lead['id']}"))["owner_id"] is None
    assert assignments(api, lead["id"])[-1]["reason"] == (
        "sdr@bascule-crm.fr deactivated: no routing rule matches; no fallback owner"
    )
    # and the user's token no longer works
    api.error(api.get("/leads", as_="sdr"), 401, "unauthorized")


def test_deactivation_reports_the_playbook_fields_that_still_name_the_user(api, database, users):
    apply_routing(
        database, '[routing]\nenabled = true\nfallback_owner = "sales@bascule-crm.fr"\nrules = []\n'
    )
    done = api.ok(api.post(f"/users/{users['sales'].id}/deactivate", as_="admin"))
    assert done["playbook_names_user"] == {
        "routing.fallback_owner": "sales@bascule-crm.fr: this user is deactivated"
    }
    activated = api.ok(api.post(f"/users/{users['sales'].id}/activate", as_="admin"))
    assert activated["is_active"] is True


# --- bad input: 4xx with the field at fault, never a 500 --------------------------------------


@pytest.mark.parametrize("role", ["sales", "sdr", "marketing", "account_manager"])
def test_only_an_admin_manages_availability(api, users, role):
    target = users["sales"].id
    api.error(api.post(f"/users/{target}/away", {}, as_=role), 403, "forbidden")
    api.error(api.post(f"/users/{target}/deactivate", as_=role), 403, "forbidden")
    api.error(api.request("DELETE", f"/users/{target}/away", as_=role), 403, "forbidden")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2031-08-10", "until": "2031-08-01"}, "until"),
        ({"from": "demain"}, "from"),
        ({"until": "2031-13-45"}, "until"),
        ({"until": "2020-01-01"}, "until"),  # already over
        ({"until": "9999-12-31"}, "until"),
        ({"from": "0001-01-01"}, "from"),
        ({"until": 20310801}, "until"),
        ({"until": "x" * 41}, "until"),
        ({"holiday": True}, "holiday"),
    ],
)
def test_bad_absences_are_refused_with_the_field(api, users, body, field):
    error = api.error(api.post(f"/users/{users['sales'].id}/away", body, as_="admin"), 422)
    assert field in error["fields"], error


def test_unknown_users_and_bad_ids_are_4xx(api):
    api.error(api.post("/users/424242/away", {}, as_="admin"), 404, "not_found")
    api.error(api.post("/users/424242/deactivate", as_="admin"), 404, "not_found")
    api.error(api.post("/users/0/deactivate", as_="admin"), 422)
    api.error(api.post("/users/abc/deactivate", as_="admin"), 422)
    api.error(api.post("/users/99999999999/deactivate", as_="admin"), 422)
    api.error(api.post("/users/1/away", "not an object", as_="admin"), 422)


def test_an_admin_cannot_deactivate_themselves_nor_send_a_deactivated_user_away(api, users):
    me = users["admin"].id
    api.error(api.post(f"/users/{me}/deactivate", as_="admin"), 409)
    api.ok(api.post(f"/users/{users['sdr'].id}/deactivate", as_="admin"))
    api.error(api.post(f"/users/{users['sdr'].id}/away", {}, as_="admin"), 409)
    # deactivating again is harmless
    again = api.ok(api.post(f"/users/{users['sdr'].id}/deactivate", as_="admin"))
    assert again["reassigned"] == []


def test_leads_routed_at_the_same_moment_still_take_turns(api, database):
    anna, basile, clara = make_reps(database)
    apply_routing(database, TEAM_RULE)
    clients = [api.clone() for _ in range(4)]

    def create(i: int) -> int:
        client = clients[i % len(clients)]
        body = {"email": f"race{i}@client{i}.fr", "company": f"Client {i}", "country": "FR"}
        return int(client.ok(client.post("/leads", body), 201)["owner_id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        owners = Counter(pool.map(create, range(30)))

    # each lead read the counters the previous one wrote: an even split, nothing lost
    assert owners == {anna: 10, basile: 10, clara: 10}
    with database.uow() as uow:
        counters = uow.session.scalars(select(t.RoutingCounter)).all()
        assert sorted(c.assigned for c in counters) == [10, 10, 10]
