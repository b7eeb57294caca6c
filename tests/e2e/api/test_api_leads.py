"""Leads through the HTTP API (SPEC §2, §4, §13): create, merge, list, edit, status, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from bascule.storage import tables as t
from bascule.storage.uow import Database

LEAD_FIELDS = (
    "id first_name last_name email phone company job_title employees sector country technology "
    "source campaign kind tags temperature status owner_id score score_explanation "
    "ready_to_convert created_at assigned_at first_response_due_at account_id contact_id "
    "opportunity_id"
).split()


def aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value!r} has no UTC offset"
    return parsed


def set_lead(database: Database, lead_id: int, **values: Any) -> None:
    """Give a lead values the API does not let a client write (score, deadlines)."""
    with database.engine.begin() as conn:
        conn.execute(update(t.Lead).where(t.Lead.id == lead_id).values(**values))


def ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


# --- create -----------------------------------------------------------------------------------


def test_create_lead_echoes_every_field_and_records_the_new_status(api, users, rows):
    # Given a complete lead body
    body = {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@acier-durand.fr",
        "phone": "06 12 34 56 78",
        "company": "Aciers Durand",
        "job_title": "Directrice commerciale",
        "employees": 250,
        "sector": "Industrie",
        "country": "fr",
        "technology": "Excel",
        "source": "content_download",
        "campaign": "Livre blanc 2025",
        "kind": "sales",
        "tags": [" Salon-Lyon ", "VIP", "vip"],
        "temperature": "warm",
    }
    # When the sales user creates it
    response = api.post("/leads", body)
    # Then it is created with the SPEC §13.1 fields
    lead = api.ok(response, 201)
    assert response.headers["X-Bascule-Outcome"] == "lead_created"
    assert set(LEAD_FIELDS) <= set(lead)
    expected = body | {"phone": "+33612345678", "country": "FR", "tags": ["salon-lyon", "vip"]}
    for key, value in expected.items():
        assert lead[key] == value, key
    assert lead["status"] == "new"
    assert lead["owner_id"] == users["admin"].id
    assert lead["ready_to_convert"] is False
    assert isinstance(lead["score"], int) and 0 <= lead["score"] <= 100
    assert isinstance(lead["score_explanation"], list)
    assert (lead["account_id"], lead["contact_id"], lead["opportunity_id"]) == (None, None, None)
    created = aware(lead["created_at"])
    assert abs(created - datetime.now(UTC)) < timedelta(minutes=1)
    assert aware(lead["assigned_at"]) == created
    # And the stored copy is the same, with a history row "new" and the assignment to its
    # creator (no routing rule in the default playbook)
    assert api.ok(api.get(f"/leads/{lead['id']}")) == lead
    history = api.ok(api.get(f"/leads/{lead['id']}/history"))
    assert [h["kind"] for h in history] == ["creation", "assignment"]
    assert history[0]["from_status"] is None
    assert history[0]["to_status"] == "new"
    assert history[0]["actor_user_id"] == users["admin"].id
    assert (history[1]["from_status"], history[1]["to_status"]) == ("new", "new")
    assert rows(t.Lead) == 1
    assert rows(t.LeadStatusHistory) == 2


def test_create_lead_with_only_a_company_defaults_source_and_kind(api):
    lead = api.ok(api.post("/leads", {"company": "Boulangerie Paul"}), 201)
    assert (lead["company"], lead["source"], lead["kind"]) == ("Boulangerie Paul", "other", "sales")
    assert (lead["email"], lead["tags"], lead["temperature"]) == (None, [], None)


def test_create_lead_needs_an_email_a_last_name_or_a_company(api, rows):
    error = api.error(api.post("/leads", {"first_name": "Camille"}), 422)
    assert "email" in error["fields"]
    assert rows(t.Lead) == 0


def test_create_lead_for_another_owner(api, users):
    lead = api.create_lead(owner_id=users["sdr"].id)
    assert lead["owner_id"] == users["sdr"].id


def test_create_lead_with_unknown_owner_is_refused(api, rows):
    error = api.error(api.post("/leads", {"last_name": "Martin", "owner_id": 9999}), 422)
    assert list(error["fields"]) == ["owner_id"]
    assert rows(t.Lead) == 0


# --- duplicate e-mail: merge ------------------------------------------------------------------


def test_second_lead_with_the_same_email_is_merged_not_duplicated(api, rows):
    # Given an open lead without phone, with a job title and one tag
    first = api.create_lead(job_title="DSI", tags=["salon-lyon"], source="content_download")
    # When the same person (e-mail in another case) fills a form again
    response = api.post(
        "/leads",
        {
            "email": "Camille.MARTIN@acier-durand.fr",
            "phone": "+33 6 11 22 33 44",
            "job_title": None,
            "company": "",
            "employees": 300,
            "source": "demo_request",
            "tags": ["demo"],
        },
    )
    # Then the existing lead is returned, enriched, never blanked
    merged = api.ok(response, 200)
    assert response.headers["X-Bascule-Outcome"] == "lead_updated"
    assert merged["id"] == first["id"]
    assert merged["phone"] == "+33611223344"
    assert merged["employees"] == 300
    assert merged["job_title"] == "DSI"
    assert merged["company"] == "Aciers Durand"
    assert merged["source"] == "content_download"
    assert merged["tags"] == ["demo", "salon-lyon"]
    # And there is still exactly one lead, the second submission kept as a signal
    assert api.ok(api.get("/leads"))["total"] == 1
    assert rows(t.Lead) == 1
    activities = api.ok(api.get(f"/leads/{first['id']}/activities"))
    assert [a["kind"] for a in activities] == ["signal"]


def test_merge_does_not_overwrite_a_known_value(api):
    first = api.create_lead(company="Aciers Durand", job_title="DSI")
    merged = api.ok(
        api.post("/leads", {"email": first["email"], "company": "Autre", "job_title": "CEO"}), 200
    )
    assert (merged["company"], merged["job_title"]) == ("Aciers Durand", "DSI")


def test_a_new_lead_is_created_when_the_earlier_one_is_disqualified(api, rows):
    first = api.create_lead()
    api.ok(api.post(f"/leads/{first['id']}/status", {"status": "disqualified", "reason": "spam"}))
    second = api.ok(api.post("/leads", {"email": first["email"], "last_name": "Martin"}), 201)
    assert second["id"] != first["id"]
    assert rows(t.Lead) == 2


# --- list: filters, sort, pagination ----------------------------------------------------------


@pytest.fixture
def catalogue(api, users, database) -> dict[str, int]:
    """Five leads with known attributes; returns their ids by first name."""
    specs = [
        dict(first_name="Alice", last_name="Dupont", email="alice@alpha.fr", company="Alpha SA",
             source="web_form", temperature="hot", tags=["salon-2025"]),
        dict(first_name="Bruno", last_name="Petit", email="bruno@beta.fr",
             company="Beta Industries", source="trade_show", temperature="warm",
             tags=["Salon-2025", "VIP"], owner_id=users["sdr"].id),
        dict(first_name="Chloé", last_name="Leroy", email="chloe@gamma.io", company="Gamma",
             source="demo_request", temperature="hot"),
        dict(first_name="Denis", last_name="Moreau", email="denis@delta.com",
             company="Delta Conseil", source="trade_show", temperature="cold"),
        dict(first_name="Emma", last_name="Garnier", email="emma@epsilon.fr",
             company="Epsilon", source="referral"),
    ]  # fmt: skip
    made = {spec["first_name"]: api.create_lead(**spec)["id"] for spec in specs}
    api.ok(api.post(f"/leads/{made['Denis']}/status", {"status": "contacted"}))
    api.ok(api.post(f"/leads/{made['Emma']}/status", {"status": "disqualified", "reason": "spam"}))
    base = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    scores = {"Alice": 80, "Bruno": 45, "Chloé": 92, "Denis": 10, "Emma": 0}
    due = {"Alice": base + timedelta(hours=8), "Bruno": base, "Chloé": base + timedelta(hours=2)}
    for name, lead_id in made.items():
        set_lead(database, lead_id, score=scores[name], first_response_due_at=due.get(name))
    return made


FILTERS = [
    ("status=new", ["Alice", "Bruno", "Chloé"]),
    ("status=contacted,disqualified", ["Denis", "Emma"]),
    ("status=contacted&status=new", ["Alice", "Bruno", "Chloé", "Denis"]),
    ("source=trade_show", ["Bruno", "Denis"]),
    ("source=trade_show&temperature=warm", ["Bruno"]),
    ("temperature=hot", ["Alice", "Chloé"]),
    ("tag=salon-2025", ["Alice", "Bruno"]),
    ("tag=VIP", ["Bruno"]),
    ("tag=unknown", []),
    ("q=dupont", ["Alice"]),
    ("q=BETA", ["Bruno"]),
    ("q=gamma.io", ["Chloé"]),
    ("q=Leroy", ["Chloé"]),
    ("q=conseil", ["Denis"]),
    ("q=%25", []),
    ("min_score=45", ["Alice", "Bruno", "Chloé"]),
    ("min_score=81", ["Chloé"]),
    ("min_score=0", ["Alice", "Bruno", "Chloé", "Denis", "Emma"]),
    ("min_score=45&temperature=hot", ["Alice", "Chloé"]),
]


def test_list_filters(api, catalogue):
    for query, expected in FILTERS:
        page = api.ok(api.get(f"/leads?{query}&page_size=50"))
        assert sorted(ids(page)) == sorted(catalogue[name] for name in expected), query
        assert page["total"] == len(expected), query


def test_list_filter_by_creation_days(api, catalogue):
    """Days in the company's zone, both included (the lead list page's period, issue 11)."""
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Paris")).date()
    for query, total in (
        (f"created_from={today}", 5),
        (f"created_to={today}", 5),
        (f"created_from={today + timedelta(days=1)}", 0),
        (f"created_to={today - timedelta(days=1)}", 0),
    ):
        assert api.ok(api.get(f"/leads?{query}"))["total"] == total, query
    api.ok(api.get("/leads?created_from=tomorrow"), 422)


def test_list_filter_by_owner(api, users, catalogue):
    page = api.ok(api.get(f"/leads?owner={users['sdr'].id}"))
    assert ids(page) == [catalogue["Bruno"]]
    page = api.ok(api.get(f"/leads?owner={users['admin'].id}"))
    assert page["total"] == 4


SORTS = [
    ("-created_at", ["Emma", "Denis", "Chloé", "Bruno", "Alice"]),
    ("created_at", ["Alice", "Bruno", "Chloé", "Denis", "Emma"]),
    ("-score", ["Chloé", "Alice", "Bruno", "Denis", "Emma"]),
    ("score", ["Emma", "Denis", "Bruno", "Alice", "Chloé"]),
    # The nearest deadline first; leads without a deadline come last.
    ("sla_due_at", ["Bruno", "Chloé", "Alice", "Denis", "Emma"]),
]


def test_list_sort(api, catalogue):
    for sort, expected in SORTS:
        got = ids(api.ok(api.get(f"/leads?sort={sort}")))
        if sort == "sla_due_at":
            # Denis and Emma have no deadline: their order between them is not specified.
            assert got[:3] == [catalogue[n] for n in expected[:3]], sort
            assert sorted(got[3:]) == sorted(catalogue[n] for n in expected[3:]), sort
        else:
            assert got == [catalogue[n] for n in expected], sort


def test_list_default_sort_is_newest_first(api, catalogue):
    page = api.ok(api.get("/leads"))
    assert ids(page) == [catalogue[n] for n in ("Emma", "Denis", "Chloé", "Bruno", "Alice")]


def test_list_pagination(api, catalogue):
    pages = [api.ok(api.get(f"/leads?sort=created_at&page_size=2&page={n}")) for n in (1, 2, 3)]
    assert [set(p) for p in pages] == [{"items", "total", "page", "page_size"}] * 3
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [p["page"] for p in pages] == [1, 2, 3]
    assert [p["page_size"] for p in pages] == [2, 2, 2]
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    order = [lead_id for p in pages for lead_id in ids(p)]
    assert order == [catalogue[n] for n in ("Alice", "Bruno", "Chloé", "Denis", "Emma")]


def test_list_page_past_the_end_with_a_filter_still_gives_the_total(api, catalogue):
    page = api.ok(api.get("/leads?status=new&page_size=2&page=3"))
    assert (page["items"], page["total"], page["page"]) == ([], 3, 3)


def test_list_page_past_the_end_without_filter_still_gives_the_total(api, catalogue):
    page = api.ok(api.get("/leads?page_size=2&page=4"))
    assert (page["items"], page["total"], page["page"]) == ([], 5, 4)


def test_list_default_page_size_is_20(api):
    for i in range(21):
        api.create_lead(email=f"lead{i}@acier-durand.fr")
    page = api.ok(api.get("/leads"))
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (21, 1, 20, 20)


def test_list_with_an_unknown_sort_is_refused(api, catalogue):
    error = api.error(api.get("/leads?sort=-bogus"), 422)
    assert "sort" in error["fields"]


# --- edit -------------------------------------------------------------------------------------


def test_patch_lead_changes_only_the_given_fields(api, users):
    lead = api.create_lead(job_title="DSI", tags=["salon-lyon"], temperature="cold")
    updated = api.ok(
        api.patch(
            f"/leads/{lead['id']}",
            {
                "phone": "0472000000",
                "temperature": "hot",
                "tags": ["Demo", "vip"],
                "owner_id": users["sdr"].id,
            },
        )
    )
    assert updated["phone"] == "+33472000000"
    assert updated["temperature"] == "hot"
    assert updated["tags"] == ["demo", "vip"]
    assert updated["owner_id"] == users["sdr"].id
    assert updated["job_title"] == "DSI"
    assert updated["email"] == lead["email"]
    assert updated["status"] == "new"
    assert api.ok(api.get(f"/leads/{lead['id']}")) == updated


def test_patch_lead_can_clear_an_optional_field(api):
    lead = api.create_lead(job_title="DSI")
    updated = api.ok(api.patch(f"/leads/{lead['id']}", {"job_title": None}))
    assert updated["job_title"] is None


def test_patch_lead_cannot_empty_a_required_field(api):
    lead = api.create_lead()
    for field in ("source", "kind", "do_not_contact"):
        error = api.error(api.patch(f"/leads/{lead['id']}", {field: None}), 422)
        assert list(error["fields"]) == [field]
    assert api.ok(api.get(f"/leads/{lead['id']}")) == lead


def test_patch_lead_cannot_remove_its_last_identity(api):
    lead = api.create_lead(company=None)
    api.ok(api.patch(f"/leads/{lead['id']}", {"email": None}))
    error = api.error(api.patch(f"/leads/{lead['id']}", {"last_name": None}), 422)
    assert error["fields"]
    assert api.ok(api.get(f"/leads/{lead['id']}"))["last_name"] == "Martin"


def test_patch_lead_email_onto_another_open_lead_is_refused(api):
    first = api.create_lead(email="a@acier-durand.fr")
    second = api.create_lead(email="b@acier-durand.fr")
    error = api.error(api.patch(f"/leads/{second['id']}", {"email": "A@acier-durand.fr"}), 409)
    assert "email" in error["fields"]
    assert error["code"] == "duplicate_lead"
    assert error["existing_id"] == first["id"]
    assert api.ok(api.get(f"/leads/{second['id']}"))["email"] == "b@acier-durand.fr"


def test_patch_lead_cannot_write_status_or_score(api):
    lead = api.create_lead()
    for field, value in (("status", "sql"), ("score", 99), ("ready_to_convert", True)):
        error = api.error(api.patch(f"/leads/{lead['id']}", {field: value}), 422)
        assert field in error["fields"]
    again = api.ok(api.get(f"/leads/{lead['id']}"))
    assert (again["status"], again["score"], again["ready_to_convert"]) == ("new", 0, False)


# --- status changes ---------------------------------------------------------------------------


def status(api, lead_id: int, value: str, reason: str | None = None, *, as_: str = ""):
    body = {"status": value} | ({"reason": reason} if reason is not None else {})
    return api.post(f"/leads/{lead_id}/status", body, as_=as_)


def test_disqualify_needs_a_reason_from_the_playbook(api, rows):
    lead = api.create_lead()
    error = api.error(status(api, lead["id"], "disqualified"), 422)
    assert list(error["fields"]) == ["reason"]
    error = api.error(status(api, lead["id"], "disqualified", "not interested"), 422)
    assert list(error["fields"]) == ["reason"]
    assert api.ok(api.get(f"/leads/{lead['id']}"))["status"] == "new"
    assert rows(t.LeadStatusHistory) == 2  # creation and assignment

    done = api.ok(status(api, lead["id"], "disqualified", "no_budget: frozen until 2027"))
    assert done["status"] == "disqualified"
    assert done["disqualification_reason"] == "no_budget: frozen until 2027"


def test_recycle_a_disqualified_lead_to_nurturing(api):
    lead = api.create_lead()
    api.ok(status(api, lead["id"], "disqualified", "no_project"))
    recycled = api.ok(status(api, lead["id"], "nurturing", "new budget year"))
    assert recycled["status"] == "nurturing"
    assert recycled["disqualification_reason"] is None
    history = api.ok(api.get(f"/leads/{lead['id']}/history"))
    assert [(h["from_status"], h["to_status"], h["kind"]) for h in history[2:]] == [
        ("new", "disqualified", "disqualification"),
        ("disqualified", "nurturing", "recycling"),
    ]


def test_recycling_is_refused_when_a_newer_open_lead_has_the_email(api, rows):
    old = api.create_lead()
    api.ok(status(api, old["id"], "disqualified", "no_project"))
    newer = api.create_lead(source="demo_request")
    assert newer["id"] != old["id"]
    error = api.error(status(api, old["id"], "nurturing", "budget voted"), 409, "duplicate_lead")
    assert error["existing_id"] == newer["id"]
    assert api.ok(api.get(f"/leads/{old['id']}"))["status"] == "disqualified"
    assert rows(t.Lead) == 2


def test_a_disqualified_lead_cannot_jump_to_sql(api):
    lead = api.create_lead()
    api.ok(status(api, lead["id"], "disqualified", "no_project"))
    api.error(status(api, lead["id"], "sql"), 409, "invalid_transition")


def test_sql_back_to_nurturing_needs_a_written_reason(api, users):
    lead = api.create_lead()
    api.ok(status(api, lead["id"], "sql"))
    error = api.error(status(api, lead["id"], "nurturing"), 422)
    assert list(error["fields"]) == ["reason"]
    error = api.error(status(api, lead["id"], "nurturing", "   "), 422)
    assert list(error["fields"]) == ["reason"]
    assert api.ok(api.get(f"/leads/{lead['id']}"))["status"] == "sql"

    back = api.ok(status(api, lead["id"], "nurturing", "no budget before Q3"))
    assert back["status"] == "nurturing"
    last = api.ok(api.get(f"/leads/{lead['id']}/history"))[-1]
    assert (last["from_status"], last["to_status"]) == ("sql", "nurturing")
    assert (last["kind"], last["reason"]) == ("requalification", "no budget before Q3")
    assert last["actor_user_id"] == users["admin"].id


def test_marketing_may_not_accept_a_lead_as_sql(api, rows):
    lead = api.create_lead(as_="marketing")
    api.ok(status(api, lead["id"], "mql", as_="marketing"))
    error = api.error(status(api, lead["id"], "sql", as_="marketing"), 403, "forbidden")
    assert error["message"]
    assert api.ok(api.get(f"/leads/{lead['id']}"))["status"] == "mql"
    assert rows(t.LeadStatusHistory) == 3  # creation, assignment, mql


def test_sellers_may_accept_a_lead_as_sql(api):
    for role in ("sales", "sdr", "account_manager", "admin"):
        lead = api.create_lead(email=f"{role}@acier-durand.fr", as_=role)
        assert api.ok(status(api, lead["id"], "sql", as_=role))["status"] == "sql", role


def test_converted_is_reached_only_through_conversion(api):
    lead = api.create_lead()
    api.error(status(api, lead["id"], "converted"), 409, "invalid_transition")


def test_unknown_or_unchanged_status_is_refused(api):
    lead = api.create_lead()
    error = api.error(status(api, lead["id"], "won"), 422)
    assert list(error["fields"]) == ["status"]
    api.error(status(api, lead["id"], "new"), 409, "invalid_transition")


# --- activities -------------------------------------------------------------------------------


def test_first_outbound_call_contacts_the_lead_and_sets_first_response(api, users):
    lead = api.create_lead()
    when = "2030-03-14T10:00:00+01:00"
    activity = api.ok(
        api.post(
            f"/leads/{lead['id']}/activities",
            {"kind": "call", "direction": "out", "outcome": "no_answer", "occurred_at": when},
        ),
        201,
    )
    assert (activity["kind"], activity["direction"], activity["outcome"]) == (
        "call",
        "out",
        "no_answer",
    )
    assert activity["lead_id"] == lead["id"]
    assert activity["user_id"] == users["admin"].id
    after = api.ok(api.get(f"/leads/{lead['id']}"))
    assert after["status"] == "contacted"
    assert aware(after["first_response_at"]) == aware(when)
    history = api.ok(api.get(f"/leads/{lead['id']}/history"))
    assert [(h["from_status"], h["to_status"]) for h in history if h["kind"] != "assignment"] == [
        (None, "new"),
        ("new", "contacted"),
    ]
    # A second outbound call changes neither the status nor the first response
    api.ok(
        api.post(
            f"/leads/{lead['id']}/activities",
            {"kind": "email", "direction": "out", "occurred_at": "2030-03-15T10:00:00+01:00"},
        ),
        201,
    )
    again = api.ok(api.get(f"/leads/{lead['id']}"))
    assert again["status"] == "contacted"
    assert aware(again["first_response_at"]) == aware(when)
    assert len(api.ok(api.get(f"/leads/{lead['id']}/history"))) == 3  # with the assignment
    assert len(api.ok(api.get(f"/leads/{lead['id']}/activities"))) == 2


def test_inbound_or_internal_activities_do_not_count_as_first_response(api):
    lead = api.create_lead()
    for body in (
        {"kind": "email", "direction": "in", "summary": "asked for a brochure"},
        {"kind": "call", "direction": "in", "outcome": "reached"},
        {"kind": "note", "summary": "met at the booth"},
        {"kind": "task", "direction": "out", "summary": "send the deck"},
    ):
        api.ok(api.post(f"/leads/{lead['id']}/activities", body), 201)
        after = api.ok(api.get(f"/leads/{lead['id']}"))
        assert (after["status"], after["first_response_at"]) == ("new", None), body
    assert len(api.ok(api.get(f"/leads/{lead['id']}/activities"))) == 4


def test_activity_with_unknown_kind_or_outcome_is_refused(api, rows):
    lead = api.create_lead()
    for body in ({"kind": "fax"}, {"kind": "call", "outcome": "maybe"}, {"direction": "out"}):
        error = api.error(api.post(f"/leads/{lead['id']}/activities", body), 422)
        assert error["fields"]
    assert rows(t.Activity) == 0


# --- qualification ----------------------------------------------------------------------------

READY = {
    "framework": "bant",
    "budget": {"status": "range", "min": 20000, "max": 40000},
    "authority": "influencer",
    "need": {"text": "A CRM for 40 sellers", "confirmed": True},
    "timing": {"horizon": "6_months"},
}


READINESS = [
    (READY, True),
    (READY | {"authority": "none"}, True),
    (READY | {"budget": {"status": "confirmed", "amount": 35000}}, True),
    (READY | {"timing": {"horizon": "unknown", "date": "2030-09-30"}}, True),
    (READY | {"budget": {"status": "none"}}, False),
    (READY | {"need": {"text": "A CRM for 40 sellers", "confirmed": False}}, False),
    (READY | {"timing": {"horizon": "unknown"}}, False),
    ({"framework": "bant", "need": {"text": "maybe", "confirmed": True}}, False),
]


def test_bant_answers_decide_ready_to_convert(api):
    for i, (answers, ready) in enumerate(READINESS):
        lead = api.create_lead(email=f"lead{i}@acier-durand.fr")
        qualified = api.qualify(lead["id"], answers)
        assert qualified["ready_to_convert"] is ready, answers
        assert api.ok(api.get(f"/leads/{lead['id']}"))["ready_to_convert"] is ready, answers
        assert qualified["qualification"]["framework"] == "bant"


def test_qualification_answers_are_merged_over_several_calls(api):
    lead = api.create_lead()
    first = api.qualify(lead["id"], {"budget": {"status": "range", "min": 10000, "max": 20000}})
    assert first["ready_to_convert"] is False
    second = api.qualify(lead["id"], {"need": {"text": "Migrate off Excel", "confirmed": True}})
    assert second["ready_to_convert"] is False
    third = api.qualify(lead["id"], {"timing": {"horizon": "3_months"}})
    assert third["ready_to_convert"] is True
    q = third["qualification"]
    assert q["budget"]["status"] == "range"
    assert float(q["budget"]["min"]) == 10000 and float(q["budget"]["max"]) == 20000
    assert q["need"] == {"text": "Migrate off Excel", "confirmed": True}
    assert q["timing"]["horizon"] == "3_months"


def test_meddic_answers_are_accepted_and_kept(api):
    lead = api.create_lead()
    meddic = {
        "metrics": "cut quote time from 5 days to 1",
        "economic_buyer": "CFO, Mme Roux",
        "decision_criteria": "Outlook integration",
        "decision_process": "steering committee in June",
        "identify_pain": "lost deals in spreadsheets",
        "champion": "Head of sales ops",
    }
    qualified = api.qualify(lead["id"], {"framework": "meddic", "meddic": meddic})
    assert qualified["qualification"]["framework"] == "meddic"
    assert qualified["qualification"]["meddic"] == meddic
    # The default playbook judges readiness with BANT: MEDDIC answers alone are not enough.
    assert qualified["ready_to_convert"] is False


INCONSISTENT = [
    ({"budget": {"status": "confirmed"}}, "budget.amount"),
    ({"budget": {"status": "range", "min": 5000, "max": 1000}}, "budget.max"),
    ({"budget": {"status": "range", "min": -1}}, "budget.min"),
    ({"budget": {"status": "plenty"}}, "budget.status"),
    ({"authority": "ceo"}, "authority"),
    ({"need": {"text": "", "confirmed": True}}, "need.text"),
    ({"timing": {"horizon": "soon"}}, "timing.horizon"),
    ({"timing": {"date": "30/09/2030"}}, "timing.date"),
    ({"framework": "spin"}, "framework"),
    ({"meddic": {"budget": "x"}}, "meddic.budget"),
]


def test_inconsistent_qualification_is_refused_with_the_field(api):
    lead = api.create_lead()
    before = api.qualify(lead["id"], READY)
    for answers, field in INCONSISTENT:
        error = api.error(api.patch(f"/leads/{lead['id']}/qualification", answers), 422)
        assert field in error["fields"], (answers, error)
    # Nothing of the refused answers was kept
    after = api.ok(api.get(f"/leads/{lead['id']}"))
    assert after["qualification"] == before["qualification"]
    assert after["ready_to_convert"] is True


def test_a_disqualified_lead_cannot_be_qualified(api):
    lead = api.create_lead()
    api.ok(status(api, lead["id"], "disqualified", "no_project"))
    api.error(api.patch(f"/leads/{lead['id']}/qualification", READY), 422)


# --- history ----------------------------------------------------------------------------------


def test_history_replays_to_the_current_status(api, users):
    # The SDR's lead: they move it (an admin, the driver's default, does the rest).
    lead = api.create_lead(owner_id=users["sdr"].id)
    lead_id = lead["id"]
    api.ok(api.post(f"/leads/{lead_id}/activities", {"kind": "call", "direction": "out"}), 201)
    api.ok(status(api, lead_id, "mql", as_="sdr"))
    api.ok(status(api, lead_id, "sql", as_="admin"))
    api.ok(status(api, lead_id, "nurturing", "timing: budget next year"))
    api.ok(status(api, lead_id, "disqualified", "competitor_customer"))
    api.ok(status(api, lead_id, "nurturing", "competitor contract ends"))
    api.make_ready(lead_id)
    api.convert(lead_id, api.convert_body())

    history = api.ok(api.get(f"/leads/{lead_id}/history"))
    # Assignments keep the status: the replay reads the status changes.
    moves = [(h["from_status"], h["to_status"]) for h in history if h["kind"] != "assignment"]
    assert moves == [
        (None, "new"),
        ("new", "contacted"),
        ("contacted", "mql"),
        ("mql", "sql"),
        ("sql", "nurturing"),
        ("nurturing", "disqualified"),
        ("disqualified", "nurturing"),
        ("nurturing", "converted"),
    ]
    # Every row starts where the previous one ended, and the last one is the current status
    current = None
    for from_status, to_status in moves:
        assert from_status == current
        current = to_status
    assert current == api.ok(api.get(f"/leads/{lead_id}"))["status"] == "converted"
    actors = [h["actor_user_id"] for h in history if h["kind"] != "assignment"]
    assert actors[2:4] == [users["sdr"].id, users["admin"].id]
    times = [aware(h["changed_at"]) for h in history]
    assert times == sorted(times)


def test_history_of_an_unknown_lead_is_404(api):
    api.error(api.get("/leads/424242/history"), 404, "not_found")
