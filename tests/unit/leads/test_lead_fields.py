"""The one list of lead fields (``leads.fields``) and the places written out beside it.

The API's bodies stay static classes so the OpenAPI document reads well; these tests fail as
soon as one of them drifts from the list (a field added, dropped or given another limit).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel

from bascule.api.schemas.intake import IntakeBody
from bascule.api.schemas.leads import LeadCreate, LeadFields, LeadRead, LeadUpdate
from bascule.imports import values
from bascule.intake import model as intake
from bascule.leads import vocabulary
from bascule.leads.fields import (
    CLIENT_FIELDS,
    FIELDS,
    FILE_FIELDS,
    FORM_FIELDS,
    WRITABLE,
    FieldKind,
    search_text,
)
from bascule.leads.vocabulary import LeadKind, Temperature
from bascule.playbook import schema


def _property(schema: type[BaseModel], name: str) -> dict[str, Any]:
    """A field's JSON schema, without the ``| None`` around it."""
    prop: dict[str, Any] = schema.model_json_schema()["properties"][name]
    choices = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    assert len(choices) == 1, (name, prop)
    return choices[0]


def test_every_field_has_one_name_and_the_subsets_keep_its_order() -> None:
    names = [f.name for f in FIELDS]
    assert len(names) == len(set(names)) == 18
    assert tuple(n for n in CLIENT_FIELDS if n not in ("tags", "consents")) == WRITABLE
    assert FORM_FIELDS == (
        "first_name", "last_name", "email", "phone", "company", "job_title", "employees",
        "sector", "country", "technology", "campaign", "tags", "consents",
    )  # fmt: skip
    assert FILE_FIELDS == (
        "first_name", "last_name", "email", "phone", "company", "job_title", "employees",
        "sector", "country", "technology", "source", "campaign", "tags", "temperature",
    )  # fmt: skip


def test_the_api_bodies_name_exactly_the_client_fields() -> None:
    for body in (LeadFields, LeadCreate):
        assert tuple(body.model_fields) == CLIENT_FIELDS
    # An edit may say why (its audit row's reason): no field of the lead.
    assert tuple(LeadUpdate.model_fields) == (*CLIENT_FIELDS, "reason")


def test_the_api_bodies_have_the_lengths_of_the_list() -> None:
    for field in FIELDS:
        if field.max_length is not None:
            assert _property(LeadFields, field.name)["maxLength"] == field.max_length, field.name


def test_the_api_choices_are_the_vocabulary() -> None:
    assert _property(LeadFields, "kind")["enum"] == [k.value for k in LeadKind]
    assert set(_property(LeadFields, "temperature")["enum"]) == {t.value for t in Temperature}
    choices = [f.name for f in FIELDS if f.kind is FieldKind.CHOICE]
    assert choices == ["kind", "temperature"]


def test_the_public_form_body_names_exactly_the_form_fields_among_the_lead_fields() -> None:
    lead_fields_in_body = [n for n in IntakeBody.model_fields if n in CLIENT_FIELDS]
    assert tuple(lead_fields_in_body) == FORM_FIELDS == intake.LEAD_FIELDS
    for name in FORM_FIELDS:
        field = next(f for f in FIELDS if f.name == name)
        if field.max_length is not None:
            assert _property(IntakeBody, name)["maxLength"] == field.max_length, name


def test_imports_fill_the_file_fields_with_the_api_lengths() -> None:
    assert values.LEAD_FIELDS == FILE_FIELDS
    assert values.MAX_LENGTH == {
        "first_name": 120, "last_name": 120, "company": 200, "job_title": 200, "sector": 120,
        "technology": 200, "source": 40, "campaign": 200, "external_id": 255,
        "disqualification_reason": 200, "opportunity_external_id": 255, "owner": 254,
    }  # fmt: skip


def test_the_read_body_is_the_row_under_its_names_plus_what_is_computed() -> None:
    # Given a row with every read field set to its own name, and two computed facts
    row = SimpleNamespace(**{name: f"row.{name}" for name in LeadRead.model_fields})
    computed = {"tags": ["a"], "sla_status": "none"}
    # When the body is built
    body = LeadRead.body(row, computed)
    # Then every field is there, in order, the computed ones replacing the row's
    assert list(body) == list(LeadRead.model_fields)
    assert body["tags"] == ["a"] and body["sla_status"] == "none"
    assert body["email"] == "row.email" and body["import_id"] == "row.import_id"
    assert set(WRITABLE) <= set(LeadRead.model_fields)


def test_the_playbook_names_statuses_from_the_vocabulary_not_from_a_copy() -> None:
    assert schema.LEAD_STATUSES is vocabulary.LEAD_STATUSES
    assert vocabulary.LEAD_STATUSES == (
        "new", "contacted", "nurturing", "mql", "sql", "converted", "disqualified",
    )  # fmt: skip


def test_search_text_folds_the_searched_fields_in_order_and_skips_blanks() -> None:
    text = search_text({"first_name": "Zoé", "last_name": None, "company": "ACME", "email": ""})
    assert text == "zoé acme"
