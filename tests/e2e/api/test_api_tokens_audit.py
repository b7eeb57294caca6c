"""API tokens that end (expiry, revocation, last use, the list) and the audit read (SPEC §18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bascule.storage import tables as t
from bascule.users import service as users_service


def _token(database, email: str, *, expires_at=None) -> str:
    with database.uow(write=True) as uow:
        token = users_service.create_token(
            uow, email=email, label="test", now=datetime.now(UTC), expires_at=expires_at
        )
        uow.commit()
    return token


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_expired_token_is_refused(api, users, database):
    soon = datetime.now(UTC) + timedelta(hours=1)
    token = _token(database, users["sales"].email, expires_at=soon)
    assert api.client.get("/api/v1/me", headers=_as(token)).status_code == 200
    with database.uow(write=True) as uow:
        row = uow.session.scalars(select(t.ApiToken).order_by(t.ApiToken.id.desc())).first()
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        uow.commit()
    refused = api.client.get("/api/v1/me", headers=_as(token))
    assert refused.status_code == 401
    assert refused.json()["error"]["fields"] == {"Authorization": "expired"}


def test_one_revokes_ones_own_token_and_not_someone_elses(api, users, database):
    token = _token(database, users["sales"].email)
    mine = api.client.get("/api/v1/tokens", headers=_as(token)).json()
    assert {row["user_email"] for row in mine} == {users["sales"].email}
    assert any(row["prefix"] and token.startswith(row["prefix"]) for row in mine)
    # The last use is known (written once a minute at most).
    assert any(row["last_used_at"] for row in mine)
    theirs = api.client.get("/api/v1/tokens", headers=users["sdr"].headers).json()
    other = api.client.post(f"/api/v1/tokens/{mine[0]['id']}/revoke", headers=users["sdr"].headers)
    assert other.status_code == 404
    assert (
        api.client.get("/api/v1/tokens?all=true", headers=users["sdr"].headers).status_code == 403
    )
    assert theirs and all(r["user_email"] == users["sdr"].email for r in theirs)

    newest = max(mine, key=lambda r: r["id"])
    done = api.client.post(
        f"/api/v1/tokens/{newest['id']}/revoke", json={"reason": "leaked"}, headers=_as(token)
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "revoked"
    assert api.client.get("/api/v1/me", headers=_as(token)).status_code == 401


def test_an_admin_revokes_anyones_token_and_it_is_audited(api, users, database):
    token = _token(database, users["sales"].email)
    listed = api.ok(api.get(f"/tokens?user_id={users['sales'].id}", as_="admin"))
    newest = max(listed, key=lambda r: r["id"])
    api.ok(api.post(f"/tokens/{newest['id']}/revoke", {"reason": "left"}, as_="admin"))
    assert api.client.get("/api/v1/me", headers=_as(token)).status_code == 401
    audit = api.ok(api.get(f"/audit?entity=token&entity_id={newest['id']}", as_="admin"))
    assert [(r["action"], r["reason"]) for r in audit["items"]] == [
        ("revoke", "left"),
        ("create", None),
    ]
    assert audit["items"][0]["actor_user_id"] == users["admin"].id


def test_the_audit_is_read_by_admins_and_of_readable_records_by_others(api, users):
    mine = api.create_lead(email="a@acier-durand.fr", owner_id=users["sdr"].id)
    other = api.create_lead(email="b@acier-durand.fr", owner_id=users["sales"].id)
    api.ok(api.patch(f"/leads/{mine['id']}", {"job_title": "DSI"}))

    everything = api.ok(api.get("/audit?page_size=200", as_="admin"))
    kinds = {r["entity"] for r in everything["items"]}
    assert {"lead", "user", "token"} <= kinds  # users and tokens made by the fixture

    sdr = api.ok(api.get("/audit?page_size=200", as_="sdr"))
    assert {r["entity"] for r in sdr["items"]} == {"lead"}
    assert {r["entity_id"] for r in sdr["items"]} == {mine["id"]}
    assert api.ok(api.get(f"/audit?entity=lead&entity_id={other['id']}", as_="sdr"))["total"] == 0

    one = api.ok(api.get(f"/audit?entity=lead&entity_id={mine['id']}&page_size=1", as_="admin"))
    assert (one["total"] > 1, len(one["items"])) == (True, 1)
    assert one["items"][0]["action"] == "update"
    by_actor = api.ok(api.get(f"/audit?actor={users['admin'].id}", as_="admin"))
    assert by_actor["total"] >= 3
    today = datetime.now(UTC).date()
    later = api.ok(api.get(f"/audit?from={today + timedelta(days=2)}", as_="admin"))
    assert later["total"] == 0
    bad = api.get(f"/audit?from={today}&to={today - timedelta(days=3)}", as_="admin")
    assert bad.status_code == 422
    assert api.get("/audit?entity=nothing", as_="admin").status_code == 422
