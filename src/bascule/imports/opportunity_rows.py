"""Opportunity files (`object=opportunities`, SPEC §16): their fields, headers, row cleaning.
Pure. Which account, owner, stage and lead each row means is decided with the database and
the playbook in `opportunity_writer`.

Exports name a deal's close date once: Salesforce's `CloseDate` is the expected date of an
open deal and the real one of a closed deal; Maven CRM's `close_date` is set when the deal is
won or lost. Both read as `expected_close_date`, and a closed deal without `closed_at` closed
on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bascule.imports.history import DATE_FIELDS, clean_amount, clean_date
from bascule.imports.mapping import ColumnDecision, explicit_columns, normalise_header
from bascule.imports.rows import ROW, FieldValue
from bascule.imports.schema import Schema
from bascule.imports.values import clean_text, is_blank, is_undecodable, lost_as_not_text

OPPORTUNITY_FIELDS = (
    "external_id", "name", "account", "account_external_id", "amount", "currency", "stage",
    "created_at", "expected_close_date", "closed_at", "loss_reason", "lead_source", "type",
    "owner", "lead_external_id",
)  # fmt: skip
TEXT_LENGTH = {
    "external_id": 255, "name": 200, "account": 200, "account_external_id": 255,
    "loss_reason": 200, "lead_source": 200, "type": 200, "owner": 254, "stage": 200,
    "lead_external_id": 255,
}  # fmt: skip
_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "Id", "ID", "Opportunity ID", "OpportunityId", "Deal ID", "Record ID", "Record ID - Deal",
        "External ID", "Identifiant",
    ),
    "name": ("Name", "Opportunity Name", "Deal Name", "Nom", "Nom de l'opportunité", "Affaire"),
    "account": (
        "Account", "Account Name", "Company", "Company Name", "Associated Company", "Société",
        "Compte", "Entreprise",
    ),
    "account_external_id": ("AccountId", "Account ID", "Company ID", "Record ID - Company"),
    "amount": ("Amount", "Close Value", "Deal Amount", "Value", "Montant", "Valeur"),
    "currency": ("Currency", "CurrencyIsoCode", "Currency Code", "Devise"),
    "stage": ("StageName", "Stage", "Deal Stage", "Étape", "Phase"),
    "created_at": (
        "CreatedDate", "Created Date", "Create Date", "Created", "Engage Date",
        "Date de création",
    ),
    "expected_close_date": (
        "CloseDate", "Close Date", "Expected Close Date", "Date de clôture prévue",
        "Date de clôture",
    ),
    "closed_at": ("Closed Date", "Date Closed", "Actual Close Date", "Closed At"),
    "loss_reason": (
        "Loss Reason", "Lost Reason", "Closed Lost Reason", "Reason Lost", "Motif de perte",
        "Raison de la perte",
    ),
    "lead_source": ("LeadSource", "Lead Source", "Source", "Original Source", "Origine"),
    "type": ("Type", "Opportunity Type", "Deal Type", "Type d'affaire"),
    "owner": (
        "Owner", "Opportunity Owner", "Deal Owner", "Owner Name", "Owner Email", "Sales Agent",
        "Sales Rep", "Propriétaire", "Commercial",
    ),
    "lead_external_id": ("Lead ID", "Lead External ID", "ConvertedLeadId", "Converted Lead ID"),
}  # fmt: skip
HEADERS = {
    normalise_header(alias): field for field, aliases in _ALIASES.items() for alias in aliases
} | {normalise_header(field): field for field in OPPORTUNITY_FIELDS}
NAMELESS = "no external id, name or account: nothing says which deal this is"


def decide(
    headers: Sequence[str], samples: Sequence[Sequence[str]], explicit: Mapping[str, str | None]
) -> list[ColumnDecision]:
    """Each column's field: the mapping given, else the header's (first column wins)."""
    chosen = explicit_columns(headers, explicit)
    given = {field for field in chosen.values() if field is not None}
    taken: set[str] = set()
    decisions = []
    for header in headers:
        if header in chosen:
            decisions.append(ColumnDecision(header, chosen[header], "map"))
            continue
        key = normalise_header(header)
        field = HEADERS.get(key)
        if field is None or field in given or field in taken:
            decisions.append(ColumnDecision(header, None, "unrecognised"))
            continue
        taken.add(field)
        exact = key == normalise_header(field)
        decisions.append(ColumnDecision(header, field, "exact" if exact else "alias"))
    return decisions


def clean(
    texts: Mapping[str, str],
    *,
    default_region: str = "FR",
    value_map: Mapping[str, Mapping[str, str]] | None = None,
    day_first: bool = True,
) -> tuple[dict[str, FieldValue], list[tuple[str, str]]]:
    """The values of one opportunity row; stage, types and reasons stay words (the playbook
    reads them later)."""
    values: dict[str, FieldValue] = {}
    errors: list[tuple[str, str]] = []
    for field, text in texts.items():
        if is_blank(text):
            continue
        if is_undecodable(text):
            errors.append((field, lost_as_not_text(field, text)))
            continue
        value: FieldValue | None
        if field in DATE_FIELDS:
            value, problem = clean_date(text, day_first=day_first)
        elif field == "amount":
            value, problem = clean_amount(text)
        elif field == "currency":
            code = text.strip().upper()
            value, problem = code, None
            if len(code) != 3 or not code.isalpha():
                value, problem = None, f"{text.strip()!r} is not a currency code (EUR, USD...)"
        else:
            words, problem = clean_text(field, text)
            limit = TEXT_LENGTH.get(field)
            if words is not None and limit and len(words) > limit:
                problem = f"longer than {limit} characters ({len(words)})"
                words = None
            value = words
        if value is not None:
            values[field] = value
        elif problem:
            errors.append((field, problem))
    if not any(f in values for f in ("external_id", "name", "account")):
        errors.append((ROW, NAMELESS))
    return values, errors


OPPORTUNITIES = Schema("opportunities", OPPORTUNITY_FIELDS, decide, clean)
