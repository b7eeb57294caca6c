"""Browser-facing answers over HTTP (TestClient), on SQLite and PostgreSQL: errors as HTML
pages in the reader's language while /api keeps its JSON, the language kept in a cookie and
chosen from the browser, and the security headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bascule.storage.uow import Database
from bascule.web.security import SESSION_COOKIE


@pytest.fixture
def app(database: Database, web_app: Any) -> FastAPI:
    app = web_app(database, locale="fr")

    def crash() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/crash", crash)
    app.add_api_route("/api/v1/crash", crash)
    return app


@pytest.fixture
def signed_in(app: FastAPI, database: Database, users: Any, session_cookie: Any) -> Iterator[Any]:
    with TestClient(app, raise_server_exceptions=False) as client:
        client.cookies.set(SESSION_COOKIE, session_cookie(database, users["sales"].id))
        yield client


@pytest.mark.parametrize(
    ("method", "path", "status", "french", "english"),
    [
        ("GET", "/no-such-page", 404, "Page introuvable", "Page not found"),
        ("GET", "/leads/999999", 404, "Page introuvable", "Page not found"),
        ("GET", "/leads/not-a-number", 422, "Valeurs non valides", "Invalid values"),
        ("DELETE", "/leads", 405, "Non disponible", "Not available"),
        ("GET", "/crash", 500, "Une erreur est survenue", "Something went wrong"),
    ],
)
def test_errors_are_html_pages_in_the_readers_language(
    signed_in, method, path, status, french, english
):
    in_french = signed_in.request(method, path)
    signed_in.cookies.set("bascule_lang", "en")
    in_english = signed_in.request(method, path)

    for answer, words, lang in ((in_french, french, "fr"), (in_english, english, "en")):
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html")
        assert f'<html lang="{lang}">' in answer.text
        assert words in answer.text
        assert "a bug" not in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/no-such-thing", 404, "not_found"),
        ("DELETE", "/api/v1/leads", 405, "method_not_allowed"),
        ("GET", "/api/v1/crash", 500, "internal_error"),
    ],
)
def test_the_api_keeps_its_json_errors(app, method, path, status, code):
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.request(method, path, headers={"Accept": "text/html"})
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code


def test_a_405_names_every_method_of_the_address_in_allow(signed_in):
    page = signed_in.request("DELETE", "/leads")
    api = signed_in.request("DELETE", "/api/v1/leads")

    assert page.status_code == api.status_code == 405
    assert "GET" in page.headers["allow"].split(", ")
    # Two routes serve /api/v1/leads (GET and POST): Allow names both, not the first one's.
    assert api.headers["allow"] == "GET, POST"


def test_a_page_without_a_session_sends_the_browser_to_sign_in(app):
    with TestClient(app) as client:
        answer = client.get("/reports/sla?from=2026-12-01", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Freports%2Fsla%3Ffrom%3D2026-12-01"


def test_lang_in_the_address_is_kept_by_a_cookie_for_the_next_pages(signed_in):
    first = signed_in.get("/leads?lang=en")
    assert "bascule_lang=en" in first.headers["set-cookie"]
    assert '<html lang="en">' in first.text

    following = signed_in.get("/opportunities")

    assert '<html lang="en">' in following.text and "Open pipeline" in following.text
    # The switcher offers the other language on the same page.
    assert 'href="/opportunities?lang=fr"' in following.text


def test_the_language_comes_from_the_browser_then_from_the_settings(app):
    with TestClient(app) as client:
        english = client.get("/login", headers={"Accept-Language": "de-DE, en;q=0.8, fr;q=0.5"})
        french = client.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
        unknown = client.get("/login", headers={"Accept-Language": "de, it"})
        none = client.get("/login")

    assert '<html lang="en">' in english.text and "Password" in english.text
    assert '<html lang="fr">' in french.text and "Mot de passe" in french.text
    assert '<html lang="fr">' in unknown.text  # BASCULE_LOCALE=fr
    assert '<html lang="fr">' in none.text


def test_pages_and_api_answers_carry_the_security_headers(signed_in):
    page = signed_in.get("/leads")
    api = signed_in.get("/api/v1/health")

    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    for answer in (page, api):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert answer.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    # No inline script anywhere a page could carry one.
    assert "<script>" not in page.text and " on" + "click=" not in page.text


def test_every_page_has_a_skip_link_and_a_language_switcher(signed_in):
    for path in ("/leads", "/opportunities", "/reports/sla", "/reports/requalifications"):
        text = signed_in.get(path).text
        assert '<a class="skip-link" href="#main">Aller au contenu</a>' in text, path
        assert '<main id="main"' in text
        assert 'hreflang="en"' in text
