"""Requests that race: two conversions of one lead at the same moment give one opportunity
(SPEC §5); duplicate leads, new tags and twin opportunities written at the same moment.

Each round starts two requests behind a barrier, either through two ``TestClient``s (the app
runs each request on its own worker thread) or over real HTTP against a uvicorn server on a
free loopback port. Afterwards the database must hold exactly one opportunity and one
``lead_conversion`` row per lead, whatever the interleaving.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select

from bascule.storage import tables as t

ROUNDS = 5


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def http_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn in a thread, for real concurrent HTTP connections."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start", pytrace=False)
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


Post = Callable[[str, dict[str, Any]], httpx.Response]


@pytest.fixture(params=["testclient", "http"])
def posters(request, api, http_server) -> Iterator[tuple[Post, Post]]:
    """Two independent ways to POST as the driver's default user."""
    headers = api.headers()
    if request.param == "testclient":
        clients = [api.clone(), api.clone()]
        try:
            yield tuple((lambda path, body, c=c: c.post(path, body)) for c in clients)
        finally:
            for c in clients:
                c.client.close()
    else:
        http = [httpx.Client(base_url=http_server, headers=headers, timeout=60) for _ in "ab"]
        try:
            yield tuple((lambda path, body, c=c: c.post("/api/v1" + path, json=body)) for c in http)
        finally:
            for c in http:
                c.close()


def race(
    posters: tuple[Post, Post], paths: str | tuple[str, str], bodies: tuple[dict, dict]
) -> list[httpx.Response]:
    """Send both requests at once; return the responses in the order of ``bodies``."""
    both = (paths, paths) if isinstance(paths, str) else paths
    barrier = threading.Barrier(2)

    def send(i: int) -> httpx.Response:
        barrier.wait()
        return posters[i](both[i], bodies[i])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(send, (0, 1)))


def per_lead(database, model, lead_id: int) -> int:
    with database.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(model).where(model.lead_id == lead_id)
            ).scalar_one()
        )


def ready_leads(api, n: int) -> list[dict[str, Any]]:
    return [
        api.ready_lead(
            email=f"buyer{i}@societe{i}.fr", company=f"Société {i}", last_name=f"Acheteur {i}"
        )
        for i in range(n)
    ]


IDS = ("lead_id", "account_id", "contact_id", "opportunity_id")


def test_the_same_conversion_twice_at_once_gives_one_opportunity(api, database, posters, rows):
    # Given five ready leads
    leads = ready_leads(api, ROUNDS)
    for lead in leads:
        # When two clients convert the same lead with the same body at the same moment
        body = api.convert_body(name=f"Projet {lead['company']}")
        responses = race(posters, f"/leads/{lead['id']}/convert", (body, body))
        # Then both succeed with the same records, one of them as a replay
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 201], [r.text for r in responses]
        results = [r.json() for r in responses]
        assert results[0] | {"replayed": None} == results[1] | {"replayed": None}
        assert sorted(r["replayed"] for r in results) == [False, True]
        # And exactly one opportunity and one conversion row exist for this lead
        assert per_lead(database, t.Opportunity, lead["id"]) == 1
        assert per_lead(database, t.LeadConversion, lead["id"]) == 1
    assert (rows(t.Opportunity), rows(t.LeadConversion), rows(t.Account)) == (5, 5, 5)
    converted = api.ok(api.get("/leads?status=converted&page_size=50"))
    assert converted["total"] == ROUNDS


def test_two_different_conversions_at_once_one_wins_one_is_refused(api, database, posters, rows):
    leads = ready_leads(api, ROUNDS)
    for lead in leads:
        bodies = (
            api.convert_body(name=f"Projet A {lead['company']}"),
            api.convert_body(name=f"Projet B {lead['company']}"),
        )
        responses = race(posters, f"/leads/{lead['id']}/convert", bodies)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [r.text for r in responses]
        winner = next(r.json() for r in responses if r.status_code == 201)
        loser = next(r.json()["error"] for r in responses if r.status_code == 409)
        assert loser["code"] == "already_converted"
        assert loser["opportunity_id"] == winner["opportunity_id"]
        assert per_lead(database, t.Opportunity, lead["id"]) == 1
        assert per_lead(database, t.LeadConversion, lead["id"]) == 1
        opp = api.ok(api.get(f"/opportunities/{winner['opportunity_id']}"))
        assert opp["lead_id"] == lead["id"]
    assert (rows(t.Opportunity), rows(t.LeadConversion)) == (5, 5)


def test_two_leads_of_one_new_company_converted_at_once_share_one_account(
    request, api, database, posters, rows
):
    for i in range(ROUNDS):
        # Given two ready leads of a company that has no account yet
        a = api.ready_lead(email=f"alice@firme{i}.fr", company=f"Firme {i}", last_name="Alice")
        b = api.ready_lead(email=f"bruno@firme{i}.fr", company=f"Firme {i}", last_name="Bruno")
        # When both are converted at the same moment
        responses = race(
            posters,
            (f"/leads/{a['id']}/convert", f"/leads/{b['id']}/convert"),
            (api.convert_body(name=f"Projet A{i}"), api.convert_body(name=f"Projet B{i}")),
        )
        # Then both are converted onto one and the same account
        assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
        account_ids = {r.json()["account_id"] for r in responses}
        assert len(account_ids) == 1, f"round {i}: accounts {sorted(account_ids)}"
    assert rows(t.Account) == ROUNDS


# --- other writes that race -------------------------------------------------------------------

RACE_ROUNDS = 8


@pytest.fixture
def pair(api) -> Iterator[tuple[Post, Post]]:
    """Two TestClients that report a 500 as a response instead of raising it."""
    clients = [api.clone(raise_errors=False), api.clone(raise_errors=False)]
    try:
        yield tuple((lambda path, body, c=c: c.post(path, body)) for c in clients)
    finally:
        for c in clients:
            c.client.close()


def test_the_same_email_submitted_twice_at_once_gives_one_merged_lead(
    request, api, database, pair, rows
):
    for i in range(RACE_ROUNDS):
        email = f"claire{i}@logitrans.fr"
        responses = race(
            pair,
            "/leads",
            ({"email": email, "last_name": "Martin"}, {"email": email, "phone": "0612345678"}),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 201], [r.text for r in responses]
        lead = api.ok(api.get(f"/leads?q={email}"))["items"]
        assert [(x["last_name"], x["phone"]) for x in lead] == [("Martin", "+33612345678")]
    assert rows(t.Lead) == RACE_ROUNDS


def test_two_leads_with_the_same_new_tag_at_once_are_both_created(
    request, api, database, pair, rows
):
    for i in range(RACE_ROUNDS):
        tag = f"salon-{i}"
        responses = race(
            pair,
            "/leads",
            (
                {"email": f"a{i}@salon.fr", "last_name": "A", "tags": [tag]},
                {"email": f"b{i}@salon.fr", "last_name": "B", "tags": [tag]},
            ),
        )
        assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
        assert api.ok(api.get(f"/leads?tag={tag}"))["total"] == 2
    assert rows(t.Lead) == 2 * RACE_ROUNDS


def opportunity_body(account_id: int, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "account_id": account_id,
        "amount": 12000,
        "expected_close_date": "2031-03-31",
        "lead_source": "rfp",
    }


def test_the_same_project_created_twice_at_once_gives_one_opportunity(api, pair, rows):
    account = api.create_account(name="Groupe Hospitalier", domain="ghra.fr")
    for i in range(RACE_ROUNDS):
        body = opportunity_body(account["id"], f"Projet {i}")
        responses = race(pair, "/opportunities", (body, body))
        assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
        page = api.ok(api.get(f"/opportunities?account_id={account['id']}&page_size=50"))
        assert [o["name"] for o in page["items"]].count(f"Projet {i}") == 1
    assert rows(t.Opportunity) == RACE_ROUNDS


def test_the_refused_twin_opportunity_points_to_the_existing_one(request, api, database, pair):
    account = api.create_account(name="Groupe Hospitalier", domain="ghra.fr")
    for i in range(RACE_ROUNDS):
        body = opportunity_body(account["id"], f"Projet {i}")
        responses = race(pair, "/opportunities", (body, body))
        winner = next(r.json() for r in responses if r.status_code == 201)
        loser = next(r.json()["error"] for r in responses if r.status_code == 409)
        assert loser["code"] == "duplicate_opportunity", loser
        assert loser["existing_id"] == winner["id"]
