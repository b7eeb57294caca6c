"""Which column fills which lead field: guessed from export headers, overridable. Pure.

Headers are compared without case, accents, spaces or punctuation ("E-mail", "EMAIL",
"e_mail" are one header), with a Salesforce custom-field suffix `__c` and a leading "Contact"
or "Lead" ignored when what remains is known ("Lead Source", "Contact Email").

`decide_columns` says, for every column, the field it fills (or the lead's attributes) and how
that was decided: `exact` (the header is the field's name), `alias` (a header exports write
for it), `map` (the person importing said so), `guess` (the header is unknown, its values leave
no doubt), `unrecognised`, or `refused` (the header suggests a field its values contradict).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bascule.imports.evidence import NAME_FIELDS, contradiction, field_from_values, varied_names
from bascule.imports.rows import ImportMappingError
from bascule.imports.values import FULL_NAME, MAPPABLE_FIELDS, is_blank

# Field: headers as the exports write them (Salesforce, Data Loader, HubSpot, Dynamics 365,
# Odoo, Pipedrive, French UIs of each, x_education).
_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": (
        "First Name", "FirstName", "First", "Given Name", "Forename", "Prénom", "Vorname",
        "Nombre", "Voornaam", "Prénom du contact",
    ),
    "last_name": (
        "Last Name", "LastName", "Last", "Surname", "Family Name", "Nom", "Nom de famille",
        "Nachname", "Apellido", "Apellidos", "Cognome", "Sobrenome", "Achternaam",
    ),
    FULL_NAME: (
        "Name", "Full Name", "Contact Name", "Lead Name", "Person Name", "Display Name",
        "Nom complet", "Nom du contact", "Prénom Nom", "Contact",
    ),
    "email": (
        "Email", "E-mail", "Email Address", "E-mail Address", "Mail", "Courriel",
        "Adresse e-mail", "Adresse mail", "Adresse électronique", "Adresse courriel",
        "Email 1", "Email Address 1", "Work Email", "Business Email", "Email professionnel",
        "E-mail professionnel", "Email pro", "Primary Email", "Correo", "Correo electrónico",
        "E-Mail-Adresse", "E-mailadres",
    ),
    "phone": (
        "Phone", "Phone Number", "Telephone", "Telephone Number", "Tel", "Business Phone",
        "Work Phone", "Direct Phone", "Office Phone", "Téléphone", "Numéro de téléphone",
        "Téléphone fixe", "Téléphone professionnel", "Téléphone pro", "Telephone 1",
        "Mobile", "Mobile Phone", "MobilePhone", "Mobile Phone Number", "Mobile Number",
        "Cell", "Cell Phone", "Portable", "Téléphone portable", "Téléphone mobile",
        "Numéro de téléphone mobile", "GSM", "Handy", "Telefon", "Teléfono", "Telefono",
        "Telefoon", "Telefonnummer",
    ),
    "company": (
        "Company", "Company Name", "Account", "Account Name", "Organization",
        "Organisation", "Organization Name", "Org", "Société", "Entreprise",
        "Nom de l'entreprise", "Nom de la société", "Raison sociale", "Firma", "Empresa",
        "Employer", "Current Employer", "Unternehmen", "Azienda", "Bedrijf",
    ),
    "job_title": (
        "Title", "Job Title", "JobTitle", "Job Position", "Position", "Designation",
        "Fonction", "Poste", "Intitulé du poste", "Intitulé de poste", "Titre",
        "Titre du poste", "Position Title", "Cargo",
    ),
    "employees": (
        "NumberOfEmployees", "Number of Employees", "No. of Employees", "Employees",
        "Employee Count", "Company Size", "Headcount", "Effectif", "Effectifs",
        "Nombre d'employés", "Nombre de salariés", "Nb salariés", "Nb employés",
        "Taille de l'entreprise", "Tranche d'effectif", "Mitarbeiter", "Mitarbeiterzahl",
    ),
    "sector": (
        "Industry", "Sector", "Industry Sector", "Vertical", "Secteur", "Secteur d'activité",
        "Secteurs d'activité", "Branche", "Industrie",
    ),
    "country": (
        "Country", "CountryCode", "Country Code", "Country/Region", "Country Name",
        "Mailing Country", "Pays", "Pays/Région", "Code pays", "Land",
    ),
    "technology": (
        "Technology", "Technologies", "Tech Stack", "Technologie", "Technologies utilisées",
        "Current Technology", "Current Solution", "Solution actuelle", "Outil actuel",
    ),
    "source": (
        "Source", "LeadSource", "Lead Source", "Original Source", "Origine",
        "Origine de la piste", "Source de la piste", "Source du lead", "Source d'origine",
        "Provenance",
    ),
    "campaign": (
        "Campaign", "Campaign Name", "Campagne", "Nom de la campagne", "UTM Campaign",
    ),
    "tags": ("Tags", "Tag", "Labels", "Étiquettes", "Étiquette", "Mots-clés"),
    "temperature": ("Temperature", "Température", "Rating", "Lead Rating", "Évaluation"),
    "external_id": (
        "Id", "ID", "External ID", "External Id", "Prospect ID", "Lead Number", "Lead ID",
        "Contact ID", "Record ID", "Record ID - Contact", "Identifiant", "Identifiant externe",
        "Numéro de prospect",
    ),
    # History (SPEC §16): Salesforce, HubSpot (lifecycle stages and their dates), French UIs.
    "status": (
        "Status", "Lead Status", "Statut", "Statut du lead", "Statut de la piste",
        "Lifecycle Stage", "Étape du cycle de vie", "Phase du cycle de vie",
    ),
    "created_at": (
        "CreatedDate", "Created Date", "Created", "Created At", "Create Date", "Date Created",
        "Creation Date", "Date de création", "Créé le", "Date création", "Became a Lead Date",
    ),
    "mql_at": (
        "Became a Marketing Qualified Lead Date", "MQL Date", "Date MQL", "MQL At",
        "Marketing Qualified Date", "Date de passage en MQL",
    ),
    "sql_at": (
        "Became a Sales Qualified Lead Date", "SQL Date", "Date SQL", "SQL At",
        "Sales Qualified Date", "Date de passage en SQL",
    ),
    "converted_at": (
        "ConvertedDate", "Converted Date", "Conversion Date", "Date de conversion",
        "Became an Opportunity Date", "Converted At",
    ),
    "disqualified_at": (
        "Disqualified Date", "Disqualified At", "Disqualification Date", "Unqualified Date",
        "Date de disqualification",
    ),
    "disqualification_reason": (
        "Disqualification Reason", "Disqualified Reason", "Unqualified Reason",
        "Motif de disqualification", "Raison de disqualification", "Raison de la disqualification",
    ),
    "owner": (
        "Owner", "Lead Owner", "Contact owner", "Owner Name", "Owner Email", "Owner Full Name",
        "Lead Owner Name", "HubSpot Owner", "Sales Agent", "Sales Rep", "Assigned To",
        "Propriétaire", "Propriétaire du lead", "Propriétaire du contact", "Commercial",
    ),
    "do_not_contact": (
        "DoNotCall", "Do Not Call", "Do Not Contact", "Ne pas contacter", "Ne pas appeler",
        "Bloctel",
    ),
    "opportunity_external_id": (
        "ConvertedOpportunityId", "Converted Opportunity ID", "Converted Opportunity",
        "Opportunity ID", "Opportunity External ID", "Deal ID",
    ),
}  # fmt: skip
# Headers whose meaning is clear only when no other column says it better: "Lead Origin" is
# the source of a file without "Lead Source" (x_education has both, and its origin is the
# form's channel, "API" or "Landing Page Submission"); "mql_id" identifies a marketing-
# qualified lead in funnel exports.
_WEAK_ALIASES: dict[str, tuple[str, ...]] = {
    "source": ("Origin", "Origine du contact"),
    "external_id": ("MQL ID", "SQL ID"),
    "converted_at": ("Became a Customer Date",),
    "created_at": ("Became a Subscriber Date",),
}
_PREFIXES = ("contact", "lead")


def normalise_header(header: str) -> str:
    """The comparison key of a header: "Prénom " -> "prenom", "Country/Region" ->
    "countryregion", "Industry__c" -> "industry"."""
    text = header.strip().removesuffix("__c").removesuffix("__C")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


HEADER_FIELDS: dict[str, str] = {
    normalise_header(alias): field for field, aliases in _ALIASES.items() for alias in aliases
}
WEAK_HEADER_FIELDS: dict[str, str] = {
    normalise_header(alias): field
    for field, aliases in _WEAK_ALIASES.items()
    for alias in aliases
    if normalise_header(alias) not in HEADER_FIELDS
}
_FIELD_NAMES = {normalise_header(field): field for field in MAPPABLE_FIELDS}

How = Literal["exact", "alias", "map", "guess", "unrecognised", "refused"]
ATTRIBUTES = "attributes"  # where a column that fills no field goes, as the report says it


@dataclass(frozen=True, slots=True)
class ColumnDecision:
    """What one column of a file becomes. `field` None: kept in the lead's attributes."""

    column: str
    field: str | None
    how: How
    note: str | None = None

    def as_report(self) -> dict[str, str | None]:
        return {
            "column": self.column,
            "field": self.field or ATTRIBUTES,
            "how": self.how,
            "note": self.note,
        }


def _known(key: str, table: Mapping[str, str]) -> str | None:
    if key in table:
        return table[key]
    for prefix in _PREFIXES:
        rest = key.removeprefix(prefix)
        if rest != key and rest in table:
            return table[rest]
    return None


def header_field(header: str) -> tuple[str, How, bool] | None:
    """(field, exact or alias, weak) for a header that names a lead field, else None."""
    key = normalise_header(header)
    if key in _FIELD_NAMES:
        return _FIELD_NAMES[key], "exact", False
    if (field := _known(key, HEADER_FIELDS)) is not None:
        return field, "alias", False
    if (field := _known(key, WEAK_HEADER_FIELDS)) is not None:
        return field, "alias", True
    return None


def field_for_header(header: str) -> str | None:
    found = header_field(header)
    return found[0] if found is not None and not found[2] else None


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """{header: field} for every header recognised as a Bascule lead field.

    Several headers may fill one field (Phone and MobilePhone): the first non-empty one in
    column order wins on each row. A repeated header is taken once, at its first place. A
    weak header ("Lead Origin") fills its field only when no other header names it.
    """
    found = {header: header_field(header) for header in headers}
    strong = {f[0] for f in found.values() if f is not None and not f[2]}
    mapping: dict[str, str] = {}
    for header, match in found.items():
        if match is not None and (not match[2] or match[0] not in strong):
            mapping.setdefault(header, match[0])
    return mapping


def parse_mapping(
    spec: Mapping[str, str] | Iterable[str] | None, fields: Sequence[str] = MAPPABLE_FIELDS
) -> dict[str, str | None]:
    """A mapping given by a person: {"Column": "field"} or ["Column=field", ...] (CLI --map).

    The field "" or "-" means: do not take this column (it stays in raw). An unknown field is
    an ImportMappingError naming it.
    """
    if spec is None:
        return {}
    pairs: list[tuple[str, str]] = []
    if isinstance(spec, Mapping):
        pairs = [(str(column), str(field)) for column, field in spec.items()]
    else:
        for item in spec:
            column, equals, field = item.rpartition("=")
            if not equals or not column.strip():
                raise ImportMappingError(f"{item!r} is not COLUMN=field")
            pairs.append((column, field))
    parsed: dict[str, str | None] = {}
    for column, field in pairs:
        target = field.strip().lower()
        if target in ("", "-"):
            parsed[column.strip()] = None
        elif target in fields:
            parsed[column.strip()] = target
        else:
            known = ", ".join(fields)
            raise ImportMappingError(
                f"Unknown field {field.strip()!r} for column {column.strip()!r}; known: {known}"
            )
    return parsed


def resolve_mapping(
    headers: Sequence[str], explicit: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The mapping used for a file, from its headers alone: {header: field}."""
    return mapping_of(decide_columns(headers, explicit=explicit))


def mapping_of(decisions: Sequence[ColumnDecision]) -> dict[str, str]:
    return {d.column: d.field for d in decisions if d.field is not None}


def decide_columns(
    headers: Sequence[str],
    samples: Sequence[Sequence[str]] = (),
    *,
    explicit: Mapping[str, str | None] | None = None,
) -> list[ColumnDecision]:
    """What each column becomes, in column order: the guess from the headers, checked against
    the `samples` (the first records, cells in column order), overridden by `explicit` (from
    parse_mapping).

    A column named in `explicit` must be in the file (exactly, or once it is normalised); a
    field given explicitly is no longer filled by guessed columns. A column's values decide
    only when the person importing did not: `explicit` is never second-guessed.
    """
    chosen = explicit_columns(headers, explicit or {})
    given = {field: column for column, field in chosen.items() if field is not None}
    guesses = guess_mapping(headers)
    people_named = any(
        guesses.get(header) in NAME_FIELDS and varied_names(_values(samples, index))
        for index, header in enumerate(headers)
    )
    decisions: dict[str, ColumnDecision] = {}
    for index, header in enumerate(headers):
        if header in chosen:
            decisions[header] = ColumnDecision(header, chosen[header], "map")
            continue
        match = header_field(header)
        field = guesses.get(header)
        if match is None:
            decisions[header] = ColumnDecision(header, None, "unrecognised")
        elif field is None:  # a weak header whose field another column names
            better = next(h for h, f in guesses.items() if f == match[0])
            note = f"may mean {match[0]}, which column {better!r} says more plainly"
            decisions[header] = ColumnDecision(header, None, "unrecognised", note)
        elif field in given:
            note = f"{field} comes from column {given[field]!r} (mapping)"
            decisions[header] = ColumnDecision(header, None, "map", note)
        elif problem := contradiction(field, _values(samples, index), people_named=people_named):
            note = f"not taken as {field}: {problem}"
            decisions[header] = ColumnDecision(header, None, "refused", note)
        else:
            decisions[header] = ColumnDecision(header, field, match[1])
    filled = {d.field for d in decisions.values() if d.field is not None}
    for index, header in enumerate(headers):
        if decisions[header].how != "unrecognised":
            continue
        field = field_from_values(_values(samples, index))
        if field is not None and field not in filled:
            filled.add(field)
            note = f"every one of its first values is {_WHAT[field]}"
            decisions[header] = ColumnDecision(header, field, "guess", note)
    return [decisions[header] for header in headers]


_WHAT = {"email": "an e-mail address", "temperature": "hot, warm or cold"}


def explicit_columns(
    headers: Sequence[str], explicit: Mapping[str, str | None]
) -> dict[str, str | None]:
    by_key: dict[str, list[str]] = {}
    for header in headers:
        by_key.setdefault(normalise_header(header), []).append(header)
    chosen: dict[str, str | None] = {}
    for column, field in explicit.items():
        if column in headers:
            header = column
        else:
            matches = by_key.get(normalise_header(column), [])
            if not matches:
                shown = ", ".join(repr(h) for h in headers[:30])
                raise ImportMappingError(
                    f"Column {column!r} of the mapping is not in the file; its columns: {shown}"
                )
            header = matches[0]
        chosen[header] = field
    return chosen


def _values(samples: Sequence[Sequence[str]], index: int) -> list[str]:
    return [row[index] for row in samples if index < len(row) and not is_blank(row[index])]
