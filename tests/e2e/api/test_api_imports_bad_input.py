"""Bad files and bad uploads: a clear report, the good rows kept, nothing stored changed, no 500.

A file that cannot be read at all is refused (422) before anything is written; a file with
some bad rows is imported with those rows reported; an upload over the size cap is refused
(413) without being read to its end.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from bascule.app import create_app
from bascule.config import Settings
from bascule.imports.csvfile import MAX_COLUMNS
from bascule.storage import tables as t


def upload(api: Any, content: bytes, filename: str = "salon.csv", **fields: str) -> Any:
    return api.post("/imports", files={"file": (filename, content)}, data=fields, as_="marketing")


@pytest.fixture
def existing(api) -> dict[str, Any]:
    """A lead already stored, which no bad import may change."""
    return api.create_lead(email="lea.dubois@transports-lemoine.fr", job_title=None)


UNREADABLE = {
    "binary garbage": (random.Random(7).randbytes(8192), "leads.csv", "not a text file"),
    "an Excel workbook": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(500), "leads.xlsx", "Excel"),
    "a PDF": (b"%PDF-1.7\n" + bytes(100), "leads.csv", "PDF"),
    "an empty file": (b"", "leads.csv", "empty"),
    "blank lines only": (b"\r\n\r\n   \r\n", "leads.csv", "empty"),
    "10,000 columns": (
        (",".join(f"c{i}" for i in range(10_000)) + "\n" + "x," * 9_999 + "x\n").encode(),
        "wide.csv",
        f"at most {MAX_COLUMNS}",
    ),
    "a .vcf that is a CSV": (b"Email,Company\nann@acme.io,Acme\n", "cartes.vcf", "vCard"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_a_file_that_cannot_be_read_is_refused_and_nothing_is_written(
    api, existing, snapshot, name
):
    content, filename, words = UNREADABLE[name]
    before = snapshot()
    error = api.error(upload(api, content, filename), 422, "import_file_invalid")
    assert words in error["message"]
    assert error["fields"] == {"file": error["message"]}
    assert snapshot() == before
    assert api.ok(api.get(f"/leads/{existing['id']}")) == existing


def test_a_truncated_file_keeps_its_good_rows(api, existing, rows):
    content = (
        b"Pr\xc3\xa9nom,Nom,Email,Soci\xc3\xa9t\xc3\xa9\n"
        b"Ada,Lovelace,ada@analytical.org,Analytical\n"
        b"Alan,Turing,alan@bletchley.uk,Bletchley\n"
        b'Grace,Hopper,"grace@navy'
    )
    result = api.ok(upload(api, content), 201)
    assert (result["rows_created"], result["rows_rejected"]) == (2, 1)
    assert [(e["row"], e["field"], e["row_rejected"]) for e in result["errors"]] == [
        (4, "email", True),
        (4, "row", True),
    ]
    assert result["errors"][1]["reason"] == "the file ends inside a quoted value (truncated file?)"
    assert rows(t.Lead) == 3
    assert api.ok(api.get(f"/leads/{existing['id']}")) == existing


@pytest.mark.parametrize(
    ("encoding", "prefix", "shown"),
    [("cp1252", b"", "cp1252"), ("utf-16", b"", "utf-16-le"), ("utf-8", b"\xef\xbb\xbf", "utf-8")],
)
def test_other_encodings_are_read(api, encoding, prefix, shown):
    text = "Prénom;Nom;Société;Fonction\r\nÉlodie;Lefèvre;Crédit Agricole;Directrice financière\r\n"
    result = api.ok(upload(api, prefix + text.encode(encoding)), 201)
    assert (result["rows_created"], result["report"]["encoding"]) == (1, shown)
    lead = api.ok(api.get("/leads"))["items"][0]
    assert (lead["first_name"], lead["last_name"], lead["company"], lead["job_title"]) == (
        "Élodie",
        "Lefèvre",
        "Crédit Agricole",
        "Directrice financière",
    )


def test_a_header_only_file_imports_nothing_and_says_why(api, rows):
    result = api.ok(upload(api, b"First Name,Last Name,Email\r\n"), 201)
    assert (result["rows_total"], result["status"]) == (0, "done")
    assert result["report"]["notes"] == ["The file has a header but no data rows."]
    assert rows(t.Lead) == 0


def test_duplicate_headers_are_reported_and_the_second_column_kept(api):
    content = (
        b"Email,Phone Number,Company name,Phone Number\n"
        b"ann@acme.io,01 02 03 04 05,Acme,09 99 99 99 99\n"
    )
    result = api.ok(upload(api, content), 201)
    assert result["report"]["notes"][0].startswith(
        "Column 'Phone Number' appears 2 times (columns 2, 4)"
    )
    lead = api.ok(api.get("/leads"))["items"][0]
    assert (lead["phone"], lead["attributes"]) == (
        "+33102030405",
        {"Phone Number (2)": "09 99 99 99 99"},
    )


def test_bad_emails_and_phones_are_reported_and_the_rows_kept_when_they_name_someone(api, rows):
    content = (
        "Nom;Email;Téléphone\r\n"
        "Durand;jean@@durand.fr;01 42 68 53 00\r\n"
        "Martin;martin@example.com;+33 1\r\n"
        ";not-an-email;12\r\n"
    ).encode()
    result = api.ok(upload(api, content), 201)
    assert (result["rows_created"], result["rows_rejected"]) == (2, 1)
    assert [(e["row"], e["field"], e["row_rejected"]) for e in result["errors"]] == [
        (2, "email", False),
        (3, "phone", False),
        (4, "email", True),
        (4, "phone", True),
        (4, "row", True),
    ]
    assert rows(t.Lead) == 2


def test_a_vcard_without_a_name_is_rejected_with_a_reason(api, rows):
    content = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:carte vide\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Roux;Jeanne\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Cut;Card\r\n"
    )
    result = api.ok(upload(api, content, "cartes.vcf"), 201)
    assert (result["rows_created"], result["rows_rejected"]) == (1, 2)
    assert [(e["row"], e["reason"]) for e in result["errors"]] == [
        (1, "vCard without a name, e-mail or company"),
        (3, "vCard is cut: the file ends before its END:VCARD (truncated file?)"),
    ]
    assert rows(t.Lead) == 1


def test_a_declared_1_gb_upload_is_refused_before_it_is_read(api, snapshot):
    before = snapshot()
    response = api.post(
        "/imports",
        content=b"--x\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(1 << 30)},
        as_="marketing",
    )
    error = api.error(response, 413, "payload_too_large")
    assert error["message"] == "the upload is larger than 200 MB"
    assert snapshot() == before


def _streamed_request(app: Any, token: str, body: Iterator[bytes]) -> tuple[int, bytes, int]:
    """POST /api/v1/imports straight to the ASGI app, the body pulled chunk by chunk from a
    generator (chunked, no Content-Length): (status, body, bytes the app pulled)."""
    pulled = 0
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/imports",
        "raw_path": b"/api/v1/imports",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"multipart/form-data; boundary=XyZ"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    anyio.run(app, scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], content, pulled


def test_a_streamed_1_gb_upload_is_refused_once_past_the_cap(api, users, app_database, snapshot):
    # Given an API whose upload cap is 1 MB, and a 1 GiB body made as it is read
    cap = 1024 * 1024
    app = create_app(Settings(database_url=app_database.url, import_max_bytes=cap), app_database)
    head = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\nEmail,Company\r\n"
    )
    line = b"someone@example.com,Example\r\n" * 2048  # 60 kB
    chunks = itertools.chain([head], itertools.repeat(line, (1 << 30) // len(line)))
    before = snapshot()

    # When it is sent without a Content-Length
    status, body, pulled = _streamed_request(app, users["marketing"].token, chunks)

    # Then it is refused with 413 after reading little more than the cap, nothing written
    assert status == 413, body
    assert b'"code":"payload_too_large"' in body
    assert pulled < 3 * cap
    assert snapshot() == before


def test_an_upload_that_is_not_multipart_or_has_no_file_is_refused(api, snapshot):
    before = snapshot()
    response = api.post("/imports", {"file": "a,b"}, as_="marketing")
    assert api.error(response, 415, "unsupported_media_type")["fields"] == {
        "file": "a multipart/form-data part named 'file'"
    }
    response = api.post("/imports", data={"tag": "Salon"}, files={"other": ("x", b"x")})
    assert list(api.error(response, 422)["fields"]) == ["file"]
    response = api.post(
        "/imports",
        content=b"--x\r\nnonsense",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert list(api.error(response, 422)["fields"]) == ["file"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"dry_run": "perhaps"}, "dry_run"),
        ({"temperature": "tiède"}, "temperature"),
        ({"source": "carrier_pigeon"}, "source"),
        ({"tag": "x" * 101}, "tag"),
        ({"mapping": "[1, 2]"}, "mapping"),
        ({"dryrun": "true"}, "dryrun"),
        ({"value_map": "{not json"}, "value_map"),
        ({"value_map": '{"source": "web_form"}'}, "value_map"),
        ({"value_map": '{"source": {"Salon": "salon"}}'}, "value_map"),
        ({"value_map": '{"stage": {"Won": "gagné"}}'}, "value_map"),
        ({"object": "contacts"}, "object"),
        ({"create_owners": "perhaps"}, "create_owners"),
    ],
)
def test_bad_import_options_are_refused_by_name(api, snapshot, fields, named):
    before = snapshot()
    error = api.error(upload(api, b"Email\nann@acme.io\n", **fields), 422)
    assert named in error["fields"], error
    assert snapshot() == before


def test_imports_need_a_token(api, snapshot):
    before = snapshot()
    response = api.post("/imports", files={"file": ("a.csv", b"Email\na@b.fr\n")}, as_=None)
    assert api.error(response, 401)["code"] == "unauthorized"
    for path in ("/imports", "/imports/1", "/imports/1/errors.csv"):
        assert api.error(api.get(path, as_=None), 401)["code"] == "unauthorized"
    assert api.error(api.post("/imports/1/undo", as_=None), 401)["code"] == "unauthorized"
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/imports/0", "/imports/abc", "/imports/99999999999"])
def test_bad_import_ids_are_4xx(api, path):
    response = api.get(path)
    assert response.status_code in (404, 422), response.text
    api.error(response, response.status_code)
