"""What the browser tests share: Debian's Chromium driven by Playwright (``page``, a French
browser unless a test opens another context), ``serve(app)``, which serves an application on
a free local port (uvicorn in a thread) and answers its base URL, and the ways in:

- ``web_app(database)``: the app with an explicit secret key, as every test builds it;
- ``session_cookie(database, user_id)``: a signed-in session without the sign-in page (for
  tests about something else), ``with_password(database, email)`` for those that sign in
  (each also a fixture of the same name, for test modules);
- ``axe``: the path of axe-core's ``axe.min.js`` (``make axe``), or the test is skipped."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from bascule.app import create_app
from bascule.config import Settings
from bascule.conversion import service as conversion
from bascule.leads import service as leads
from bascule.playbook.load import default_playbook
from bascule.storage.tables import User
from bascule.storage.uow import Database
from bascule.users import service as users
from bascule.users import sessions, sign_in
from bascule.users.sessions import SessionPolicy

CHROMIUM = "/usr/bin/chromium"
SECRET = "tests-only-secret-key-0123456789"
PASSWORD = "correct horse battery staple"
AXE_DIR = Path(os.environ.get("BASCULE_AXE_DIR", Path(__file__).parents[3] / ".cache" / "axe"))
POLICY = SessionPolicy.of_hours(12, 72)


def web_app(database: Database, **settings: Any) -> FastAPI:
    options = {"locale": "fr", "secret_key": SECRET} | settings
    return create_app(Settings(database_url=database.url, **options), database)


def session_cookie(database: Database, user_id: int) -> str:
    with database.uow(write=True) as uow:
        session_id = sessions.start(uow, user_id=user_id, now=datetime.now(UTC), policy=POLICY)
        uow.commit()
    return session_id


def with_password(database: Database, email: str, password: str = PASSWORD) -> str:
    with database.uow(write=True) as uow:
        sign_in.set_password(uow, email=email, password=password)
        uow.commit()
    return password


@dataclass(frozen=True)
class SalesDesk:
    rep_id: int
    claire_id: int
    paul_id: int
    opportunity_id: int = 0  # Claire's


def sales_desk(
    database: Database, *, amount: int, paul_company: str, claire: dict[str, str] | None = None
) -> SalesDesk:
    """A sales rep ``rep@bascule.fr`` with two leads: Claire (demo request), qualified and
    converted into an opportunity of ``amount``, and Paul (trade show), still open."""
    now = datetime.now(UTC)
    playbook = default_playbook()
    with database.uow(write=True) as uow:
        rep = users.create_user(uow, email="rep@bascule.fr", role="sales", name="Rep", now=now)
        actor = users.actor_for(rep)
        data = {"first_name": "Claire", "last_name": "Martin", "email": "claire@logitrans.fr",
                "company": "Logitrans", "source": "demo_request"} | (claire or {})  # fmt: skip
        first, _ = leads.create(uow, data=data, actor=actor, playbook=playbook, now=now)
        data = {"first_name": "Paul", "last_name": "Durand", "email": "paul@agrinova.fr",
                "company": paul_company, "source": "trade_show"}  # fmt: skip
        second, _ = leads.create(uow, data=data, actor=actor, playbook=playbook, now=now)
        answers = {
            "budget": {"status": "range", "min": "20000", "max": "40000"},
            "need": {"text": "Remplacer le CRM actuel", "confirmed": True},
            "timing": {"horizon": "3_months"},
        }
        leads.qualify(
            uow, lead_id=first.id, answers=answers, actor=actor, playbook=playbook, now=now
        )
        request = {"opportunity": {"name": "Projet CRM – Logitrans", "amount": amount,
                                   "expected_close_date": date(2027, 3, 31)}}  # fmt: skip
        done = conversion.convert(
            uow, lead_id=first.id, request=request, actor=actor, playbook=playbook, now=now
        )
        uow.commit()
        return SalesDesk(rep.id, first.id, second.id, done["opportunity_id"])


def ready_lead(database: Database, desk: SalesDesk, **fields: str) -> int:
    """A lead of the desk's rep, qualified and ready to convert: Sophie, of the converted
    lead's company (same e-mail domain), so the conversion wizard has an account and an open
    opportunity to offer."""
    now = datetime.now(UTC)
    playbook = default_playbook()
    with database.uow(write=True) as uow:
        actor = users.actor_for(uow.session.get_one(User, desk.rep_id))
        data = {"first_name": "Sophie", "last_name": "Bernard", "email": "sophie@logitrans.fr",
                "company": "Logitrans", "source": "web_form"} | fields  # fmt: skip
        lead, _ = leads.create(uow, data=data, actor=actor, playbook=playbook, now=now)
        answers = {
            "budget": {"status": "confirmed", "amount": "12500"},
            "need": {"text": "Un second site", "confirmed": True},
            "timing": {"horizon": "3_months"},
        }
        leads.qualify(
            uow, lead_id=lead.id, answers=answers, actor=actor, playbook=playbook, now=now
        )
        uow.commit()
        return lead.id


@pytest.fixture(name="web_app")
def web_app_fixture() -> Callable[..., FastAPI]:
    return web_app


@pytest.fixture(name="session_cookie")
def session_cookie_fixture() -> Callable[[Database, int], str]:
    return session_cookie


@pytest.fixture(name="with_password")
def with_password_fixture() -> Callable[..., str]:
    return with_password


@pytest.fixture(name="ready_lead")
def ready_lead_fixture() -> Callable[..., int]:
    return ready_lead


@pytest.fixture(name="sales_desk")
def sales_desk_fixture() -> Callable[..., SalesDesk]:
    return sales_desk


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve() -> Iterator[Callable[[FastAPI], str]]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: FastAPI) -> str:
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the web server did not start"
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop page of a French-speaking browser (Accept-Language: fr-FR)."""
    context = browser.new_context(locale="fr-FR")
    yield context.new_page()
    context.close()


@pytest.fixture
def axe() -> Path:
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        pytest.skip(f"axe-core is not installed at {script}: run `make axe` (npm install)")
    return script
