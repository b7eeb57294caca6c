"""Which column fills which lead field: guessed from export headers, overridable. Pure.

Headers are compared without case, accents, spaces or punctuation ("E-mail", "EMAIL",
"e_mail" are one header), with a Salesforce custom-field suffix `__c` and a leading "Contact"
or "Lead" ignored when what remains is known ("Lead Source", "Contact Email").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from bascule.imports.rows import ImportMappingError
from bascule.imports.values import FULL_NAME, MAPPABLE_FIELDS

# Field: headers as the exports write them (Salesforce, Data Loader, HubSpot, Dynamics 365,
# Odoo, Pipedrive, French UIs of each, x_education).
_ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": (
        "First Name", "FirstName", "First", "Given Name", "Forename", "Prénom", "Vorname",
        "Nombre",
    ),
    "last_name": (
        "Last Name", "LastName", "Last", "Surname", "Family Name", "Nom", "Nom de famille",
        "Nachname", "Apellido", "Apellidos",
    ),
    FULL_NAME: (
        "Name", "Full Name", "Contact Name", "Lead Name", "Person Name", "Display Name",
        "Nom complet", "Nom du contact", "Prénom Nom", "Contact",
    ),
    "email": (
        "Email", "E-mail", "Email Address", "E-mail Address", "Mail", "Courriel",
        "Adresse e-mail", "Adresse mail", "Adresse électronique", "Adresse courriel",
        "Email 1", "Email Address 1", "Work Email", "Business Email", "Email professionnel",
        "E-mail professionnel", "Email pro", "Primary Email",
    ),
    "phone": (
        "Phone", "Phone Number", "Telephone", "Telephone Number", "Tel", "Business Phone",
        "Work Phone", "Direct Phone", "Office Phone", "Téléphone", "Numéro de téléphone",
        "Téléphone fixe", "Téléphone professionnel", "Téléphone pro", "Telephone 1",
        "Mobile", "Mobile Phone", "MobilePhone", "Mobile Phone Number", "Mobile Number",
        "Cell", "Cell Phone", "Portable", "Téléphone portable", "Téléphone mobile",
        "Numéro de téléphone mobile", "GSM", "Handy", "Telefon",
    ),
    "company": (
        "Company", "Company Name", "Account", "Account Name", "Organization",
        "Organisation", "Organization Name", "Org", "Société", "Entreprise",
        "Nom de l'entreprise", "Nom de la société", "Raison sociale", "Firma", "Empresa",
        "Employer", "Current Employer",
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
}  # fmt: skip
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


def field_for_header(header: str) -> str | None:
    key = normalise_header(header)
    if key in HEADER_FIELDS:
        return HEADER_FIELDS[key]
    for prefix in _PREFIXES:
        rest = key.removeprefix(prefix)
        if rest != key and rest in HEADER_FIELDS:
            return HEADER_FIELDS[rest]
    return None


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """{header: field} for every header recognised as a Bascule lead field.

    Several headers may fill one field (Phone and MobilePhone): the first non-empty one in
    column order wins on each row. A repeated header is taken once, at its first place.
    """
    mapping: dict[str, str] = {}
    for header in headers:
        field = field_for_header(header)
        if field is not None and header not in mapping:
            mapping[header] = field
    return mapping


def parse_mapping(spec: Mapping[str, str] | Iterable[str] | None) -> dict[str, str | None]:
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
        elif target in MAPPABLE_FIELDS:
            parsed[column.strip()] = target
        else:
            known = ", ".join(MAPPABLE_FIELDS)
            raise ImportMappingError(
                f"Unknown field {field.strip()!r} for column {column.strip()!r}; known: {known}"
            )
    return parsed


def resolve_mapping(
    headers: Sequence[str], explicit: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """The mapping used for a file: the guess, overridden by `explicit` (from parse_mapping).

    A column named in `explicit` must be in the file (exactly, or once it is normalised); a
    field given explicitly is no longer filled by guessed columns.
    """
    mapping = guess_mapping(headers)
    if not explicit:
        return mapping
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
    overridden = {field for field in chosen.values() if field is not None}
    result = {
        header: field
        for header, field in mapping.items()
        if header not in chosen and field not in overridden
    }
    result.update({header: field for header, field in chosen.items() if field is not None})
    return {header: result[header] for header in headers if header in result}
