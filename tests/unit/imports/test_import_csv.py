"""CSV imports: dialects, encodings, row numbers and bad input, on files made in the test."""

from __future__ import annotations

import io

import pytest

from bascule.imports import (
    ImportFileError,
    ImportMappingError,
    ImportReader,
    ParsedRow,
    iter_rows,
    open_import,
)
from bascule.imports.csvfile import FIELD_LIMIT, MAX_COLUMNS, sniff_delimiter


def read(data: bytes, **options: object) -> tuple[ImportReader, list[ParsedRow]]:
    reader = open_import(io.BytesIO(data), **options)  # type: ignore[arg-type]
    return reader, list(reader)


def test_comma_file_gives_rows_numbered_like_a_spreadsheet() -> None:
    # given a header and two data rows
    data = (
        b"First Name,Last Name,Email\nAda,Lovelace,ada@example.com\nAlan,Turing,alan@example.com\n"
    )
    # when it is read
    reader, rows = read(data)
    # then the first data row is row 2, the header being row 1
    assert [row.number for row in rows] == [2, 3]
    assert rows[0].values == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
    }
    assert rows[0].errors == []
    assert rows[1].raw == {"First Name": "Alan", "Last Name": "Turing", "Email": "alan@example.com"}
    assert reader.report.rows == 2
    assert reader.report.delimiter == ","
    assert reader.report.finished


def test_semicolon_french_export_in_windows_1252() -> None:
    # given what French Excel saves as "CSV": Windows-1252, semicolons, decimal commas
    text = (
        "Prénom;Nom;Société;Fonction;Téléphone;Effectif;Pays;CA\r\n"
        "Élodie;Lefèvre;Crédit Agricole;Directrice financière;01 42 68 53 00;1 000;France;1,5\r\n"
    )
    data = text.encode("cp1252")
    # when it is read
    reader, rows = read(data)
    # then the separator, the encoding and every accent are right
    assert reader.report.delimiter == ";"
    assert reader.report.encoding == "cp1252"
    assert any("cp1252" in note for note in reader.report.notes)
    assert rows[0].values == {
        "first_name": "Élodie",
        "last_name": "Lefèvre",
        "company": "Crédit Agricole",
        "job_title": "Directrice financière",
        "phone": "+33142685300",
        "employees": 1000,
        "country": "FR",
    }
    assert rows[0].extra == {"CA": "1,5"}


def test_windows_1252_e_acute_after_the_sample_is_read_not_lost() -> None:
    # given a UTF-8-looking start (pure ASCII for over 64 KB) and a Windows-1252 é later
    filler = b"".join(b"Jean%d,Martin,ACME\n" % i for i in range(5000))
    data = b"Prenom,Nom,Societe\n" + filler + "Hélène,Dupré,Sté\n".encode("cp1252")
    # when it is read
    reader, rows = read(data)
    # then that line is read as Windows-1252 and the report says so
    assert rows[-1].values == {"first_name": "Hélène", "last_name": "Dupré", "company": "Sté"}
    assert rows[-1].number == 5002
    assert any("read as Windows-1252 (the first in row 5002)" in n for n in reader.report.notes)


def test_utf8_with_bom_and_utf16_with_bom() -> None:
    text = "Prénom,Nom\r\nZoé,Ærø\r\n"
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        reader, rows = read(data)
        assert reader.report.columns == ["Prénom", "Nom"]
        assert rows[0].values == {"first_name": "Zoé", "last_name": "Ærø"}


def test_tab_separated_file() -> None:
    _, rows = read(b"Email\tCompany\nbob@acme.io\tAcme\n")
    assert rows[0].values == {"email": "bob@acme.io", "company": "Acme"}


def test_quoted_newline_stays_in_its_value_and_row_numbers_follow_records() -> None:
    # given a note over three lines, then another row
    data = b'Email,Notes\nann@acme.io,"line one\nline two\nline three"\nbob@acme.io,short\n'
    # when it is read
    _, rows = read(data)
    # then the note is one value and the next record is row 3
    assert rows[0].raw["Notes"] == "line one\nline two\nline three"
    assert rows[0].extra == {"Notes": "line one\nline two\nline three"}
    assert [row.number for row in rows] == [2, 3]


def test_blank_lines_are_skipped_but_keep_their_row_number() -> None:
    reader, rows = read(b"Email\n\nann@acme.io\n,\n\nbob@acme.io\n")
    assert [row.number for row in rows] == [3, 6]
    assert reader.report.blank_rows == 3


def test_header_only_file_is_zero_rows_and_a_clear_note() -> None:
    reader, rows = read(b"First Name,Last Name,Email\r\n")
    assert rows == []
    assert reader.report.rows == 0
    assert reader.report.notes == ["The file has a header but no data rows."]


def test_duplicate_headers_keep_the_first_and_report_the_others() -> None:
    # given HubSpot's habit of repeating a label (contact's phone, then the company's)
    data = (
        b"Email,Phone Number,Company name,Phone Number\n"
        b"ann@acme.io,01 02 03 04 05,Acme,09 99 99 99 99\n"
    )
    # when it is read
    reader, rows = read(data)
    # then the first column fills the field, the second is kept under another name
    assert reader.report.columns == ["Email", "Phone Number", "Company name", "Phone Number (2)"]
    assert reader.report.mapping == {
        "Email": "email",
        "Phone Number": "phone",
        "Company name": "company",
    }
    assert rows[0].values["phone"] == "+33102030405"
    assert rows[0].extra == {"Phone Number (2)": "09 99 99 99 99"}
    assert reader.report.notes[0].startswith("Column 'Phone Number' appears 2 times (columns 2, 4)")


def test_ten_thousand_columns_are_refused_before_any_row() -> None:
    header = ",".join(f"c{i}" for i in range(10_000)).encode()
    with pytest.raises(ImportFileError) as caught:
        open_import(io.BytesIO(header + b"\n" + b"x," * 9_999 + b"x\n"))
    assert caught.value.fields == {"file": caught.value.message}
    assert f"10000 columns; at most {MAX_COLUMNS}" in caught.value.message


def test_row_wider_than_the_header_is_rejected_with_a_reason() -> None:
    _, rows = read(b"Email,Company\nann@acme.io,Acme,SA,extra\nbob@acme.io,Bobco,,\n")
    assert rows[0].rejected
    assert rows[0].errors == [
        ("row", "has 4 values but the header has 2 columns (a separator inside a value "
         "that is not quoted?)")
    ]  # fmt: skip
    assert not rows[1].rejected  # empty trailing values are harmless


def test_truncated_last_line_is_reported_and_the_other_rows_kept() -> None:
    # given a file cut in the middle of its last row
    data = b"First Name,Last Name,Email,Company\nAda,Lovelace,ada@example.com,Analytical\nAlan,Tur"
    # when it is read
    _, rows = read(data)
    # then the good row is kept and the cut one is rejected with a reason
    assert not rows[0].rejected
    assert rows[1].number == 3
    assert rows[1].errors == [
        ("row", "the file ends in this row after 2 of 4 columns (truncated file?)")
    ]


def test_truncated_inside_quotes_is_reported() -> None:
    _, rows = read(b'Email,Notes\nann@acme.io,ok\nbob@acme.io,"a note cut in the mid')
    assert [row.rejected for row in rows] == [False, True]
    assert rows[1].errors == [("row", "the file ends inside a quoted value (truncated file?)")]


def test_last_line_without_line_break_is_fine_when_complete() -> None:
    _, rows = read(b"Email,Company\nann@acme.io,Acme")
    assert rows[0].errors == []


def test_huge_value_is_a_row_error_and_reading_goes_on() -> None:
    # given a quoted value over the field limit, spread over many lines, between good rows
    huge = b"x" * 1000 + b"\n"
    big_value = b'"' + huge * (FIELD_LIMIT // 1000 + 10) + b'"'
    data = b"Email,Notes\nann@acme.io,ok\nbob@acme.io," + big_value + b"\ncid@acme.io,fine\n"
    # when it is read
    _, rows = read(data)
    # then the big row is reported, and the rows around it are read
    assert [row.values.get("email") for row in rows] == ["ann@acme.io", None, "cid@acme.io"]
    assert rows[1].errors == [
        ("row", "could not be read: a value longer than 1 MB (its 11 next lines, up to the "
         "closing quote, skipped)")
    ]  # fmt: skip
    assert [row.number for row in rows] == [2, 3, 4]


def test_quote_never_closed_is_reported_with_what_it_cost() -> None:
    # given a stray opening quote, then far more than a row may hold
    data = b'Email,Notes\nann@acme.io,"never closed\n' + b"bob@acme.io,fine\n" * 300_000
    # when it is read
    _, rows = read(data)
    # then one row tells what happened and how many lines it took
    assert len(rows) == 1
    assert rows[0].errors == [
        ("row", "could not be read: a value longer than 1 MB; a quote opened in this row is "
         "never closed, so the 238319 lines after it, to the end of the file, could not be read")
    ]  # fmt: skip


def test_overlong_line_is_skipped_with_a_row_error() -> None:
    data = b"Email,Notes\n" + b"a" * (2 * 1024 * 1024) + b"\nbob@acme.io,fine\n"
    _, rows = read(data)
    assert rows[0].errors == [("row", "could not be read: a line longer than 1 MB")]
    assert rows[1].values == {"email": "bob@acme.io"}


def test_nul_byte_after_the_sample_is_an_error_on_its_value() -> None:
    data = b"Email\n" + b"ann@acme.io\n" * 7000 + b"bad\x00row\n" + b"bob@acme.io\n"
    _, rows = read(data)
    assert len(rows) == 7002
    assert rows[-2].errors[0] == (
        "email",
        "'bad\\x00row' has bytes that are not text: not taken as email, kept as read in the "
        "lead's attributes",
    )
    assert rows[-2].rejected
    assert rows[-2].extra == {"Email": "bad\x00row"}
    assert rows[-1].values == {"email": "bob@acme.io"}


def test_bad_values_are_left_out_and_explained() -> None:
    header = b"Email,Phone,Company,Country,Employees,Temperature\n"
    data = header + b"not-an-email,12,Acme,Atlantis,lots,tepid\n"
    _, rows = read(data)
    row = rows[0]
    assert row.values == {"company": "Acme"}
    assert [field for field, _ in row.errors] == [
        "country", "email", "phone", "employees", "temperature"
    ]  # fmt: skip
    assert not row.rejected  # the company still says who this is


def test_row_without_name_email_phone_or_company_is_rejected() -> None:
    _, rows = read(b"Phone,Country,Job Title\n+33 1 42 68 53 00,FR,\n,FR,CEO\n")
    # a phone says who someone is (SPEC §16)
    assert rows[0].values == {"phone": "+33142685300", "country": "FR"}
    assert not rows[0].rejected
    assert rows[1].rejected


def test_placeholders_count_as_empty_and_the_next_column_is_used() -> None:
    # given x_education's "Select" and a Data Loader null id in the first phone column
    data = b"Email,Phone,MobilePhone,Country\nann@acme.io,Select,06 12 34 56 78,unknown\n"
    _, rows = read(data)
    assert rows[0].values == {"email": "ann@acme.io", "phone": "+33612345678"}
    assert rows[0].errors == []


def test_phone_is_read_in_the_row_country() -> None:
    _, rows = read(b"Email,Phone,Country\nann@acme.io,(850) 644-4200,United States\n")
    assert rows[0].values["phone"] == "+18506444200"


def test_excel_sep_line_names_the_separator_and_takes_no_row_number() -> None:
    reader, rows = read(b"sep=;\r\nEmail;Company\r\nann@acme.io;Acme, Inc.\r\n")
    assert reader.report.delimiter == ";"
    assert reader.report.columns == ["Email", "Company"]
    assert rows[0].number == 2
    assert rows[0].values == {"email": "ann@acme.io", "company": "Acme, Inc."}


def test_explicit_mapping_is_applied_and_reported() -> None:
    data = b"Mail,Mobile,Notes\nann@acme.io,06 12 34 56 78,met at the fair\n"
    reader, rows = read(data, mapping=["Mail=email", "Mobile=phone", "Notes=tags"])
    assert reader.report.mapping == {"Mail": "email", "Mobile": "phone", "Notes": "tags"}
    assert rows[0].values == {
        "email": "ann@acme.io",
        "phone": "+33612345678",
        "tags": ["met at the fair"],
    }
    assert rows[0].extra == {}


def test_unknown_field_in_the_mapping_is_refused_before_reading() -> None:
    with pytest.raises(ImportMappingError, match="Unknown field 'telephone'"):
        open_import(io.BytesIO(b"Mobile\n0612345678\n"), mapping={"Mobile": "telephone"})


def test_iter_rows_raises_file_errors_at_once() -> None:
    with pytest.raises(ImportFileError, match="empty"):
        iter_rows(io.BytesIO(b"\xef\xbb\xbf\r\n  \r\n"))


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1,5;2,5;3\n", ";"),
        ("a\tb\n1\t2\n", "\t"),
        ("a|b\n1|2\n", "|"),
        ('"x;y",b\n"1;2",3\n', ","),
        ("single\nvalue\n", ","),
    ],
)
def test_sniff_delimiter(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected
