"""``POST /api/v1/imports`` and the import history, row errors and undo (SPEC §7, §13).

Files are made in the test (French headers, `;`), uploaded as multipart, and every count is
checked exactly, on both databases.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bascule.storage import tables as t

SHOW = "Salon Solutions Digitales 2026"
HEADER = ["Prénom", "Nom", "E-mail", "Société", "Fonction", "Téléphone", "Température"]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    lines = [";".join(header), *(";".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(
    api: Any, content: bytes, filename: str = "salon.csv", *, as_: str = "marketing", **fields: Any
) -> Any:
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    return api.post("/imports", files={"file": (filename, content)}, data=data, as_=as_)


def imported(api: Any, content: bytes, filename: str = "salon.csv", **fields: Any) -> dict:
    return api.ok(upload(api, content, filename, **fields), 201)


def leads_by_email(api: Any) -> dict[str, dict]:
    page = api.ok(api.get("/leads?page_size=200"))
    return {lead["email"]: lead for lead in page["items"] if lead["email"]}


def errors_of(result: dict) -> list[tuple[int, str | None, bool]]:
    return [(e["row"], e["field"], e["row_rejected"]) for e in result["errors"]]


TRADE_SHOW = csv_bytes(
    [
        ["Camille", "Martin", "camille.martin@aciers-durand.fr", "Aciers Durand", "DSI",
         "01 42 68 53 00", ""],
        ["Léa", "Dubois", "lea.dubois@transports-lemoine.fr", "Transports Lemoine",
         "Directrice commerciale", "+33 4 72 00 11 22", "chaud"],
        ["Hugo", "Bernard", "hugo.bernard@boulangerie-paul.fr", "Boulangerie Paul", "Gérant",
         "", "froid"],
        ["Inès", "Moreau", "ines.moreau@cabinet-moreau.fr", "Cabinet Moreau", "Associée", "", ""],
        ["Paul", "Girard", "paul.girard@girard-btp.fr", "Girard BTP", "Directeur", "", ""],
    ]
)  # fmt: skip


def test_a_trade_show_file_becomes_tagged_leads_with_their_temperature(api, users, rows):
    # When marketing imports the show's file with its tag, a default temperature and source
    result = imported(api, TRADE_SHOW, tag=SHOW, temperature="warm", source="trade_show")

    # Then every row made a lead, and the import says so
    assert (result["rows_total"], result["rows_created"], result["rows_updated"]) == (5, 5, 0)
    assert (result["rows_rejected"], result["errors"], result["preview"]) == (0, [], [])
    assert (result["status"], result["dry_run"], result["format"]) == ("done", False, "csv")
    assert (result["user_id"], result["tag"], result["temperature"]) == (
        users["marketing"].id,
        SHOW,
        "warm",
    )
    assert result["mapping"] == {
        "Prénom": "first_name",
        "Nom": "last_name",
        "E-mail": "email",
        "Société": "company",
        "Fonction": "job_title",
        "Téléphone": "phone",
        "Température": "temperature",
    }
    assert result["report"]["delimiter"] == ";"
    assert rows(t.Lead) == 5
    leads = leads_by_email(api)
    camille = leads["camille.martin@aciers-durand.fr"]
    assert (camille["first_name"], camille["company"], camille["phone"]) == (
        "Camille",
        "Aciers Durand",
        "+33142685300",
    )
    assert (camille["source"], camille["status"], camille["tags"]) == ("trade_show", "new", [
        SHOW.lower()
    ])  # fmt: skip
    assert (camille["owner_id"], camille["import_id"]) == (users["marketing"].id, result["id"])
    # the row's own temperature wins over the file's
    temperatures = {email: lead["temperature"] for email, lead in leads.items()}
    assert sorted(temperatures.values()) == ["cold", "hot", "warm", "warm", "warm"]
    assert temperatures["lea.dubois@transports-lemoine.fr"] == "hot"
    # the lead list finds them by the show's tag
    assert api.ok(api.get("/leads", params={"tag": SHOW}))["total"] == 5
    history = api.ok(api.get(f"/leads/{camille['id']}/history"))
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in history] == [
        (None, "new", f"import #{result['id']}"),
        ("new", "new", f"import #{result['id']}: the importing user keeps it"),
    ]
    # and the history of imports has it
    page = api.ok(api.get("/imports"))
    assert (page["total"], [i["id"] for i in page["items"]]) == (1, [result["id"]])
    again = api.ok(api.get(f"/imports/{result['id']}"))
    assert {k: v for k, v in again.items()} == {
        k: v for k, v in result.items() if k not in ("errors", "preview")
    }


def test_a_dry_run_writes_no_lead_and_shows_what_would_happen(api, rows):
    # Given an existing lead that the file names again
    existing = api.create_lead(
        first_name="Paul",
        last_name="Girard",
        email="Paul.Girard@girard-btp.fr",
        company="Girard BTP",
        job_title=None,
    )
    before = {model: rows(model) for model in (t.Lead, t.Tag, t.LeadTag, t.AuditLog)}

    # When the file is only previewed
    result = imported(api, TRADE_SHOW, tag=SHOW, dry_run="true")

    # Then nothing but the import's own record is written
    assert {model: rows(model) for model in before} == before
    assert rows(t.ImportBatch) == 1
    assert (result["dry_run"], result["status"]) == (True, "done")
    assert (result["rows_created"], result["rows_updated"], result["rows_rejected"]) == (4, 1, 0)
    assert [(p["row"], p["outcome"], p["lead_id"]) for p in result["preview"]] == [
        (2, "created", None),
        (3, "created", None),
        (4, "created", None),
        (5, "created", None),
        (6, "updated", existing["id"]),
    ]
    assert result["preview"][1]["values"] == {
        "first_name": "Léa",
        "last_name": "Dubois",
        "email": "lea.dubois@transports-lemoine.fr",
        "company": "Transports Lemoine",
        "job_title": "Directrice commerciale",
        "phone": "+33472001122",
        "temperature": "hot",
        "source": "other",
        "tags": [SHOW.lower()],
    }
    assert api.ok(api.get(f"/leads/{existing['id']}"))["job_title"] is None
    # a dry run has nothing to undo
    error = api.error(api.post(f"/imports/{result['id']}/undo", as_="marketing"), 409)
    assert "dry run" in error["message"]


def test_duplicates_are_merged_within_the_file_and_into_existing_leads(api, users, rows):
    # Given an open lead, a customer's contact and a prospect account's contact
    existing = api.create_lead(
        first_name="Camille",
        last_name="Martin",
        email="camille.martin@aciers-durand.fr",
        company="Aciers Durand SA",
    )
    customer = api.create_account(name="Clinique Pasteur")
    api.move(api.create_opportunity(account_id=customer["id"])["id"], "won")
    customer_contact = api.create_contact(
        last_name="Roux", email="marc.roux@clinique-pasteur.fr", account_id=customer["id"]
    )
    prospect = api.create_account(name="Girard BTP")
    api.create_contact(
        last_name="Girard", email="paul.girard@girard-btp.fr", account_id=prospect["id"]
    )
    content = csv_bytes(
        [
            # 2: the existing lead, with a phone and a title it lacks, another company name
            ["Camille", "Martin", "CAMILLE.MARTIN@aciers-durand.fr", "Aciers Durand",
             "DSI", "01 42 68 53 00", ""],
            # 3, 4: one person twice in the file; the second row brings the job title
            ["Léa", "Dubois", "lea.dubois@transports-lemoine.fr", "Transports Lemoine", "", "", ""],
            ["Léa", "Dubois", "Lea.Dubois@Transports-Lemoine.fr", "", "DAF", "", "chaud"],
            # 5: a customer's contact: no lead (SPEC §6)
            ["Marc", "Roux", "marc.roux@clinique-pasteur.fr", "Clinique Pasteur", "", "", ""],
            # 6: a contact of an account that is not a customer: a lead
            ["Paul", "Girard", "paul.girard@girard-btp.fr", "Girard BTP", "", "", ""],
            # 7: nothing usable: a bad e-mail and no name or company
            ["", "", "pas-un-email", "", "", "", ""],
            # 8: a phone that is not one: the lead is made without it
            ["Hugo", "Bernard", "hugo@boulangerie-paul.fr", "Boulangerie Paul", "", "12", ""],
        ]
    )  # fmt: skip

    # When it is imported
    result = imported(api, content, tag=SHOW)

    # Then each row is created, merged or rejected, and the counts add up to the file
    counts = (result["rows_created"], result["rows_updated"], result["rows_rejected"])
    assert counts == (3, 2, 2)
    assert result["rows_total"] == 7 == sum(counts)
    report = result["report"]
    assert (report["duplicates_in_file"], report["existing_customers"], report["errors"]) == (
        1,
        1,
        4,
    )
    assert errors_of(result) == [
        (5, "email", True),
        (7, "email", True),
        (7, "row", True),
        (8, "phone", False),
    ]
    assert (
        f"contact {customer_contact['id']} of customer account {customer['id']}"
        in (result["errors"][0]["reason"])
    )
    assert rows(t.Lead) == 4
    leads = leads_by_email(api)
    assert set(leads) == {
        "camille.martin@aciers-durand.fr",
        "lea.dubois@transports-lemoine.fr",
        "paul.girard@girard-btp.fr",
        "hugo@boulangerie-paul.fr",
    }
    # the existing lead gained what it lacked and kept what it had
    camille = leads["camille.martin@aciers-durand.fr"]
    assert camille["id"] == existing["id"]
    assert (camille["company"], camille["job_title"], camille["phone"]) == (
        "Aciers Durand SA",
        "DSI",
        "+33142685300",
    )
    assert camille["tags"] == [SHOW.lower()]
    activities = api.ok(api.get(f"/leads/{existing['id']}/activities"))
    assert [(a["kind"], a["summary"]) for a in activities] == [
        ("signal", f"found again in import #{result['id']} (salon.csv)")
    ]
    # the person named twice is one lead with both rows' values
    lea = leads["lea.dubois@transports-lemoine.fr"]
    assert (lea["company"], lea["job_title"], lea["temperature"]) == (
        "Transports Lemoine",
        "DAF",
        "hot",
    )
    assert leads["hugo@boulangerie-paul.fr"]["phone"] is None


def test_errors_download_as_csv(api):
    content = csv_bytes(
        [
            ["Ana", "Lopez", "ana@lopez.fr", "Lopez", "", "12", ""],
            ["", "", "", "", "Gérant", "", ""],
        ]
    )
    result = imported(api, content)
    response = api.get(result["errors_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="import-{result["id"]}-errors.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table == [
        ["row", "field", "reason", "row_rejected"],
        ["2", "phone", "'12': not a possible phone number", "no"],
        [
            "3",
            "row",
            "no name, e-mail, phone, company or external id: nothing says who this is",
            "yes",
        ],
    ]
    assert api.get("/imports/999/errors.csv").status_code == 404


def test_a_mapping_names_the_columns_a_guess_misses(api):
    content = csv_bytes(
        [["Ana", "Lopez", "ana@lopez.fr", "06 12 34 56 78", "Stand B12"]],
        header=["Prénom", "Nom", "Mail perso", "Portable", "Remarque"],
    )
    mapping = {"Mail perso": "email", "Portable": "-"}
    result = imported(api, content, mapping=mapping)
    assert result["mapping"] == {"Prénom": "first_name", "Nom": "last_name", "Mail perso": "email"}
    lead = leads_by_email(api)["ana@lopez.fr"]
    # columns not taken are kept on the lead, nothing from the file is lost
    assert (lead["phone"], lead["attributes"]) == (
        None,
        {"Portable": "06 12 34 56 78", "Remarque": "Stand B12"},
    )
    error = api.error(upload(api, content, mapping={"Mail perso": "emial"}), 422)
    assert (error["code"], list(error["fields"])) == ("import_mapping_invalid", ["mapping"])
    assert "Unknown field 'emial'" in error["message"]
    error = api.error(upload(api, content, mapping={"Courriel": "email"}), 422)
    assert "Column 'Courriel' of the mapping is not in the file" in error["message"]
    error = api.error(upload(api, content, mapping="{not json"), 422)
    assert list(error["fields"]) == ["mapping"]
    error = api.error(upload(api, content, mapping=["a", 1]), 422)
    assert list(error["fields"]) == ["mapping"]


def test_external_ids_identify_rows_without_a_name_and_find_them_again(api, rows):
    # Given an export whose rows have only an id and behaviour columns
    content = (
        b"Prospect ID,Lead Number,Lead Source,TotalVisits,Converted\r\n"
        b"7927b2df,660737,Olark Chat,0,0\r\n"
        b"2a272436,660728,Organic Search,5,1\r\n"
        b"8cc8c611,660727,Reference,2,1\r\n"
    )

    # When it is imported twice
    first = imported(api, content, filename="Leads.csv")
    second = imported(api, content, filename="Leads.csv")

    # Then the rows become leads known by their id, the second time found again
    assert (first["rows_created"], first["rows_updated"], first["rows_rejected"]) == (3, 0, 0)
    assert (second["rows_created"], second["rows_updated"], second["rows_rejected"]) == (0, 3, 0)
    assert second["report"]["unchanged"] == 3
    assert rows(t.Lead) == 3
    leads = api.ok(api.get("/leads?sort=id"))["items"]
    assert [lead["external_id"] for lead in leads] == ["7927b2df", "2a272436", "8cc8c611"]
    # sources the playbook does not know: "other", the value kept, the report says so
    assert [lead["source"] for lead in leads] == ["other", "other", "other"]
    assert leads[0]["attributes"] == {
        "Lead Number": "660737",
        "Lead Source": "Olark Chat",
        "TotalVisits": "0",
        "Converted": "0",
    }
    assert first["report"]["unknown_sources"] == {
        "Olark Chat": 1,
        "Organic Search": 1,
        "Reference": 1,
    }
    assert any("'Olark Chat' (1)" in note for note in first["report"]["notes"])
    # a lead known only by its id can still be edited
    lead = api.ok(api.patch(f"/leads/{leads[0]['id']}", {"temperature": "hot"}))
    assert lead["temperature"] == "hot"


def test_vcards_from_a_trade_show_are_leads_from_the_show(api):
    content = (
        b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lemoine;Marc;;;\r\nFN:Marc Lemoine\r\n"
        b"ORG:Transports Lemoine\r\nTITLE:Directeur informatique\r\n"
        b"EMAIL;TYPE=WORK:marc.lemoine@transports-lemoine.fr\r\nTEL;TYPE=WORK:04 72 00 11 22\r\n"
        b"NOTE:Contrat CRM jusqu'en septembre\r\nEND:VCARD\r\n"
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Roux;Jeanne\r\nORG:Roux & Fils\r\nEND:VCARD\r\n"
    )
    result = imported(api, content, filename="cartes.vcf", tag=SHOW)
    assert (result["format"], result["rows_created"], result["rows_rejected"]) == ("vcard", 2, 0)
    leads = api.ok(api.get("/leads?sort=id"))["items"]
    assert [(lead["last_name"], lead["source"]) for lead in leads] == [
        ("Lemoine", "trade_show"),
        ("Roux", "trade_show"),
    ]
    assert leads[0]["phone"] == "+33472001122"
    assert leads[0]["attributes"] == {"NOTE": "Contrat CRM jusqu'en septembre"}


def test_undo_deletes_untouched_leads_and_restores_enriched_ones(api, users, rows):
    # Given an existing lead without a phone, and an import that creates three leads and
    # gives the existing one a phone and a job title
    existing = api.create_lead(
        first_name="Camille",
        last_name="Martin",
        email="camille.martin@aciers-durand.fr",
        company="Aciers Durand",
    )
    content = csv_bytes(
        [
            ["Camille", "Martin", "camille.martin@aciers-durand.fr", "", "DSI",
             "01 42 68 53 00", ""],
            ["Léa", "Dubois", "lea.dubois@transports-lemoine.fr", "Transports Lemoine", "", "",
             ""],
            ["Hugo", "Bernard", "hugo.bernard@boulangerie-paul.fr", "Boulangerie Paul", "", "",
             ""],
            ["Inès", "Moreau", "ines.moreau@cabinet-moreau.fr", "Cabinet Moreau", "", "", ""],
        ]
    )  # fmt: skip
    result = imported(api, content, tag=SHOW)
    assert (result["rows_created"], result["rows_updated"]) == (3, 1)
    leads = leads_by_email(api)
    lea = leads["lea.dubois@transports-lemoine.fr"]
    hugo = leads["hugo.bernard@boulangerie-paul.fr"]
    ines = leads["ines.moreau@cabinet-moreau.fr"]
    # and since then: Léa was converted, Hugo's title edited, and the existing lead's
    # job title changed by a salesperson
    api.make_ready(lea["id"])
    converted = api.convert(lea["id"], api.convert_body(name="Projet CRM – Transports Lemoine"))
    api.ok(api.patch(f"/leads/{hugo['id']}", {"job_title": "Gérant"}))
    api.ok(api.patch(f"/leads/{existing['id']}", {"job_title": "Directeur des SI"}))

    # When someone who may not read the importer's leads tries to undo it: not found (SPEC §18)
    error = api.error(api.post(f"/imports/{result['id']}/undo", as_="sales"), 404)
    assert error["code"] == "not_found"
    # and when the importer undoes it
    undone = api.ok(api.post(f"/imports/{result['id']}/undo", as_="marketing"))

    # Then the untouched lead is gone, the worked ones are kept and listed
    assert (undone["deleted"], undone["restored"], undone["kept"]) == (1, 1, 2)
    assert sorted((k["lead_id"], k["reason"]) for k in undone["kept_leads"]) == sorted(
        [
            (lea["id"], "converted since the import: kept"),
            (hugo["id"], "changed since the import: kept"),
        ]
    )
    assert api.get(f"/leads/{ines['id']}").status_code == 404
    assert api.ok(api.get(f"/opportunities/{converted['opportunity_id']}"))["lead_id"] == lea["id"]
    # the existing lead lost the phone the import gave it, not the title edited since
    after = api.ok(api.get(f"/leads/{existing['id']}"))
    assert (after["phone"], after["job_title"], after["tags"]) == (None, "Directeur des SI", [])
    assert api.ok(api.get(f"/leads/{existing['id']}/activities")) == []
    assert (undone["import"]["status"], undone["import"]["report"]["undo"]) == (
        "undone",
        {"deleted": 1, "restored": 1, "kept": 2},
    )
    assert rows(t.Lead) == 3
    # an import is undone once
    error = api.error(api.post(f"/imports/{result['id']}/undo", as_="admin"), 409)
    assert "already undone" in error["message"]


def test_an_admin_may_undo_anyones_import(api, rows):
    result = imported(api, TRADE_SHOW)
    undone = api.ok(api.post(f"/imports/{result['id']}/undo", as_="admin"))
    assert (undone["deleted"], undone["kept"], rows(t.Lead)) == (5, 0, 0)


def test_imports_are_listed_newest_first_with_paging(api):
    ids = [imported(api, TRADE_SHOW, dry_run=True)["id"] for _ in range(3)]
    page = api.ok(api.get("/imports?page_size=2"))
    assert (page["total"], [i["id"] for i in page["items"]]) == (3, ids[::-1][:2])
    page = api.ok(api.get("/imports?page=2&page_size=2"))
    assert [i["id"] for i in page["items"]] == ids[:1]
    assert api.error(api.get("/imports/424242"), 404)["code"] == "not_found"


def test_the_upload_is_described_in_openapi(api):
    spec = api.ok(api.get("/openapi.json", as_=None))
    post = spec["paths"]["/api/v1/imports"]["post"]
    form = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["file"]
    assert set(form["properties"]) == {
        "file", "dry_run", "tag", "temperature", "source", "mapping", "value_map", "object",
        "create_owners",
    }  # fmt: skip
    assert set(spec["paths"]["/api/v1/imports/{import_id}"]) == {"get"}
    assert set(spec["paths"]["/api/v1/imports/{import_id}/undo"]) == {"post"}
    assert set(spec["paths"]["/api/v1/imports/{import_id}/errors.csv"]) == {"get"}


def test_imported_leads_are_scored_from_their_profile_and_waiting_signals(api):
    # Given a demo request kept for an address nobody knows yet
    items = [
        {"type": "form_submit", "occurred_at": "2026-11-20T09:00:00+00:00",
         "email": "camille.martin@aciers-durand.fr", "properties": {"form_type": "demo_request"}},
    ]  # fmt: skip
    assert api.ok(api.post("/events", items, as_="marketing"))["pending"] == 1

    # When the show's file is imported
    imported(api, TRADE_SHOW, tag=SHOW)

    # Then every lead has a score with its explanation, the DSI's including the demo request
    leads = leads_by_email(api)
    dsi = leads["camille.martin@aciers-durand.fr"]
    reasons = [entry["reason"] for entry in dsi["score_explanation"]]
    assert any("démo" in reason.lower() for reason in reasons), reasons
    assert sum(e["points"] for e in dsi["score_explanation"]) == dsi["score"]
    director = leads["paul.girard@girard-btp.fr"]
    assert director["score"] > 0 and director["score_explanation"]
