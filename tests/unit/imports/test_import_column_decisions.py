"""What each column of a messy file becomes, and how that was decided (issue 9): headers of
other vocabularies, a name column holding categories, a count under a campaign header, files
without e-mails. The files are made here, shaped like public conversion data sets."""

from __future__ import annotations

import io
import random

from bascule.imports import open_import
from bascule.imports.mapping import decide_columns

# A bank's call-campaign export: no names, no e-mails; `contact` is how the person was called
# and `campaign` how many calls this campaign made.
BANK_HEADER = "age;job;marital;contact;month;campaign;pdays;y"


def bank_file(rows: int = 60) -> bytes:
    rng = random.Random(9)
    lines = [BANK_HEADER]
    for _ in range(rows):
        contact = rng.choice(["telephone", "cellular"])
        job = rng.choice(["admin.", "technician", "services"])
        age, calls = rng.randint(18, 90), rng.randint(1, 9)
        lines.append(f"{age};{job};married;{contact};may;{calls};999;no")
    return ("\n".join(lines) + "\n").encode()


def decisions_of(content: bytes, mapping: list[str] | None = None) -> dict[str, tuple]:
    reader = open_import(io.BytesIO(content), filename="file.csv", mapping=mapping)
    used = reader.report.mapping_used
    return {d["column"]: (d["field"], d["how"], d["note"]) for d in used}


def test_a_contact_column_of_two_words_and_a_numeric_campaign_go_to_attributes() -> None:
    decisions = decisions_of(bank_file())
    assert decisions["contact"] == (
        "attributes",
        "refused",
        "not taken as full_name: its first 60 values are only 'cellular', 'telephone': a "
        "category, not people's names",
    )
    field, how, note = decisions["campaign"]
    assert (field, how) == ("attributes", "refused")
    assert note is not None
    assert note.startswith("not taken as campaign: its first 60 values are all numbers")
    assert decisions["age"] == ("attributes", "unrecognised", None)


def test_a_file_without_names_or_emails_rejects_every_row_and_no_name_is_made_up() -> None:
    reader = open_import(io.BytesIO(bank_file(12)), filename="bank.csv")
    rows = list(reader)
    assert reader.report.mapping == {}
    assert all(row.rejected for row in rows) and len(rows) == 12
    assert all("last_name" not in row.values for row in rows)
    assert rows[0].extra["contact"] in ("telephone", "cellular")


def test_the_person_importing_is_never_second_guessed() -> None:
    decisions = decisions_of(bank_file(), mapping=["contact=last_name"])
    assert decisions["contact"] == ("last_name", "map", None)


def test_funnel_export_headers_origin_and_mql_id() -> None:
    content = (
        b"mql_id,first_contact_date,landing_page_id,origin\n"
        b"dac32acd4db4c29c230538b72f8dd87d,2018-02-01,88740e65d5d6b056e0cda098e1ea6313,social\n"
        b"8c18d1de7f67e60dbd64e3c07d7e9d5d,2017-10-20,007f9098284a86ee80ddeb25d53e0af8,"
        b"paid_search\n"
    )
    decisions = decisions_of(content)
    assert decisions["mql_id"] == ("external_id", "alias", None)
    assert decisions["origin"] == ("source", "alias", None)
    assert decisions["landing_page_id"] == ("attributes", "unrecognised", None)


def test_lead_origin_gives_way_to_lead_source() -> None:
    content = b"Prospect ID,Lead Origin,Lead Source\nid-1,API,Olark Chat\n"
    decisions = decisions_of(content)
    assert decisions["Lead Source"] == ("source", "alias", None)
    assert decisions["Lead Origin"] == (
        "attributes",
        "unrecognised",
        "may mean source, which column 'Lead Source' says more plainly",
    )
    alone = decisions_of(b"Prospect ID,Lead Origin\nid-1,API\n")
    assert alone["Lead Origin"] == ("source", "alias", None)


def test_other_vocabularies_by_alias_and_an_unknown_header_by_its_values() -> None:
    content = (
        b"Voornaam;Achternaam;Bedrijf;Telefoon;Adres e-mail;Notatka\n"
        b"Anna;de Vries;Bakkerij Jansen;020 123 4567;anna@bakkerij-jansen.nl;stand 4\n"
        b"Piet;Bakker;Bakker BV;010 765 4321;piet@bakker.nl;\n"
    )
    decisions = decisions_of(content)
    assert decisions == {
        "Voornaam": ("first_name", "alias", None),
        "Achternaam": ("last_name", "alias", None),
        "Bedrijf": ("company", "alias", None),
        "Telefoon": ("phone", "alias", None),
        "Adres e-mail": ("email", "guess", "every one of its first values is an e-mail address"),
        "Notatka": ("attributes", "unrecognised", None),
    }
    italian = decisions_of(b"Nome;Cognome;Azienda;Email\nGiulia;Rossi;Rossi Srl;g@rossi.it\n")
    assert italian["Cognome"] == ("last_name", "alias", None)
    assert italian["Email"] == ("email", "exact", None)
    assert italian["Nome"] == ("attributes", "unrecognised", None)  # a first name or a full name


def test_a_guess_from_values_never_takes_a_field_a_header_already_fills() -> None:
    content = b"Email,Backup\na@b.fr,c@d.fr\ne@f.fr,g@h.fr\n"
    decisions = decisions_of(content)
    assert decisions["Email"] == ("email", "exact", None)
    assert decisions["Backup"] == ("attributes", "unrecognised", None)


def test_one_family_name_among_varied_first_names_is_still_a_name() -> None:
    lines = ["Prénom;Nom;Société"] + [f"P{i};Martin;Martin & Fils" for i in range(30)]
    decisions = decisions_of(("\n".join(lines) + "\n").encode())
    assert decisions["Nom"] == ("last_name", "alias", None)


def test_an_email_header_over_yes_and_no_is_refused() -> None:
    lines = ["Company,Email"] + [f"C{i},{'Yes' if i % 2 else 'No'}" for i in range(8)]
    decisions = decisions_of(("\n".join(lines) + "\n").encode())
    assert decisions["Email"] == (
        "attributes",
        "refused",
        "not taken as email: none of its first 8 values is an e-mail address ('No', 'Yes')",
    )


def test_too_few_values_do_not_overrule_a_header() -> None:
    # three rows of numbers under "Campaign": too little to say it is not a campaign
    assert decide_columns(["Campaign"], [["1"], ["2"], ["3"]])[0].how == "exact"
