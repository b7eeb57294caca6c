"""The API against its own ``/openapi.json`` (issue 12, SPEC §13): every operation is called
with generated requests, valid and invalid, as the admin, on both databases. Each answer must
be no server error, carry a status the operation documents, in a documented content type,
with a body that fits the documented schema; a method a path does not serve answers 405
with ``Allow``.

Bounded: a fixed seed and a few examples per operation, so a run stays near a minute per
database. The world holds one record of each kind (id 1 of each table), so the small ids
the generator favours reach real records as often as missing ones.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status
from schemathesis.engine import events as ev

from bascule.app import create_app
from bascule.config import Settings
from bascule.playbook.schema import FORM_TYPES
from bascule.storage.uow import Database
from bascule.users import service as users_service

# Checks run on every answer (the names of schemathesis' built-in checks).
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "allow_header_conformance",
]
# A deeper search, by hand: BASCULE_SCHEMATHESIS_EXAMPLES=100 BASCULE_SCHEMATHESIS_SEED=7.
MAX_EXAMPLES = int(os.environ.get("BASCULE_SCHEMATHESIS_EXAMPLES", "6"))
SEED = int(os.environ.get("BASCULE_SCHEMATHESIS_SEED", "20261205"))

# Methods no operation declares, sent to each: OPTIONS (its Allow must list exactly the
# documented methods) and TRACE. Every other method on every path is checked once in
# test_api_openapi.py; eight per operation here would be a seventh of the run's calls.
UNEXPECTED_METHODS = '["options", "trace"]'

# Left out, with the reason:
EXCLUDED = {
    # The live alert stream never ends: a call would wait for the next alert forever.
    ("GET", "/api/v1/alerts/stream"),
}


def config(headers: dict[str, str]) -> SchemathesisConfig:
    header_lines = "\n".join(f'"{name}" = "{value}"' for name, value in headers.items())
    check_lines = "\n".join(f"{name}.enabled = true" for name in CHECKS)
    return SchemathesisConfig.from_str(
        f"""
seed = {SEED}
suppress-health-check = ["all"]

[headers]
{header_lines}

[generation]
max-examples = {MAX_EXAMPLES}
no-shrink = true
database = "none"

[checks]
enabled = false
{check_lines}

[phases.coverage]
unexpected-methods = {UNEXPECTED_METHODS}

[phases.stateful]
enabled = false
"""
    )


@pytest.fixture
def world(api, form_key) -> dict[str, Any]:
    lead = api.ready_lead()
    account = api.create_account(name="Boulangerie Paul")
    contact = api.create_contact(last_name="Paul", email="paul@boulangerie-paul.fr")
    api.create_opportunity(account_id=account["id"])
    assert lead["id"] == account["id"] == contact["id"] == 1
    # A key for the first form type, the one the generator sends every variant of the body to
    # (a key for another type is refused, 403, before the body is read).
    return {"form_key": form_key(FORM_TYPES[0])}


def run(schema: Any) -> dict[str, Any]:
    """Every phase of the run; what it called and the failures, by operation."""
    failures: list[str] = []
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    started = time.monotonic()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, ev.ScenarioFinished):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                calls[recorder.label] += 1
                if interaction.response is not None:
                    statuses[interaction.response.status_code] += 1
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(
                            f"{recorder.label}: {check.name}: {failure.title}\n"
                            f"{failure.message}\n{check.failure_info.code_sample}"
                        )
        elif isinstance(event, ev.NonFatalError):
            errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, ev.FatalError):
            errors.append(f"fatal: {event.exception!r}")
    return {
        "failures": failures,
        "errors": errors,
        "calls": calls,
        "statuses": statuses,
        "seconds": time.monotonic() - started,
    }


@pytest.fixture
def fuzzed_app(app_database: Database) -> FastAPI:
    """The application on the test database, its public forms' rate limit lifted: past 60
    submissions a minute every one would answer 429 unread, and the forms' bodies would go
    untested (the limit has tests of its own: test_api_intake_limits.py)."""
    settings = Settings(database_url=app_database.url, intake_rate_limit_per_minute=1_000_000)
    return create_app(settings, app_database)


def test_every_operation_answers_as_documented(fuzzed_app, api, database, world, capsys):
    admin = api.users["admin"]
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", fuzzed_app, config=config({"X-Form-Key": world["form_key"]})
    )
    for method, path in EXCLUDED:
        schema = schema.exclude(method=method, path=path)

    @schema.auth()
    class AdminToken:
        """The admin's bearer token. The run revokes tokens at random, the admin's own among
        them: a 401 then makes a new one, and the request is sent again with it."""

        def get(self, case: Any, context: Any) -> str:
            with database.uow(write=True) as uow:
                token = users_service.create_token(
                    uow, email=admin.email, label="schemathesis", now=datetime.now(UTC)
                )
                uow.commit()
            return token

        def set(self, case: Any, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    result = run(schema)
    with capsys.disabled():
        print(
            f"\nschemathesis: {len(result['calls'])} operations, "
            f"{sum(result['calls'].values())} calls in {result['seconds']:.1f} s; "
            f"statuses {dict(sorted(result['statuses'].items()))}"
        )
    assert result["errors"] == []
    assert result["failures"] == [], "\n\n".join(result["failures"])
