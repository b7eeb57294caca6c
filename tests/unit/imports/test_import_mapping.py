"""Which column fills which lead field: guessed from real export headers, or given."""

from __future__ import annotations

import pytest

from bascule.imports import ImportMappingError, guess_mapping, parse_mapping, resolve_mapping
from bascule.imports.mapping import normalise_header

SALESFORCE_LEAD = (
    "Id,IsDeleted,LastName,FirstName,Salutation,Name,Title,Company,Phone,MobilePhone,Email,"
    "Website,LeadSource,Status,Industry,AnnualRevenue,NumberOfEmployees,OwnerId,Country,"
    "CountryCode,Rating"
).split(",")
HUBSPOT = (
    "Record ID - Contact,First Name,Last Name,Client Grade,Email,Phone Number,Contact owner,"
    "Last Activity Date,Create Date,Company Name,Contact type,Country/Region,Job Title,"
    "Mobile Phone Number,State/Region,Street Address,Website URL,Last Engagement Date,"
    "Postal Code,Record ID - Company,Company name,Create Date (2),Phone Number (2),"
    "Last Activity Date (2),City,Country/Region (2),Industry"
).split(",")


def test_salesforce_lead_export() -> None:
    assert guess_mapping(SALESFORCE_LEAD) == {
        "Id": "external_id",
        "LastName": "last_name",
        "FirstName": "first_name",
        "Name": "full_name",
        "Title": "job_title",
        "Company": "company",
        "Phone": "phone",
        "MobilePhone": "phone",
        "Email": "email",
        "LeadSource": "source",
        "Industry": "sector",
        "NumberOfEmployees": "employees",
        "Country": "country",
        "CountryCode": "country",
        "Rating": "temperature",
        "Status": "status",
    }


def test_hubspot_contact_export_with_its_repeated_labels_renamed() -> None:
    assert guess_mapping(HUBSPOT) == {
        "Record ID - Contact": "external_id",
        "Contact owner": "owner",
        "Create Date": "created_at",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone Number": "phone",
        "Company Name": "company",
        "Country/Region": "country",
        "Job Title": "job_title",
        "Mobile Phone Number": "phone",
        "Company name": "company",
        "Industry": "sector",
    }


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Prénom", "first_name"),
        ("NOM", "last_name"),
        ("Société", "company"),
        ("Entreprise", "company"),
        ("Nom de l'entreprise", "company"),
        ("Fonction", "job_title"),
        ("Poste", "job_title"),
        ("Téléphone", "phone"),
        ("Portable", "phone"),
        ("E-mail", "email"),
        ("Courriel", "email"),
        ("Adresse e-mail", "email"),
        ("Effectif", "employees"),
        ("Nombre d'employés", "employees"),
        ("Secteur d'activité", "sector"),
        ("Pays", "country"),
        ("Campagne", "campaign"),
        ("Étiquettes", "tags"),
        ("Température", "temperature"),
        ("first_name", "first_name"),
        ("  EMAIL  ", "email"),
        ("Industry__c", "sector"),
        ("Contact Email", "email"),
        ("Lead Source", "source"),
        ("Country", "country"),
        ("Tags", "tags"),
    ],
)
def test_headers_are_matched_without_case_accents_spaces_or_underscores(
    header: str, field: str
) -> None:
    assert guess_mapping([header]) == {header: field}


def test_x_education_leads_header() -> None:
    header = (
        "Prospect ID,Lead Number,Lead Origin,Lead Source,Do Not Email,Do Not Call,Converted,"
        "TotalVisits,Total Time Spent on Website,Page Views Per Visit,Last Activity,Country,"
        "Specialization,How did you hear about X Education,What is your current occupation,"
        "Tags,Lead Quality,Lead Profile,City,Last Notable Activity"
    ).split(",")
    assert guess_mapping(header) == {
        "Prospect ID": "external_id",
        "Lead Number": "external_id",
        "Lead Source": "source",
        "Do Not Call": "do_not_contact",
        "Country": "country",
        "Tags": "tags",
    }


def test_unknown_headers_are_not_mapped() -> None:
    assert guess_mapping(["Record ID - Company", "Website URL", "Converted"]) == {}


def test_normalise_header() -> None:
    assert normalise_header(" Pays/Région ") == "paysregion"
    assert normalise_header("Number_Of__Employees__c") == "numberofemployees"


def test_explicit_mapping_from_cli_strings_and_from_json() -> None:
    assert parse_mapping(["Mobile=phone", "Notes=", "Col=with=equals=Email"]) == {
        "Mobile": "phone",
        "Notes": None,
        "Col=with=equals": "email",
    }
    assert parse_mapping({"Société": "COMPANY", "Status": "-"}) == {
        "Société": "company",
        "Status": None,
    }
    assert parse_mapping(None) == {}


def test_unknown_target_field_is_a_clear_error_naming_it() -> None:
    with pytest.raises(ImportMappingError) as caught:
        parse_mapping(["Mail=emial"])
    assert caught.value.message.startswith("Unknown field 'emial' for column 'Mail'; known: ")
    assert caught.value.fields == {"mapping": caught.value.message}


def test_mapping_item_without_equals_is_refused() -> None:
    with pytest.raises(ImportMappingError, match="is not COLUMN=field"):
        parse_mapping(["Mobile phone"])


def test_explicit_mapping_overrides_the_guess() -> None:
    headers = ["Email", "Email perso", "Notes", "Phone"]
    explicit = parse_mapping(["email perso=email", "Phone=-", "Notes=technology"])
    # the column is found once normalised; the guessed "Email" no longer fills email
    assert resolve_mapping(headers, explicit) == {"Email perso": "email", "Notes": "technology"}


def test_explicit_mapping_naming_a_missing_column_is_refused() -> None:
    with pytest.raises(ImportMappingError, match="Column 'Mobile' of the mapping is not in"):
        resolve_mapping(["Email"], parse_mapping(["Mobile=phone"]))
