"""Product usage of freemium workspaces (SPEC §1, §7 freemium_signup, §12 scenario 6).

The signup names a person and carries ``properties.workspace``: it claims the workspace. Usage
events (product_login, feature_used, seats_used, seat_limit_reached) may then name only the
workspace, and go to the person of its latest claim.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bascule.storage import tables as t
from bascule.storage.uow import Database

NOW = datetime.now(UTC).replace(microsecond=0)
EMAIL = "hugo@petite-startup.io"
WORKSPACE = "petite-startup"


def event(kind: str, minutes_ago: int = 10, **fields: Any) -> dict[str, Any]:
    occurred = (NOW - timedelta(minutes=minutes_ago)).isoformat()
    return {"type": kind, "occurred_at": occurred} | fields


def signup(email: str = EMAIL, workspace: str = WORKSPACE) -> dict[str, Any]:
    props = {"form": "freemium_signup", "workspace": workspace, "plan": "free", "seats": 3}
    return event("form_submit", 60, email=email, properties=props)


def usage(kind: str = "product_login", workspace: str = WORKSPACE, **props: Any) -> dict:
    return event(kind, properties={"workspace": workspace, **props})


def send(api, items: list[dict[str, Any]]) -> dict[str, Any]:
    return api.ok(api.post("/events", items, as_="marketing"))


def stored(database: Database) -> list[tuple[Any, ...]]:
    """(type, lead_id, contact_id, account_id, workspace column) of every signal, by id."""
    s = t.Signal
    query = select(s.type, s.lead_id, s.contact_id, s.account_id, s.workspace).order_by(s.id)
    with database.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def freemium_lead(api) -> dict[str, Any]:
    return api.create_lead(
        email=EMAIL, first_name="Hugo", last_name="Blanc", company="Petite Startup",
        source="freemium_signup",
    )  # fmt: skip


def test_usage_named_by_workspace_goes_to_the_freemium_lead(api, database):
    # Given a freemium lead whose signup claimed its workspace
    lead = freemium_lead(api)
    assert send(api, [signup()]) == {"accepted": 1, "pending": 0, "rejected": []}
    # When the product reports usage naming only the workspace
    result = send(
        api,
        [
            usage("product_login"),
            usage("feature_used", feature="pipeline"),
            usage("seats_used", seats=3),
            usage("seat_limit_reached", seats=3, limit=3),
        ],
    )
    # Then every event is on the lead
    assert result == {"accepted": 4, "pending": 0, "rejected": []}
    assert stored(database) == [
        ("form_submit", lead["id"], None, None, WORKSPACE),  # the claim
        ("product_login", lead["id"], None, None, None),
        ("feature_used", lead["id"], None, None, None),
        ("seats_used", lead["id"], None, None, None),
        ("seat_limit_reached", lead["id"], None, None, None),
    ]
    page = api.ok(api.get(f"/leads/{lead['id']}/signals?page_size=10"))
    assert page["total"] == 5
    limit = next(s for s in page["items"] if s["type"] == "seat_limit_reached")
    assert limit["properties"] == {"workspace": WORKSPACE, "seats": 3, "limit": 3}


def test_a_signup_anywhere_in_the_same_batch_serves_its_usage(api, database):
    lead = freemium_lead(api)
    result = send(api, [usage("product_login"), usage("seats_used", seats=2), signup()])
    assert result == {"accepted": 3, "pending": 0, "rejected": []}
    assert {row[1] for row in stored(database)} == {lead["id"]}


def test_usage_of_a_workspace_nobody_claimed_is_refused_with_its_index(api, rows):
    freemium_lead(api)
    send(api, [signup()])
    result = send(api, [usage(workspace="inconnue"), usage(), usage(workspace="  ")])
    assert result["accepted"] == 1
    assert [r["index"] for r in result["rejected"]] == [0, 2]
    assert "signup" in result["rejected"][0]["errors"]["properties.workspace"]
    assert set(result["rejected"][1]["errors"]) == {"properties.workspace"}
    assert rows(t.Signal) == 2


def test_usage_of_a_pending_signup_waits_with_it_and_follows_it_to_the_new_lead(api, database):
    # Given a signup from an address no lead or contact has yet, and its usage
    result = send(api, [signup(), usage("product_login"), usage("seats_used", seats=1)])
    assert result == {"accepted": 3, "pending": 3, "rejected": []}
    # When the lead is created
    lead = freemium_lead(api)
    # Then the signup and the usage are all on it
    assert [row[1] for row in stored(database)] == [lead["id"]] * 3


def test_usage_after_conversion_shows_on_the_lead_contact_and_account(api, database):
    lead = freemium_lead(api)
    send(api, [signup()])
    api.make_ready(lead["id"])
    done = api.convert(lead["id"], api.convert_body(name="Petite Startup – plan Pro"))
    send(api, [usage("seats_used", seats=10)])
    assert stored(database)[-1] == (
        "seats_used", lead["id"], done["contact_id"], done["account_id"], None,
    )  # fmt: skip
    account_page = api.ok(api.get(f"/accounts/{done['account_id']}/signals"))
    assert [s["type"] for s in account_page["items"]] == ["seats_used"]


def test_usage_naming_a_person_goes_to_that_person_and_claims_nothing(api, database):
    lead = freemium_lead(api)
    other = api.create_lead(email="lina@autre.io", last_name="Moreau")
    send(api, [signup()])
    named = usage("product_login") | {"email": "lina@autre.io"}
    result = send(api, [named, usage("feature_used")])
    assert result["accepted"] == 2
    assert [row[1] for row in stored(database)[1:]] == [other["id"], lead["id"]]


def test_the_latest_claim_of_a_workspace_wins(api, database):
    first = freemium_lead(api)
    second = api.create_lead(email="ines@petite-startup.io", last_name="Faure")
    send(api, [signup()])
    send(api, [signup(email="ines@petite-startup.io")])
    send(api, [usage("product_login")])
    assert stored(database)[-1][1] == second["id"]
    assert stored(database)[0][1] == first["id"]
