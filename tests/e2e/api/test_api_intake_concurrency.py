"""Public form submissions that race: the same person twice, the same RFP twice, the same
Idempotency-Key twice, at the same moment. Each round starts two requests behind a barrier on
two ``TestClient``s (the app runs each on its own worker thread); afterwards the database must
hold one lead, one opportunity, one effect, whatever the interleaving.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bascule.storage import tables as t

ROUNDS = 4


def race(api, form_type: str, bodies: list[dict[str, Any]], **kwargs: Any) -> list[httpx.Response]:
    clients = [api.clone(), api.clone()]
    barrier = threading.Barrier(2)

    def send(i: int) -> httpx.Response:
        barrier.wait()
        return clients[i].intake(form_type, bodies[i], **kwargs)

    try:
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(send, range(2)))
    finally:
        for client in clients:
            client.client.close()


def test_the_same_person_twice_at_once_is_one_lead(api, form_key, rows):
    key = form_key("demo_request")
    for n in range(ROUNDS):
        body = {"email": f"sophie{n}@logistique-vallee.fr", "last_name": "Marchand"}
        answers = race(api, "demo_request", [body, body | {"phone": "0612345678"}], key=key)
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        outcomes = sorted(a.json()["outcome"] for a in answers)
        assert outcomes == ["lead_created", "lead_updated"]
        assert len({a.json()["lead_id"] for a in answers}) == 1
    assert (rows(t.Lead), rows(t.Signal), rows(t.Outbox)) == (ROUNDS, 2 * ROUNDS, ROUNDS)


def test_the_same_rfp_twice_at_once_is_one_opportunity(api, form_key, rows):
    key = form_key("rfp")
    for n in range(ROUNDS):
        body = {
            "email": f"achats@client{n}.fr",
            "last_name": "Perrin",
            "company": f"Client {n}",
            "project": "Refonte CRM",
            "budget": 50000,
            "expected_close_date": "2031-06-30",
            "contacts": [{"last_name": "Benali", "email": f"dsi@client{n}.fr", "role": "it"}],
        }
        answers = race(api, "rfp", [body, body], key=key)
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json() == answers[1].json()
        assert sorted(a.headers.get("X-Bascule-Duplicate", "") for a in answers) == ["", "true"]
    counts = (rows(t.Opportunity), rows(t.Account), rows(t.Contact), rows(t.OpportunityContact))
    assert counts == (ROUNDS, ROUNDS, 2 * ROUNDS, 2 * ROUNDS)


def test_one_idempotency_key_twice_at_once_is_one_effect(api, form_key, rows):
    key = form_key("content_download")
    for n in range(ROUNDS):
        body = {"email": f"lecteur{n}@vins-roche.fr"}
        answers = race(
            api, "content_download", [body, body], key=key, headers={"Idempotency-Key": f"k{n}"}
        )
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json() == answers[1].json()
        assert answers[0].json()["outcome"] == "lead_created"
        replayed = sorted(a.headers.get("Idempotent-Replayed", "") for a in answers)
        assert replayed == ["", "true"]
    assert (rows(t.Lead), rows(t.Signal), rows(t.IdempotencyRecord)) == (ROUNDS, ROUNDS, ROUNDS)
