"""What kind of record a file holds: the fields its columns may fill, how its headers are
read, how a row's texts are cleaned. Leads (the default) or opportunities (SPEC §16). Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bascule.imports import consent_columns
from bascule.imports.mapping import ColumnDecision, decide_columns
from bascule.imports.rows import FieldValue
from bascule.imports.values import MAPPABLE_FIELDS, clean_fields

ImportObject = Literal["leads", "opportunities"]
OBJECTS: tuple[ImportObject, ...] = ("leads", "opportunities")
Decide = Callable[
    [Sequence[str], Sequence[Sequence[str]], Mapping[str, str | None]], list[ColumnDecision]
]
Clean = Callable[..., tuple[dict[str, FieldValue], list[tuple[str, str]]]]


@dataclass(frozen=True)
class Schema:
    object: ImportObject
    fields: tuple[str, ...]
    decide: Decide  # (headers, first records, explicit mapping) -> each column's decision
    clean: Clean  # (texts, default_region=, value_map=, day_first=) -> (values, errors)


def _decide_leads(
    headers: Sequence[str], samples: Sequence[Sequence[str]], explicit: Mapping[str, str | None]
) -> list[ColumnDecision]:
    return decide_columns(headers, samples, explicit=explicit)


LEADS = Schema("leads", MAPPABLE_FIELDS, _decide_leads, clean_fields)


def leads_schema(consent_purposes: Sequence[str]) -> Schema:
    """Lead files with the consent columns of the playbook's purposes (``consent_columns``)."""
    if not consent_purposes:
        return LEADS
    return Schema(
        "leads",
        (*MAPPABLE_FIELDS, *consent_columns.fields_for(consent_purposes)),
        consent_columns.decide_for(consent_purposes),
        consent_columns.clean_for(consent_purposes),
    )
