"""vCard 2.1, 3.0 and 4.0, on cards written in the test (real files: test_import_real_files)."""

from __future__ import annotations

import io

import pytest

from bascule.imports import ImportMappingError, ImportReader, ParsedRow, open_import
from bascule.imports.vcard import components, unescape


def read(text: str | bytes) -> tuple[ImportReader, list[ParsedRow]]:
    data = text.encode() if isinstance(text, str) else text
    reader = open_import(io.BytesIO(data), filename="cards.vcf")
    return reader, list(reader)


def card(*lines: str, version: str = "3.0") -> str:
    return "\r\n".join(["BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD"]) + "\r\n"


def test_several_cards_are_rows_numbered_by_position() -> None:
    reader, rows = read(
        card("N:Lovelace;Ada;;;", "EMAIL:ada@example.com")
        + card("FN:Alan Turing", "EMAIL:alan@example.com")
    )
    assert reader.report.format == "vcard"
    assert [row.number for row in rows] == [1, 2]
    assert rows[0].values == {
        "last_name": "Lovelace",
        "first_name": "Ada",
        "email": "ada@example.com",
    }
    # FN is split when N is missing
    assert rows[1].values == {
        "email": "alan@example.com",
        "first_name": "Alan",
        "last_name": "Turing",
    }


def test_business_card_fields() -> None:
    _, rows = read(
        card(
            "N:Dupont;Marie;;Mme;",
            "FN:Mme Marie Dupont",
            "ORG:Acme SA;Direction des systèmes d'information",
            "TITLE:DSI",
            "EMAIL;TYPE=HOME:marie@gmail.com",
            "EMAIL;TYPE=WORK:marie.dupont@acme.fr",
            "TEL;TYPE=HOME:01 40 00 00 01",
            "TEL;TYPE=WORK,FAX:01 40 00 00 02",
            "TEL;TYPE=CELL:06 12 34 56 78",
            "TEL;TYPE=WORK,VOICE:01 40 00 00 03",
            "ADR;TYPE=HOME:;;1 rue de la Paix;Paris;;75002;France",
            "ADR;TYPE=WORK:;;2 Marktplatz;Berlin;;10178;Deutschland",
            "NOTE:Rencontrée au salon\\, stand B12\\nRappeler en mars",
        )
    )
    row = rows[0]
    assert row.values == {
        "country": "DE",
        "last_name": "Dupont",
        "first_name": "Marie",
        "company": "Acme SA",
        "job_title": "DSI",
        "email": "marie.dupont@acme.fr",
        "phone": "+49140000003",
    }
    assert row.errors == []
    assert row.extra["NOTE"] == "Rencontrée au salon, stand B12\nRappeler en mars"
    assert row.extra["EMAIL;home"] == "marie@gmail.com"
    assert row.raw["ADR;work"] == ";;2 Marktplatz;Berlin;;10178;Deutschland"


def test_vcard_21_quoted_printable_with_soft_line_breaks_and_charset() -> None:
    # given an Android-style card: UTF-8 in quoted-printable, cut by soft line breaks
    text = card(
        "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=",
        "=BCrgen;;;",
        "ORG;CHARSET=ISO-8859-1;QUOTED-PRINTABLE:B=E4ckerei",
        "TEL;WORK;VOICE:+49 30 1234567",
        "EMAIL;PREF;INTERNET:juergen@example.de",
        version="2.1",
    )
    _, rows = read(text)
    assert rows[0].values == {
        "last_name": "Müller",
        "first_name": "Jürgen",
        "company": "Bäckerei",
        "email": "juergen@example.de",
        "phone": "+49301234567",
    }


def test_folded_lines_and_apple_groups() -> None:
    text = card(
        "FN:Folker Kinzel",
        "N:Kinzel;Folker;;;",
        "item1.EMAIL;TYPE=INTERNET:folker@exam",
        " ple.com",
        "item1.X-ABLabel:_$!<Work>!$_",
        "item2.TEL:+49 345 123456",
        "item2.X-ABLabel:homeFax",
        "TEL;TYPE=CELL:+49 170 1234567",
    )
    _, rows = read(text)
    assert rows[0].values["email"] == "folker@example.com"
    # the phone labelled as a fax is not taken as the phone
    assert rows[0].values["phone"] == "+491701234567"
    assert rows[0].extra == {"TEL;fax (homeFax)": "+49 345 123456"}


def test_utf16_file_with_bom() -> None:
    _, rows = read(card("N:Øster;Åse;;;", "EMAIL:ase@example.no").encode("utf-16"))
    assert rows[0].values == {"last_name": "Øster", "first_name": "Åse", "email": "ase@example.no"}


def test_greek_card_decoded_in_the_charset_it_names() -> None:
    data = (
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:" + "Παπαδόπουλος;Νίκος".encode("cp1253") + b"\r\n"
        b"LABEL;CHARSET=Windows-1253;QUOTED-PRINTABLE:=C1=E8=DE=ED=E1\r\nEND:VCARD\r\n"
    )
    reader, rows = read(data)
    assert rows[0].values == {"last_name": "Παπαδόπουλος", "first_name": "Νίκος"}
    assert rows[0].extra == {"LABEL": "Αθήνα"}
    assert reader.report.notes == ["Cards not in UTF-8, read in the charset they name: 1 (cp1253)."]


def test_card_without_a_name_is_a_row_error_and_the_others_are_kept() -> None:
    _, rows = read(card("N:Lovelace;Ada;;;") + card("NOTE:who?") + card("FN:Bob"))
    assert [row.rejected for row in rows] == [False, True, False]
    assert rows[1].errors == [("row", "vCard without a name, e-mail or company")]
    assert rows[1].values == {}
    assert rows[2].values == {"last_name": "Bob"}


def test_broken_cards_are_reported_with_their_number() -> None:
    text = (
        card("N:One;;;;")
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Two;;;;\r\n"  # no END:VCARD
        + card("N:Three;;;;")
        + "garbage between cards\r\n"
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Four;;;;\r\nEMAIL:four@exa"  # cut file
    )
    reader, rows = read(text)
    assert [row.number for row in rows] == [1, 2, 3, 4]
    assert [row.rejected for row in rows] == [False, True, False, True]
    assert rows[1].errors == [("row", "vCard has no END:VCARD before the next BEGIN:VCARD")]
    assert rows[3].errors[-1] == (
        "row",
        "vCard is cut: the file ends before its END:VCARD (truncated file?)",
    )
    assert "1 lines outside any vCard were ignored." in reader.report.notes


def test_lines_that_are_not_properties_are_kept_in_raw() -> None:
    _, rows = read(card("N:Doe;John;;;", "this is not a property"))
    assert rows[0].raw["(unparsed)"] == "this is not a property"
    assert rows[0].errors == []


def test_photos_are_skipped() -> None:
    _, rows = read(
        card("N:Doe;John;;;", "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQ", " AAAQABAAD")
    )
    assert "PHOTO" not in " ".join(rows[0].raw)


def test_agent_card_inside_a_card_does_not_replace_its_owner() -> None:
    text = card(
        "N:Boss;Big;;;",
        "AGENT:",
        "BEGIN:VCARD",
        "N:Assistant;Little;;;",
        "END:VCARD",
        version="2.1",
    )
    _, rows = read(text)
    assert len(rows) == 1
    assert rows[0].values == {"last_name": "Boss", "first_name": "Big"}


def test_vcard_4_tel_uri_and_pref() -> None:
    _, rows = read(
        card(
            "FN:Simon Perreault",
            'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+1-418-656-9254;ext=102',
            'TEL;VALUE=uri;TYPE="work,cell,voice,video,text":tel:+1-418-262-6501',
            version="4.0",
        )
    )
    assert rows[0].values["phone"] == "+14186569254"


def test_a_card_over_the_size_limit_is_reported_and_the_next_one_read() -> None:
    note = "\r\n".join(" " + "x" * 74 for _ in range(60_000))  # 4.5 MB, folded
    reader, rows = read(card("N:Big;Note;;;", "NOTE:" + note) + card("N:Small;Card;;;"))
    assert rows[0].errors[-1] == ("row", "vCard is larger than 4 MB")
    assert rows[1].values == {"last_name": "Small", "first_name": "Card"}
    assert reader.report.rejected_rows == 1


def test_a_column_mapping_is_refused_for_a_vcard() -> None:
    with pytest.raises(ImportMappingError, match="CSV files, not to vCards"):
        open_import(io.BytesIO(card("FN:Ada").encode()), mapping=["FN=last_name"])


def test_escapes_and_components() -> None:
    assert unescape(r"a\, b\; c\nd\\e") == "a, b; c\nd\\e"
    assert components(r"Doe\;Smith;John;;") == ["Doe;Smith", "John", "", ""]
