"""Telling CSV from vCard, and refusing what is not a text file at all."""

from __future__ import annotations

import io
import random

import pytest

from bascule.errors import ValidationFailed
from bascule.imports import ImportFileError, detect, open_import
from bascule.imports.text import byte_lines, sniff_text


def test_vcard_is_recognised_by_its_content_whatever_the_name() -> None:
    assert detect(b"BEGIN:VCARD\r\nVERSION:3.0\r\n", "contacts.csv") == "vcard"
    assert detect(b"\r\n  begin:vCard\nVERSION:2.1\n", None) == "vcard"
    assert detect("BEGIN:VCARD\r\n".encode("utf-16"), "x.vcf") == "vcard"


def test_anything_else_that_is_text_is_csv() -> None:
    assert detect(b"Email,Company\n", "leads.txt") == "csv"
    assert detect("Prénom;Nom\r\n".encode("cp1252"), None) == "csv"


def test_a_vcf_name_on_something_else_is_refused() -> None:
    with pytest.raises(ImportFileError, match="named like a vCard"):
        detect(b"Email,Company\n", "salon.vcf")


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n   \n", b"\xff\xfe"])
def test_empty_files_are_refused(data: bytes) -> None:
    with pytest.raises(ImportFileError, match="The file is empty"):
        open_import(io.BytesIO(data))


def test_binary_garbage_is_refused_with_a_reason() -> None:
    noise = random.Random(7).randbytes(4096)
    with pytest.raises(ImportFileError, match="not a text file") as caught:
        open_import(io.BytesIO(noise), filename="leads.csv")
    # a ValidationFailed: the API answers 422 with fields={"file": reason}
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.fields == {"file": caught.value.message}


def test_random_bytes_without_nul_are_refused_too() -> None:
    noise = bytes(b for b in random.Random(3).randbytes(8192) if b)
    with pytest.raises(ImportFileError, match="control characters"):
        detect(noise)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel .xls"),
        (b"%PDF-1.7\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
    ],
)
def test_known_binary_formats_are_named(data: bytes, what: str) -> None:
    with pytest.raises(ImportFileError, match=what):
        detect(data + b"\x00" * 100, "leads.csv")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Prénom\n".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "Prénom\n".encode(), "utf-8"),
        ("Prénom\n".encode("cp1252"), "cp1252"),
        ("Prénom\n".encode("utf-16"), "utf-16-le"),
        ("Prénom\n".encode("utf-16-be"), "utf-16-be"),
        (b"\xfe\xff" + "Prénom\n".encode("utf-16-be"), "utf-16-be"),
        ("Prénom,Nom\n".encode("utf-16-le"), "utf-16-le"),
        ("Prénom\n".encode("utf-32"), "utf-32-le"),
    ],
)
def test_encoding_is_decided_from_the_sample(data: bytes, encoding: str) -> None:
    fmt = sniff_text(data, complete=True)
    assert fmt.encoding == encoding
    assert fmt.sample == "Prénom\n" or fmt.sample == "Prénom,Nom\n"


def test_a_character_cut_at_the_end_of_the_sample_is_not_a_reason_to_leave_utf8() -> None:
    assert sniff_text("Zoé".encode()[:-1], complete=False).encoding == "utf-8"
    assert sniff_text("Zoé".encode()[:-1], complete=True).encoding == "cp1252"


def test_lines_keep_their_ends_and_any_line_break_counts() -> None:
    data = b"a\r\nb\nc\rd"
    fmt = sniff_text(data, complete=True)
    assert list(byte_lines(data, io.BytesIO(b""), fmt)) == [b"a\r\n", b"b\n", b"c\r", b"d"]


def test_crlf_split_across_chunks_is_one_line_break() -> None:
    sample = b"a,b\r"
    fmt = sniff_text(sample, complete=False)
    lines = list(byte_lines(sample, io.BytesIO(b"\nc,d\r\n"), fmt))
    assert lines == [b"a,b\r\n", b"c,d\r\n"]


def test_utf16_lines_arrive_as_utf8() -> None:
    data = "Zoé,Ærø\r\nÉric,Ødegaard\r\n".encode("utf-16")
    fmt = sniff_text(data[:11], complete=False)
    lines = list(byte_lines(data[:11], io.BytesIO(data[11:]), fmt))
    assert lines == ["Zoé,Ærø\r\n".encode(), "Éric,Ødegaard\r\n".encode()]
