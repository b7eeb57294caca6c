"""The lead list and the lead page through HTTP (TestClient), on SQLite and PostgreSQL: every
filter of the list, its sort, its saved views and what a page of it costs in SQL; the lead
page's forms, each calling the API's service, refusals beside their field in the reader's
language; and a cross-site form refused."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.web.security import SESSION_COOKIE

Browse = Callable[..., Any]


@pytest.fixture
def browse(app: Any, database: Database, users: Any, session_cookie: Any) -> Iterator[Browse]:
    """``with browse("sdr") as client:`` a signed-in browser of that role, in English unless
    ``lang`` says otherwise."""

    @contextmanager
    def open_as(role: str, lang: str = "en") -> Iterator[TestClient]:
        with TestClient(app) as client:
            client.cookies.set(SESSION_COOKIE, session_cookie(database, users[role].id))
            client.cookies.set("bascule_lang", lang)
            yield client

    yield open_as


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found is not None
    return found.group(1)


def names(html: str) -> list[str]:
    return [" ".join(n.split()) for n in re.findall(r'<td><a href="/leads/\d+">([^<]+)</a>', html)]


def errors(html: str) -> list[str]:
    return [
        unescape(e) for e in re.findall(r'<p class="field-error" id="error-[^"]+">([^<]+)', html)
    ]


@pytest.fixture
def crowd(api: Any, database: Database, users: Any) -> dict[str, int]:
    """Four leads: Anne (the SDR's, hot, trade show, tagged, score 80, ready and overdue),
    Bruno (the SDR's, web form, score 20, created a month ago), Chloé (the seller's,
    demo request, score 55), Denis (nobody's, web form, score 35)."""
    sdr, sales = users["sdr"].id, users["sales"].id
    made = {
        "anne": api.create_lead(first_name="Anne", last_name="Aubert", email="anne@a.fr",
                                company="Aciers", source="trade_show", temperature="hot",
                                tags=["Salon Lyon"], owner_id=sdr)["id"],
        "bruno": api.create_lead(first_name="Bruno", last_name="Blanc", email="bruno@b.fr",
                                 company="Bois", source="web_form", owner_id=sdr)["id"],
        "chloe": api.create_lead(first_name="Chloé", last_name="Caron", email="chloe@c.fr",
                                 company="Ciments", source="demo_request",
                                 owner_id=sales)["id"],
        "denis": api.create_lead(first_name="Denis", last_name="Dumas", email="denis@d.fr",
                                 company="Dalles", source="web_form")["id"],
    }  # fmt: skip
    scores = {"anne": 80, "bruno": 20, "chloe": 55, "denis": 35}
    month_ago = datetime.now(UTC) - timedelta(days=31)
    with database.uow(write=True) as uow:
        for name, score in scores.items():
            values: dict[str, Any] = {"score": score}
            if name == "anne":
                values |= {"ready_to_convert": True, "conversion_overdue": True}
            if name == "bruno":
                values |= {"created_at": month_ago}
            if name == "denis":
                values |= {"owner_id": None}
            uow.session.execute(update(t.Lead).where(t.Lead.id == made[name]).values(**values))
        uow.commit()
    return made


LISTS = {
    "": ["Denis Dumas", "Chloé Caron", "Anne Aubert", "Bruno Blanc"],
    "mine=yes": ["Anne Aubert", "Bruno Blanc"],
    "status=new&source=trade_show": ["Anne Aubert"],
    "source=web_form,demo_request&sort=name": ["Bruno Blanc", "Chloé Caron", "Denis Dumas"],
    "tag=salon+lyon": ["Anne Aubert"],
    "temperature=hot": ["Anne Aubert"],
    "min_score=50&sort=-score": ["Anne Aubert", "Chloé Caron"],
    "sort=score": ["Bruno Blanc", "Denis Dumas", "Chloé Caron", "Anne Aubert"],
    "ready=yes": ["Anne Aubert"],
    "ready=no&sort=name": ["Bruno Blanc", "Chloé Caron", "Denis Dumas"],
    "overdue=yes": ["Anne Aubert"],
    "q=CIMENT": ["Chloé Caron"],
    "sort=owner": ["Chloé Caron", "Anne Aubert", "Bruno Blanc", "Denis Dumas"],
}


@pytest.mark.parametrize("query", sorted(LISTS))
def test_the_list_filters_and_sorts_as_the_address_says(crowd, browse, query):
    with browse("sdr" if "mine" in query else "admin") as client:
        page = client.get(f"/leads?{query}")

    assert page.status_code == 200
    # Sorted by owner: Sales before Sdr, the unassigned last.
    assert names(page.text) == LISTS[query]


def test_the_list_filters_by_owner_and_by_creation_day(crowd, browse, users):
    today = datetime.now(UTC).date()
    with browse("admin") as client:
        by_owner = client.get(f"/leads?owner={users['sales'].id}").text
        recent = client.get(f"/leads?created_from={today - timedelta(days=2)}").text
        old = client.get(f"/leads?created_to={today - timedelta(days=20)}").text

    assert names(by_owner) == ["Chloé Caron"]
    assert names(recent) == ["Denis Dumas", "Chloé Caron", "Anne Aubert"]
    assert names(old) == ["Bruno Blanc"]


def test_the_list_shows_owner_names_source_labels_score_and_sla_in_french(crowd, browse):
    with browse("admin", lang="fr") as client:
        page = client.get("/leads?col=name&col=owner&col=source&col=score&col=created&col=tags")

    table = page.text[page.text.index("<table") :]
    text = " ".join(unescape(table).split())
    assert "Sdr" in text and "Non attribué" in text
    assert "Salon professionnel" in text and "trade_show" not in text
    assert "salon lyon" in text
    today = datetime.now(UTC).astimezone().strftime("%d/%m/%Y")
    assert today in text
    assert "Page 1 sur 1" in text


def test_a_page_of_the_list_costs_at_most_five_statements(crowd, browse, statements):
    with browse("sdr") as client:
        client.get("/leads")  # the playbook is cached, the session touched
        with statements() as seen:
            page = client.get("/leads?status=new&sort=owner&col=name&col=owner&col=tags&q=a")

    assert page.status_code == 200
    queries = [s for s in seen if not s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # The session, the page with its total, the people, the saved views, the tags.
    assert len(queries) <= 5, queries


def test_saved_views_are_created_renamed_deleted_and_each_users_own(crowd, browse, database):
    with browse("sdr") as client:
        page = client.get("/leads?mine=yes&sort=-score&col=name&col=score").text
        query = re.search(r'name="query" value="([^"]*)"', page)
        assert query is not None
        form = {"csrf_token": token(page), "name": "Mes leads chauds", "query": unescape(query[1])}
        saved = client.post("/leads/views", data=form)
        assert saved.status_code == 200 and "View saved." in saved.text
        assert saved.url.query == b"mine=yes&sort=-score&col=name&col=score&done=view_saved"
        again = client.post("/leads/views", data=form)
        assert again.status_code == 422
        assert errors(again.text) == ["You already have a view of that name."]
        with database.uow() as uow:
            (view,) = uow.session.scalars(select(t.SavedView)).all()
            kept = (view.id, view.filters, view.sort, view.columns)
        view_id = kept[0]
        assert kept[1:] == ({"mine": True}, "-score", ["name", "score"])
        link = re.search(r'<a href="([^"]+)">Mes leads chauds</a>', saved.text)
        assert (
            link is not None
            and unescape(link[1]) == "/leads?mine=yes&sort=-score&col=name&col=score"
        )

        renamed = client.post(f"/leads/views/{view_id}/rename",
                              data=form | {"name": "  Chauds  "})  # fmt: skip
        assert "View renamed." in renamed.text and ">Chauds</a>" in renamed.text

    with browse("sales") as other:
        page = other.get("/leads").text
        assert "Chauds" not in page
        refused = other.post(f"/leads/views/{view_id}/delete", data={"csrf_token": token(page)})
        assert refused.status_code == 404

    with browse("sdr") as client:
        page = client.get("/leads").text
        deleted = client.post(f"/leads/views/{view_id}/delete", data={"csrf_token": token(page)})
        assert "View deleted." in deleted.text and "No saved view yet." in deleted.text


def _activities(database: Database, lead_id: int) -> int:
    with database.uow() as uow:
        query = select(func.count()).select_from(t.Activity).where(t.Activity.lead_id == lead_id)
        return int(uow.session.execute(query).scalar_one())


def test_a_cross_site_post_or_one_without_the_token_is_refused(crowd, browse, database):
    lead = crowd["anne"]
    with browse("sdr") as client:
        page = client.get(f"/leads/{lead}").text
        call = {"csrf_token": token(page), "kind": "call", "outcome": "no_answer"}
        elsewhere = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
        cross = client.post(f"/leads/{lead}/activities", data=call, headers=elsewhere)
        tokenless = client.post(f"/leads/{lead}/activities", data=call | {"csrf_token": "0" * 64})

    assert (cross.status_code, tokenless.status_code) == (403, 403)
    assert "another site" in cross.text
    assert _activities(database, lead) == 0


def test_the_lead_page_forms_call_the_services_with_refusals_beside_the_fields(
    crowd, browse, database
):
    lead = crowd["bruno"]
    with browse("sdr", lang="fr") as client:
        page = client.get(f"/leads/{lead}").text
        csrf = token(page)
        # A confirmed budget without its amount, a confirmed need without words: refused, in
        # French, beside each field; what was typed is kept.
        bad = {"csrf_token": csrf, "budget_status": "confirmed", "need_confirmed": "yes",
               "need_text": "", "timing_horizon": "3_months", "budget_min": "vingt"}  # fmt: skip
        refused = client.post(f"/leads/{lead}/qualification", data=bad)
        assert refused.status_code == 422
        assert errors(refused.text) == ["Écrivez un montant, par exemple 20 000."]
        refused = client.post(f"/leads/{lead}/qualification", data=bad | {"budget_min": ""})
        assert sorted(errors(refused.text)) == [
            "Décrivez le besoin confirmé.", "Un budget confirmé demande son montant.",
        ]  # fmt: skip
        assert '<option value="confirmed" selected>' in refused.text

        good = bad | {
            "budget_min": "",
            "budget_amount": "25 000,50",
            "need_text": "Remplacer Excel",
        }
        done = client.post(f"/leads/{lead}/qualification", data=good)
        assert errors(done.text) == []
        assert done.url.path == f"/leads/{lead}" and "Qualification enregistrée." in done.text
        # Shown back as French readers write it, cents kept: sending the form again changes nothing.
        assert 'value="25\u202f000,50"' in done.text

        # Details: a bad e-mail is refused beside it; a new job title is saved.
        details = {"csrf_token": csrf, "last_name": "Blanc", "email": "pas-un-email",
                   "company": "Bois", "job_title": "DSI"}  # fmt: skip
        refused = client.post(f"/leads/{lead}/details", data=details)
        assert refused.status_code == 422
        assert errors(refused.text) == ["Adresse e-mail non valide."]
        saved = client.post(f"/leads/{lead}/details", data=details | {"email": "bruno@b.fr"})
        assert "Informations enregistrées." in saved.text

        # Tags: added, then removed.
        client.post(f"/leads/{lead}/tags", data={"csrf_token": csrf, "tag": "Salon Nantes"})
        removed = client.post(f"/leads/{lead}/tags/remove",
                              data={"csrf_token": csrf, "tag": "salon nantes"})  # fmt: skip
        assert "Étiquettes enregistrées." in removed.text

        # The SDR may not reassign: no form, and the action itself is refused.
        assert f'action="/leads/{lead}/owner"' not in page
        refused = client.post(f"/leads/{lead}/owner", data={"csrf_token": csrf, "owner_id": ""})
        assert refused.status_code == 403
        assert (
            '<p class="field-error" role="alert">Seul un manager réattribue un lead.</p>'
            in refused.text
        )

    with database.uow() as uow:
        row = uow.session.get(t.Lead, lead)
        assert row is not None
        assert row.job_title == "DSI" and row.email == "bruno@b.fr" and row.owner_id is not None
        assert row.qualification is not None
        assert row.qualification["budget"]["amount"] == "25000.50"


def test_handing_an_sql_back_to_marketing_asks_for_a_reason(crowd, api, browse, database):
    lead = crowd["chloe"]
    api.ok(api.post(f"/leads/{lead}/status", {"status": "sql"}))
    with browse("sales") as client:
        page = client.get(f"/leads/{lead}").text
        move = {"csrf_token": token(page), "status": "nurturing", "reason": ""}
        refused = client.post(f"/leads/{lead}/status", data=move)
        assert refused.status_code == 422
        assert errors(refused.text) == ["Say why the lead goes back to marketing."]
        done = client.post(f"/leads/{lead}/status", data=move | {"reason": "No budget before 2028"})
        assert "Status changed." in done.text
        timeline = done.text[done.text.index('id="timeline"') :]
        assert "Handed back to marketing" in timeline and "No budget before 2028" in timeline


def test_a_manager_reassigns_and_the_timeline_says_so(crowd, browse, database, users):
    lead = crowd["denis"]
    with browse("admin") as client:
        page = client.get(f"/leads/{lead}").text
        form = {"csrf_token": token(page), "owner_id": str(users["sdr"].id)}
        done = client.post(f"/leads/{lead}/owner", data=form)

    assert "Lead reassigned." in done.text
    assert re.search(r'<dd class="owner">Sdr</dd>', done.text)
    timeline = done.text[done.text.index('id="timeline"') :]
    assert "given to sdr@bascule-crm.fr by Admin" in unescape(timeline)
    with database.uow() as uow:
        row = uow.session.get(t.Lead, lead)
        assert row is not None and row.owner_id == users["sdr"].id


def test_a_seller_who_manages_someone_may_reassign_one_who_does_not_may_not(
    crowd, browse, database, users
):
    lead = crowd["chloe"]
    with browse("sales") as client:
        assert f'action="/leads/{lead}/owner"' not in client.get(f"/leads/{lead}").text
    with database.uow(write=True) as uow:
        uow.session.execute(
            update(t.User).where(t.User.id == users["sdr"].id).values(manager_id=users["sales"].id)
        )
        uow.commit()
    with browse("sales") as client:
        page = client.get(f"/leads/{lead}").text
        assert f'action="/leads/{lead}/owner"' in page
        form = {"csrf_token": token(page), "owner_id": str(users["sdr"].id)}
        assert "Lead reassigned." in client.post(f"/leads/{lead}/owner", data=form).text


def test_the_lead_page_costs_one_statement_per_kind_of_thing_shown(crowd, browse, statements):
    with browse("sdr") as client:
        client.get(f"/leads/{crowd['anne']}")  # the playbook is cached, the session touched
        with statements() as seen:
            page = client.get(f"/leads/{crowd['anne']}")

    assert page.status_code == 200
    queries = [s for s in seen if not s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # The session, the lead, the people, its activities, signals, history, alerts and tags,
    # whether the reader manages anyone (reassignment).
    # 9, plus the lead's consents and its audit rows (issue 12). Where the reader stands (what
    # the audit section's condition names) was read by the first visit and is kept by the
    # process a few seconds (``access.people``).
    assert len(queries) == 11, queries
