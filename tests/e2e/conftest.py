"""Fixtures for the end-to-end tests that go through the HTTP API.

Built on ``tests/conftest.py``: ``engine`` (one throw-away database per backend, for the
session) and ``db`` (every table emptied before the test). On top of them:

- ``app_database``: one ``bascule.storage.uow.Database`` per backend, reused by every test;
- ``database``: that ``Database``, tables emptied and the cached playbook forgotten;
- ``users``: one user per role (sales, sdr, marketing, account_manager, admin) with a token;
- ``api``: an ``Api`` driver around a ``TestClient`` of ``create_app(...)``, calling as the
  admin user unless told otherwise (``as_="marketing"``), with helpers for the usual steps;
- ``rows``: ``rows(tables.Lead)`` counts the rows of a table, to prove nothing was written;
  ``snapshot()``: the row counts of every table, in one query;
- ``form_key``: ``form_key("demo_request")`` makes a public form key (``api.intake`` sends it);
- ``statements``: ``with statements() as seen:`` lists the SQL the app's engine sent meanwhile.

``tests/scenarios/conftest.py`` loads this module too, so scenarios share the same fixtures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, literal, select, union_all

from bascule.app import create_app
from bascule.config import Settings
from bascule.intake import forms as intake_forms
from bascule.playbook import service as playbooks
from bascule.playbook.load import default_playbook
from bascule.storage import tables as t
from bascule.storage.uow import Database
from bascule.users import service as users_service

ROLES = ("sales", "sdr", "marketing", "account_manager", "admin")
API = "/api/v1"
# Who the driver calls as unless told otherwise: an admin reads and edits every record, so a
# test that is not about access (SPEC §18) is not refused by it. Access is tested by role in
# tests/e2e/api/test_api_access.py.
AS = "admin"


@dataclass(frozen=True)
class TestUser:
    id: int
    email: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _full_path(path: str) -> str:
    if path.startswith(("/api/", "/openapi", "/docs", "http")):
        return path
    return API + (path if path.startswith("/") else "/" + path)


class Api:
    """A thin driver: HTTP verbs as a role, plus the steps most tests repeat.

    The verbs return the raw ``httpx.Response``; the helpers assert the expected status and
    return the decoded JSON, so a test reads as given / when / then.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(
        self,
        app: FastAPI,
        users: dict[str, TestUser],
        *,
        raise_errors: bool = True,
        default: str = AS,
    ):
        self.app = app
        self.users = users
        self.default = default
        self.client = TestClient(app, raise_server_exceptions=raise_errors)

    def clone(self, *, raise_errors: bool = True) -> Api:
        """Another client on the same app and database (for concurrent requests)."""
        return Api(self.app, self.users, raise_errors=raise_errors, default=self.default)

    def headers(self, as_: str | None = "") -> dict[str, str]:
        """The caller's token; ``""``: the driver's default caller; None: nobody."""
        if as_ == "":
            as_ = self.default
        return {} if as_ is None else self.users[as_].headers

    # --- verbs --------------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, as_: str | None = "", **kwargs: Any
    ) -> httpx.Response:
        headers = {**self.headers(as_), **kwargs.pop("headers", {})}
        return self.client.request(method, _full_path(path), headers=headers, **kwargs)

    def get(self, path: str, *, as_: str | None = "", **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, as_=as_, **kwargs)

    def post(self, path: str, json: Any = None, *, as_: str | None = "", **kwargs: Any):
        return self.request("POST", path, as_=as_, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, *, as_: str | None = "", **kwargs: Any):
        return self.request("PATCH", path, as_=as_, json=json, **kwargs)

    # --- steps --------------------------------------------------------------------------------

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, (
            f"{response.request.method} {response.request.url.path}: expected {status}, "
            f"got {response.status_code}: {response.text}"
        )
        return response.json()

    def create_lead(self, *, as_: str = "", **fields: Any) -> dict[str, Any]:
        body = {
            "first_name": "Camille",
            "last_name": "Martin",
            "email": "camille.martin@acier-durand.fr",
            "company": "Aciers Durand",
            "source": "web_form",
        } | fields
        return self.ok(self.post("/leads", body, as_=as_), 201)

    def qualify(self, lead_id: int, body: dict[str, Any], *, as_: str = "") -> dict:
        return self.ok(self.patch(f"/leads/{lead_id}/qualification", body, as_=as_))

    def make_ready(self, lead_id: int, **overrides: Any) -> dict[str, Any]:
        """BANT answers that satisfy the default rule (need, budget range, timing)."""
        body = {
            "framework": "bant",
            "budget": {"status": "range", "min": 20000, "max": 40000},
            "authority": "decision_maker",
            "need": {"text": "Replace the spreadsheets used by 40 sellers", "confirmed": True},
            "timing": {"horizon": "3_months"},
        } | overrides
        lead = self.qualify(lead_id, body)
        assert lead["ready_to_convert"] is True, lead
        return lead

    def ready_lead(self, **fields: Any) -> dict[str, Any]:
        lead = self.create_lead(**fields)
        return self.make_ready(lead["id"])

    def convert(
        self, lead_id: int, body: dict[str, Any], *, status: int = 201, as_: str = ""
    ) -> dict[str, Any]:
        return self.ok(self.post(f"/leads/{lead_id}/convert", body, as_=as_), status)

    def create_account(self, **fields: Any) -> dict[str, Any]:
        return self.ok(self.post("/accounts", {"name": "Acme"} | fields), 201)

    def create_contact(self, **fields: Any) -> dict[str, Any]:
        return self.ok(self.post("/contacts", fields), 201)

    def create_opportunity(self, **fields: Any) -> dict[str, Any]:
        body = {
            "name": "Projet CRM",
            "amount": 30000,
            "expected_close_date": "2031-06-30",
            "stage": "qualification",
            "lead_source": "web_form",
        } | fields
        return self.ok(self.post("/opportunities", body), 201)

    def move(self, opportunity_id: int, stage: str, **extra: Any) -> dict[str, Any]:
        body = {"stage": stage} | extra
        return self.ok(self.post(f"/opportunities/{opportunity_id}/stage", body))

    @staticmethod
    def convert_body(
        name: str = "Projet CRM – Aciers Durand",
        amount: float | int | str = 30000,
        expected_close_date: str = "2031-06-30",
        **opportunity: Any,
    ) -> dict[str, Any]:
        """The usual body of POST /leads/{id}/convert."""
        return {
            "opportunity": {
                "name": name,
                "amount": amount,
                "expected_close_date": expected_close_date,
                **opportunity,
            }
        }

    def intake(
        self, form_type: str, body: Any, *, key: str | None, **kwargs: Any
    ) -> httpx.Response:
        """A public form submission: no bearer token, the form's key in X-Form-Key."""
        headers = {**({"X-Form-Key": key} if key is not None else {}), **kwargs.pop("headers", {})}
        return self.post(f"/intake/{form_type}", body, as_=None, headers=headers, **kwargs)

    @staticmethod
    def error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
        """Assert the SPEC §13 error shape and return the ``error`` object."""
        assert response.status_code == status, (
            f"{response.request.method} {response.request.url.path}: expected {status}, "
            f"got {response.status_code}: {response.text}"
        )
        body = response.json()
        assert set(body) == {"error"}, body
        error = body["error"]
        assert isinstance(error.get("code"), str) and error["code"], body
        assert isinstance(error.get("message"), str) and error["message"], body
        assert isinstance(error.get("fields"), dict), body
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in error["fields"].items())
        if code is not None:
            assert error["code"] == code, body
        return error


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def app_database(engine: Engine) -> Iterator[Database]:
    """One application ``Database`` per backend for the whole session (its own engine)."""
    database = Database(engine.url.render_as_string(hide_password=False))
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture(scope="session")
def app(engine: Engine, app_database: Database) -> FastAPI:
    return create_app(Settings(database_url=app_database.url), app_database)


@pytest.fixture
def database(db: Engine, app_database: Database) -> Database:
    """The app's database, every table emptied, the cached playbook forgotten."""
    playbooks.forget(app_database)
    return app_database


@pytest.fixture
def users(database: Database) -> dict[str, TestUser]:
    """One active user per role, each with an API token."""
    now = datetime.now(UTC)
    made: dict[str, TestUser] = {}
    with database.uow(write=True) as uow:
        for role in ROLES:
            email = f"{role.replace('_', '.')}@bascule-crm.fr"
            user = users_service.create_user(
                uow, email=email, role=role, name=role.replace("_", " ").title(), now=now
            )
            token = users_service.create_token(uow, email=email, label="e2e", now=now)
            made[role] = TestUser(user.id, email, role, token)
        uow.commit()
    return made


@pytest.fixture
def api(app: FastAPI, users: dict[str, TestUser], request: pytest.FixtureRequest) -> Iterator[Api]:
    # A module written around one role's own records says so: ``AS = "sales"``.
    driver = Api(app, users, default=getattr(request.module, "AS", AS))
    with driver.client:
        yield driver


@pytest.fixture
def rows(database: Database) -> Callable[[type[t.Base]], int]:
    """``rows(t.Lead)``: how many rows the table holds right now."""

    def count(model: type[t.Base]) -> int:
        with database.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(model)).scalar_one())

    return count


# Tables that count requests, not data: a refused request may still spend a rate-limit token
# (PostgreSQL's shared bucket) or a failed sign-in.
BOOKKEEPING = frozenset({"intake_rate_bucket", "sign_in_throttle"})


@pytest.fixture
def snapshot(database: Database) -> Callable[[], dict[str, int]]:
    """``snapshot()``: the row counts of every table, in one query (compare two to prove a
    refused request wrote nothing)."""

    def take() -> dict[str, int]:
        tables = [x for x in t.Base.metadata.sorted_tables if x.name not in BOOKKEEPING]
        query = union_all(
            *(select(literal(table.name), func.count()).select_from(table) for table in tables)
        )
        with database.engine.connect() as conn:
            return {name: int(n) for name, n in conn.execute(query)}

    return take


@pytest.fixture
def form_key(database: Database) -> Callable[..., str]:
    """``form_key("demo_request")``: a new key for a public form of that type."""

    def make(form_type: str, label: str | None = None) -> str:
        with database.uow(write=True) as uow:
            _, key = intake_forms.create(
                uow, form_type=form_type, label=label, playbook=default_playbook(),
                now=datetime.now(UTC),
            )  # fmt: skip
            uow.commit()
        return key

    return make


@pytest.fixture
def statements(database: Database) -> Callable[[], AbstractContextManager[list[str]]]:
    """``with statements() as seen: ...``: every SQL statement the engine sent in the block,
    transaction control (BEGIN, COMMIT) included when the driver sends it as a statement."""

    @contextmanager
    def recording() -> Iterator[list[str]]:
        seen: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            seen.append(statement)

        event.listen(database.engine, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            event.remove(database.engine, "before_cursor_execute", record)

    return recording
