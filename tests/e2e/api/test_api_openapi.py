"""``/openapi.json`` is served and describes the SPEC §13 contract."""

from __future__ import annotations

from typing import Any

import pytest

# SPEC §13 paths served so far, with their methods. (Intake, events, imports, reports and
# alerts join this list when they are built.)
SPEC_PATHS = {
    "/api/v1/leads": {"get", "post"},
    "/api/v1/leads/{lead_id}": {"get", "patch"},
    "/api/v1/leads/{lead_id}/activities": {"post"},
    "/api/v1/leads/{lead_id}/qualification": {"patch"},
    "/api/v1/leads/{lead_id}/status": {"post"},
    "/api/v1/leads/{lead_id}/convert": {"post"},
    "/api/v1/accounts": {"get", "post"},
    "/api/v1/accounts/{account_id}": {"get", "patch"},
    "/api/v1/contacts": {"get", "post"},
    "/api/v1/contacts/{contact_id}": {"get", "patch"},
    "/api/v1/opportunities": {"get", "post"},
    "/api/v1/opportunities/{opportunity_id}": {"get", "patch"},
    "/api/v1/opportunities/{opportunity_id}/stage": {"post"},
    "/api/v1/events": {"post"},
    "/api/v1/intake/{form_type}": {"post"},
    "/api/v1/imports": {"get", "post"},
    "/api/v1/imports/{import_id}": {"get"},
    "/api/v1/alerts": {"get"},
    "/api/v1/alerts/{alert_id}/read": {"post"},
    "/api/v1/alerts/stream": {"get"},
}

# SPEC §13.1 field names, by the path whose GET returns the record.
SPEC_FIELDS = {
    "/api/v1/leads/{lead_id}": (
        "id first_name last_name email phone company job_title employees sector country "
        "technology source campaign kind tags temperature status owner_id score "
        "score_explanation ready_to_convert created_at assigned_at first_response_due_at "
        "account_id contact_id opportunity_id"
    ),
    "/api/v1/accounts/{account_id}": "id name domain is_customer owner_id",
    "/api/v1/contacts/{contact_id}": "id first_name last_name email phone job_title account_id",
    "/api/v1/opportunities/{opportunity_id}": (
        "id name account_id amount currency expected_close_date stage probability type "
        "lead_source lead_id loss_reason owner_id contacts"
    ),
}

LIST_PATHS = ["/api/v1/leads", "/api/v1/accounts", "/api/v1/contacts", "/api/v1/opportunities"]
LEAD_LIST_FILTERS = {
    "status",
    "owner",
    "source",
    "tag",
    "temperature",
    "q",
    "min_score",
    "sort",
    "page",
    "page_size",
}


@pytest.fixture
def spec(api) -> dict[str, Any]:
    response = api.get("/openapi.json", as_=None)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def response_schema(spec: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    content = spec["paths"][path][method]["responses"]
    ok = content.get("200") or content.get("201")
    return resolve(ok["content"]["application/json"]["schema"], spec)


def test_openapi_is_served_without_a_token(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Bascule"


def test_openapi_lists_the_spec_paths_and_methods(spec):
    missing = {
        path: sorted(methods - set(spec["paths"].get(path, {})))
        for path, methods in SPEC_PATHS.items()
        if methods - set(spec["paths"].get(path, {}))
    }
    assert missing == {}


@pytest.mark.parametrize("path", sorted(SPEC_FIELDS))
def test_openapi_records_carry_the_spec_field_names(spec, path):
    properties = set(response_schema(spec, path)["properties"])
    assert set(SPEC_FIELDS[path].split()) - properties == set()


@pytest.mark.parametrize("path", LIST_PATHS)
def test_openapi_lists_are_pages(spec, path):
    properties = set(response_schema(spec, path)["properties"])
    assert {"items", "total", "page", "page_size"} <= properties


def test_openapi_lead_list_has_the_spec_filters(spec):
    params = {p["name"] for p in spec["paths"]["/api/v1/leads"]["get"]["parameters"]}
    assert params >= LEAD_LIST_FILTERS


def test_openapi_intake_body_and_result(spec):
    operation = spec["paths"]["/api/v1/intake/{form_type}"]["post"]
    body = resolve(operation["requestBody"]["content"]["application/json"]["schema"], spec)
    writable = set(
        "first_name last_name email phone company job_title employees sector country "
        "technology campaign tags".split()
    )
    extra = {"message", "website", "project", "budget", "expected_close_date", "contacts",
             "users", "timeline"}  # fmt: skip
    assert writable | extra <= set(body["properties"])
    assert {p["name"] for p in operation["parameters"]} >= {"form_type", "X-Form-Key"}
    result = response_schema(spec, "/api/v1/intake/{form_type}", "post")
    assert set(result["properties"]) == {
        "outcome", "lead_id", "opportunity_id", "account_id", "contact_id"
    }  # fmt: skip
    assert "security" not in operation  # public: the form key, no bearer token


def test_openapi_convert_body_and_result(spec):
    operation = spec["paths"]["/api/v1/leads/{lead_id}/convert"]["post"]
    body = resolve(operation["requestBody"]["content"]["application/json"]["schema"], spec)
    assert {"opportunity", "account_id", "opportunity_id"} <= set(body["properties"])
    result = response_schema(spec, "/api/v1/leads/{lead_id}/convert", "post")
    assert {"account_id", "contact_id", "opportunity_id"} <= set(result["properties"])


# Public forms keep the fields a site adds to its form as free answers (bounded in number and
# size) instead of refusing them: a form changed on the site must not start losing leads.
OPEN_BY_DESIGN = {"POST /api/v1/intake/{form_type}"}


def test_openapi_request_bodies_refuse_unknown_fields(spec):
    open_bodies = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = resolve(content["application/json"]["schema"], spec)
            if schema.get("type") == "array":  # a batch (events): each item is checked
                schema = resolve(schema["items"], spec)
            if schema.get("additionalProperties") is not False:
                open_bodies.append(f"{method.upper()} {path}")
    assert sorted(set(open_bodies) - OPEN_BY_DESIGN) == []


# --- every status a route answers is documented (issue 12) ------------------------------------

# The only routes called without a bearer token: the health check (no caller at all) and the
# public forms (their key in X-Form-Key, refused with 401/403 like a token).
NO_CALLER = {"GET /api/v1/health"}
# POSTs that write nothing (a back-test replays history in memory): no conflict can happen.
READ_ONLY_POSTS = {"POST /api/v1/reports/backtest"}


def expected_statuses(path: str, method: str, operation: dict[str, Any]) -> set[str]:
    """What a route answers besides success, by what it takes: every route a bad parameter
    (422, a NUL in any query string included) and a busy database (503); a caller, 401 and
    403; a record in its path, 404; a body, 413 over the cap (400 when it is not JSON); a
    write, 409 (the record's state, or a concurrent write)."""
    name = f"{method.upper()} {path}"
    expected = {"422", "503"}
    if name not in NO_CALLER:
        expected |= {"401", "403"}
    if any(p["in"] == "path" for p in operation.get("parameters", [])):
        expected.add("404")
    content = operation.get("requestBody", {}).get("content", {})
    if content:
        expected.add("413")
    if "application/json" in content:
        expected.add("400")
    if method in ("post", "patch", "put", "delete") and name not in READ_ONLY_POSTS:
        expected.add("409")
    return expected


def api_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in spec["paths"].items()
        if path.startswith("/api/")
        for method, operation in operations.items()
    ]


def test_openapi_every_route_documents_the_statuses_it_answers(spec):
    missing = {
        f"{method.upper()} {path}": sorted(
            expected_statuses(path, method, operation) - set(operation["responses"])
        )
        for path, method, operation in api_operations(spec)
    }
    assert {name: codes for name, codes in missing.items() if codes} == {}


def test_openapi_errors_are_documented_in_the_error_shape(spec):
    """Every 4xx documented has the SPEC §13 shape (never FastAPI's ``{"detail": [...]}``)."""
    wrong = []
    for path, method, operation in api_operations(spec):
        for status, answer in operation["responses"].items():
            if not status.startswith("4"):
                continue
            schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref", "").rsplit("/", 1)[-1] != "ErrorBody":
                wrong.append(f"{method.upper()} {path} {status}")
    assert wrong == []
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_openapi_documents_a_second_success_where_one_is_answered(spec):
    # A lead posted again with its e-mail is updated (200); a conversion sent again is
    # answered as the first time (200); both create otherwise (201).
    for path in ("/api/v1/leads", "/api/v1/leads/{lead_id}/convert"):
        assert {"200", "201"} <= set(spec["paths"][path]["post"]["responses"])
    for report in ("funnel", "pipeline", "loss-reasons", "stage-times"):
        ok = spec["paths"][f"/api/v1/reports/{report}"]["get"]["responses"]["200"]
        assert {"application/json", "text/csv"} <= set(ok["content"])


def test_a_method_a_path_does_not_serve_answers_405_with_every_method_in_allow(api, spec):
    for path, operations in spec["paths"].items():
        served = {method.upper() for method in operations}
        other = next(m for m in ("PUT", "DELETE", "PATCH", "POST") if m not in served)
        url = path.format_map(KeyDefault(form_type="demo_request"))
        response = api.request(other, url)
        assert response.status_code == 405, (other, url, response.text)
        assert response.json()["error"]["code"] == "method_not_allowed"
        allow = set(response.headers["allow"].split(", "))
        assert allow == served, (other, url)


class KeyDefault(dict[str, str]):
    """``/leads/{lead_id}`` → ``/leads/1``: any id will do, the method is refused first."""

    def __missing__(self, key: str) -> str:
        return "1"
