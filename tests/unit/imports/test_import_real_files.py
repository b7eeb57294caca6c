"""The real public files of ../shared/data: every row or card parsed, counts checked against an
independent count (stdlib csv for CSV records, BEGIN:VCARD lines for vCards)."""

from __future__ import annotations

import csv
import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from bascule.imports import ImportReader, ParsedRow, open_import

DATA = Path(
    os.environ.get("BASCULE_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data")
)
CSV_FILES = sorted(DATA.glob("**/*.csv"))
VCF_FILES = sorted(DATA.glob("vcf/*/*.vcf"))


def read(path: Path, **options: str) -> tuple[ImportReader, list[ParsedRow]]:
    with path.open("rb") as stream:
        reader = open_import(stream, filename=path.name, **options)
        return reader, list(reader)


def csv_records(path: Path) -> int:
    with path.open(newline="", encoding="utf-8-sig") as text:
        records = [r for r in csv.reader(text) if any(cell.strip() for cell in r)]
    return len(records) - 1


def begin_lines(path: Path) -> int:
    data = path.read_bytes()
    text = (
        data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("latin-1")
    )
    return sum(line.strip().upper() == "BEGIN:VCARD" for line in text.splitlines())


def test_the_shared_data_is_there() -> None:
    assert len(CSV_FILES) == 22, f"expected the shared data files in {DATA}"
    assert len(VCF_FILES) == 13


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_csv_file_gives_one_row_per_record(path: Path) -> None:
    reader, rows = read(path)
    assert len(rows) == csv_records(path) == reader.report.rows
    assert reader.report.finished
    assert [row.number for row in rows] == list(range(2, len(rows) + 2))


@pytest.mark.parametrize("path", VCF_FILES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_vcard_file_gives_one_row_per_card(path: Path) -> None:
    reader, rows = read(path)
    assert len(rows) == begin_lines(path) == reader.report.rows
    assert [row.number for row in rows] == list(range(1, len(rows) + 1))
    assert not any(row.rejected for row in rows)


@pytest.mark.parametrize(
    ("name", "cards"),
    [
        ("FolkerKinzel-VCards/LargeFile.vcf", 1000),
        ("FolkerKinzel-VCards/Greek.vcf", 1),
        ("FolkerKinzel-VCards/Outlook v2.vcf", 1),
        ("FolkerKinzel-VCards/v2_1.vcf", 1),
        ("FolkerKinzel-VCards/v3.vcf", 2),
        ("FolkerKinzel-VCards/v3Utf16Bom.vcf", 2),
        ("FolkerKinzel-VCards/v4.vcf", 2),
        ("ez-vcard/John_Doe_ANDROID.vcf", 6),
        ("ez-vcard/John_Doe_LOTUS_NOTES.vcf", 1),
        ("ez-vcard/gmail-list.vcf", 3),
        ("ez-vcard/outlook-2007.vcf", 1),
        ("ez-vcard/rfc2426-example.vcf", 2),
        ("ez-vcard/rfc6350-example.vcf", 1),
    ],
)
def test_vcard_card_counts(name: str, cards: int) -> None:
    assert len(read(DATA / "vcf" / name)[1]) == cards


def test_large_vcard_file_names_every_person() -> None:
    _, rows = read(DATA / "vcf/FolkerKinzel-VCards/LargeFile.vcf")
    assert rows[0].values == {"last_name": "Schmitt", "first_name": "Kasey"}
    assert all(row.values.get("last_name") for row in rows)


def test_vcard_contents_from_each_generation() -> None:
    vcf = DATA / "vcf"
    greek = read(vcf / "FolkerKinzel-VCards/Greek.vcf")[1][0]
    assert greek.values == {"last_name": "Παπαθανασίου", "first_name": "Ευάγγελος"}
    outlook = read(vcf / "FolkerKinzel-VCards/Outlook v2.vcf")[1][0]
    assert outlook.values == {
        "country": "DE",
        "last_name": "Mustermann",
        "first_name": "Max",
        "company": "Musterfirma GmbH",
        "job_title": "Musterposition",
        "email": "max.mustermann@musterfirma.de",
        "phone": "+4961112345611",
    }
    v21 = read(vcf / "FolkerKinzel-VCards/v2_1.vcf")[1][0]
    assert v21.values["company"] == "Firma"
    assert v21.extra["NOTE"].startswith("Kommentar ÄÄÄÄÄÄ ääääää ÖÖÖÖÖÖ")
    assert ("country", "'Land Firma' is not a country we recognise (give a name or ISO code)") in (
        v21.errors
    )
    utf16 = read(vcf / "FolkerKinzel-VCards/v3Utf16Bom.vcf")[1]
    assert utf16[1].values["company"] == "KMS Außenstelle"
    android = read(vcf / "ez-vcard/John_Doe_ANDROID.vcf")[1]
    assert android[4].values["email"] == "bob@company.com"
    assert android[2].values["last_name"] == "Ñ Ñ Ñ Ñ"
    lotus = read(vcf / "ez-vcard/John_Doe_LOTUS_NOTES.vcf")[1][0]
    assert lotus.values["email"] == "john.doe@ibm.com"
    assert lotus.values["company"] == "IBM"
    rfc = read(vcf / "ez-vcard/rfc2426-example.vcf")[1]
    assert [r.values.get("last_name") for r in rfc] == ["Dawson", "Howes"]
    assert rfc[0].values["country"] == "US"


def test_salesforce_sample_leads() -> None:
    _, rows = read(DATA / "salesforce/devorg_sample_earthfink1982/Lead.csv", default_region="US")
    assert len(rows) == 22
    assert rows[0].values == {
        "external_id": "00Qbm00000Orxk5EAB",
        "last_name": "Boxer",
        "first_name": "Bertha",
        "job_title": "Director of Vendor Relations",
        "company": "Farmers Coop. of Florida",
        "phone": "+18506444200",
        "email": "bertha@fcof.net",
        "source": "Web",
        "sector": "Agriculture",
        # its past (SPEC §16): Salesforce's status word, the conversion date and deal
        "status": "converted",
        "converted_at": datetime(2026, 2, 24),
        "opportunity_external_id": "006bm00000LKgOnAAL",
    }
    assert rows[1].values["status"] == "new"  # "Open - Not Contacted"
    # two phones are from abroad without a country code: reported, the rows still good
    assert [(r.number, f) for r in rows for f, _ in r.errors] == [(4, "phone"), (14, "phone")]


def test_salesforce_full_field_export_with_bom() -> None:
    reader, rows = read(DATA / "salesforce/data_cloud_workshop_SFDC-Assets/Lead.csv")
    assert len(rows) == 60
    assert reader.report.columns[0] == "Id"  # the BOM is not part of the first header
    assert len(reader.report.columns) == 55
    assert rows[0].values["email"] == "william.lee@example.com"
    assert rows[0].values["country"] == "US"
    assert not any(row.rejected for row in rows)


def test_salesforce_data_loader_export() -> None:
    _, rows = read(DATA / "salesforce/dataloader_export_Kowshik527/Lead.csv")
    assert [row.values for row in rows] == [
        {
            "external_id": "00QdN00000F4b5CUAR",
            "first_name": "Rishab",
            "last_name": "R",
            "company": "X Foods",
            "status": "new",
            "created_at": datetime(2026, 6, 9, 18, 17, 31),
            "do_not_contact": False,
        }
    ]
    assert rows[0].errors == []


def test_hubspot_header_only_export() -> None:
    reader, rows = read(DATA / "hubspot/hubspot_contacts_export_HEADER_ONLY_Shaftdog-Salesmod.csv")
    assert rows == []
    assert len(reader.report.columns) == 27
    assert reader.report.notes[-1] == "The file has a header but no data rows."
    repeated = [note for note in reader.report.notes if "appears 2 times" in note]
    assert len(repeated) == 4


def test_x_education_leads() -> None:
    reader, rows = read(DATA / "x_education/Leads.csv")
    assert len(rows) == 9240
    assert reader.report.mapping == {
        "Prospect ID": "external_id",
        "Lead Number": "external_id",
        "Lead Source": "source",
        "Do Not Call": "do_not_contact",
        "Country": "country",
        "Tags": "tags",
    }
    # no name, e-mail or company anywhere: the prospect id is what identifies each row
    assert reader.report.rejected_rows == 0
    fields = Counter(field for row in rows for field, _ in row.errors)
    assert fields == {"country": 2}  # "Asia/Pacific Region" twice
    assert Counter(row.values.get("country") for row in rows).most_common(2) == [
        ("IN", 6492),
        (None, 2468),  # 2,461 empty, 5 "unknown", 2 refused
    ]
    assert rows[0].values == {
        "external_id": "7927b2df-8bba-4d29-b9a2-b6e0beafe620",
        "source": "Olark Chat",
        "tags": ["Interested in other courses"],
        "do_not_contact": False,
    }
    # the second column of external_id is kept with the unmapped ones
    assert rows[0].extra["Lead Number"] == "660737"
    assert "Prospect ID" not in rows[0].extra
    assert len({row.values["external_id"] for row in rows}) == 9240
