"""What an import makes of parsed rows, before any database: sources, file settings, merges."""

from __future__ import annotations

import io

from bascule.imports import ParsedRow, open_import
from bascule.imports.plan import (
    Candidate,
    FileRules,
    KnownLead,
    candidate,
    enrichment,
    id_ranges,
    identity_keys,
    match_candidates,
    plan_chunk,
    source_key,
)

PLAYBOOK_SOURCES = [
    ("web_form", ("Formulaire web", "Web form")),
    ("trade_show", ("Salon professionnel", "Trade show")),
    ("referral", ("Recommandation", "Referral")),
    ("inbound_call", ("Appel entrant", "Inbound call")),
    ("other", ("Autre", "Other")),
]


def rules(**options: object) -> FileRules:
    return FileRules.build(PLAYBOOK_SOURCES, file_format="csv", **options)  # type: ignore[arg-type]


def row(number: int, **values: object) -> ParsedRow:
    return ParsedRow(number, dict(values), [], {})  # type: ignore[arg-type]


def test_source_values_of_exports_are_read_as_playbook_sources() -> None:
    r = rules()
    assert source_key(" Partner Referral ") == "partner_referral"
    assert {text: r.sources.get(source_key(text)) for text in (
        "Web", "Phone Inquiry", "Partner Referral", "Trade Show", "Salon professionnel",
        "SALON", "trade_show", "Olark Chat",
    )} == {
        "Web": "web_form", "Phone Inquiry": "inbound_call", "Partner Referral": "referral",
        "Trade Show": "trade_show", "Salon professionnel": "trade_show", "SALON": "trade_show",
        "trade_show": "trade_show", "Olark Chat": None,
    }  # fmt: skip


def test_an_unknown_source_falls_back_to_the_files_and_is_kept() -> None:
    c = candidate(row(2, last_name="Roux", source="Olark Chat"), rules(source_column="Origine"))
    assert (c.fields["source"], c.unknown_source, c.attributes) == (
        "other",
        "Olark Chat",
        {"Origine": "Olark Chat"},
    )
    vcard = FileRules.build(PLAYBOOK_SOURCES, file_format="vcard")
    assert candidate(row(1, last_name="Roux"), vcard).fields["source"] == "trade_show"


def test_the_files_tag_and_temperature_complete_each_row() -> None:
    r = rules(tag="  Salon  Solutions ", temperature="warm")
    c = candidate(row(2, last_name="A", tags=["VIP", "salon solutions"], temperature="hot"), r)
    assert (c.tags, c.fields["temperature"]) == (["salon solutions", "vip"], "hot")
    assert candidate(row(3, last_name="B"), r).fields["temperature"] == "warm"


def test_a_person_named_twice_in_a_chunk_is_one_candidate() -> None:
    plan = plan_chunk(
        [
            row(2, last_name="Roux", email="j.roux@x.fr"),
            row(3, last_name="Roux", email="J.Roux@X.fr", job_title="DSI", phone="+33100000000"),
            row(4, last_name="Other", email="o@x.fr", external_id="A1"),
            row(5, company="Same id", external_id="A1", email="new@x.fr"),
            row(6, last_name="Third", external_id="B2", email="o@x.fr"),
        ],
        rules(),
    )
    assert [(c.number, c.merged) for c in plan.candidates] == [(2, [3]), (4, [5, 6])]
    first = plan.candidates[0]
    assert (first.email_key, first.fields["job_title"]) == ("j.roux@x.fr", "DSI")
    assert first.fields["email"] == "j.roux@x.fr"  # the first row's spelling is kept
    # another e-mail for a person already known by external id is reported, not kept
    assert plan.candidates[1].email_key == "o@x.fr"
    assert plan.candidates[1].fields["company"] == "Same id"
    # the same address under another id is the same person: that id is reported, not kept
    assert plan.candidates[1].external_id == "A1"
    assert [(n, f) for n, f, _, _ in plan.problems] == [(5, "email"), (6, "external_id")]


def test_enrichment_fills_blanks_only() -> None:
    c = candidate(row(2, last_name="Roux", company="New", phone="+33100000000"), rules())
    current = {"last_name": "Roux", "company": "Old", "phone": None, "job_title": ""}
    assert enrichment(current, c) == {"phone": "+33100000000"}


def test_id_ranges() -> None:
    assert id_ranges([5, 3, 4, 9, 11, 10]) == [[3, 5], [9, 11]]
    assert id_ranges([]) == []


def test_a_second_column_of_a_field_is_kept_with_the_unmapped_ones() -> None:
    data = b"Phone,MobilePhone,Email,Notes\n01 42 68 53 00,06 12 34 56 78,a@b.fr,hi\n"
    (parsed,) = list(open_import(io.BytesIO(data)))
    assert parsed.values["phone"] == "+33142685300"
    assert parsed.extra == {"MobilePhone": "06 12 34 56 78", "Notes": "hi"}


def test_a_row_known_only_by_its_external_id_is_kept() -> None:
    data = b"Prospect ID,Score\nabc-123,12\n,13\n"
    rows = list(open_import(io.BytesIO(data)))
    assert rows[0].values == {"external_id": "abc-123"} and not rows[0].rejected
    assert rows[1].rejected


def people(*rows: dict[str, object]) -> list[Candidate]:
    return [candidate(row(n, **values), rules()) for n, values in enumerate(rows, start=2)]


def test_which_lead_each_candidate_is() -> None:
    # Given a lead known by id only, one by e-mail, and a customer's contact
    known = [KnownLead(7, None, "SF-1"), KnownLead(9, "bo@acme.fr", None)]
    candidates = people(
        {"external_id": "SF-1", "email": "al@acme.fr"},  # lead 7, which gains that e-mail
        {"email": "al@acme.fr", "last_name": "Al"},  # so this row finds lead 7 too
        {"external_id": "SF-2", "email": "bo@acme.fr"},  # lead 9 by e-mail
        {"email": "cy@client.fr"},  # a customer's contact
        {"email": "di@acme.fr"},  # nobody: a new lead
    )
    matches = match_candidates(candidates, customers={"cy@client.fr": (3, 4)}, leads=known)
    assert [(m.outcome, m.lead_id, m.customer, m.email_owner) for m in matches] == [
        ("existing", 7, None, None),
        ("existing", 7, None, None),
        ("existing", 9, None, None),
        ("customer", None, (3, 4), None),
        ("new", None, None, None),
    ]


def test_an_email_another_lead_holds_is_not_given_and_a_dry_run_remembers_people() -> None:
    known = [KnownLead(7, None, "SF-1"), KnownLead(9, "bo@acme.fr", None)]
    first, second = people({"external_id": "SF-1", "email": "bo@acme.fr"}, {"email": "ed@x.fr"})
    seen = set(identity_keys(second))
    matches = match_candidates([first, second], customers={}, leads=known, seen=seen)
    assert [(m.outcome, m.lead_id, m.email_owner) for m in matches] == [
        ("existing", 7, 9),
        ("seen", None, None),
    ]
