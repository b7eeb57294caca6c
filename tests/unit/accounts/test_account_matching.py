"""Account and contact matching at conversion (SPEC §5) and the existing-customer rule (§6)."""

from __future__ import annotations

import pytest

from bascule.accounts.model import (
    FREE_MAIL_DOMAINS,
    AccountFacts,
    AccountMatch,
    ContactFacts,
    email_domain,
    is_existing_customer,
    match_account,
    match_contact,
    normalise_company_name,
    normalise_domain,
)

ACME = AccountFacts(1, "Acme", "acme.com")
GLOBEX = AccountFacts(2, "Globex Corporation", "globex.fr")
INITECH = AccountFacts(3, "Initech Systems", None)


# --- email_domain / normalise_domain -----------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("jane.doe@acme.com", "acme.com"),
        ("  Jane.Doe@ACME.Com ", "acme.com"),
        ("jane@acme.com.", "acme.com"),
        ("jane@gmail.com", None),
        ("JANE@GMAIL.COM", None),
        ("jane@orange.fr", None),
        ("jane@wanadoo.fr", None),
        ("jane@localhost", None),
        ("jane.acme.com", None),
        ("a@b@acme.com", None),
        ("", None),
        (None, None),
    ],
)
def test_email_domain(email: str | None, expected: str | None) -> None:
    assert email_domain(email) == expected


def test_every_free_mail_domain_is_ignored() -> None:
    assert "gmail.com" in FREE_MAIL_DOMAINS
    assert all(email_domain(f"someone@{d}") is None for d in FREE_MAIL_DOMAINS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Acme.com/fr/contact", "acme.com"),
        ("WWW.ACME.COM", "acme.com"),
        ("acme.com.", "acme.com"),
        ("  ", None),
        (None, None),
    ],
)
def test_normalise_domain(raw: str | None, expected: str | None) -> None:
    assert normalise_domain(raw) == expected


# --- normalise_company_name --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Acme SAS", "acme"),
        ("ACME sarl", "acme"),
        ("Acme, Inc.", "acme"),
        ("Globex Corporation", "globex"),
        ("Société Générale SA", "societe generale"),
        ("Procter & Gamble", "procter and gamble"),
        ("SA", "sa"),  # nothing but a legal form: kept rather than emptied
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_company_name(name: str | None, expected: str) -> None:
    assert normalise_company_name(name) == expected


# --- match_account -----------------------------------------------------------------------------


def test_free_mail_domain_never_matches_an_account() -> None:
    # given an account that (wrongly) carries gmail.com as its domain
    shared = AccountFacts(9, "Freelancers United", "gmail.com")
    # when a gmail user with no company converts
    match = match_account("jane@gmail.com", None, [shared])
    # then a new account is proposed
    assert match == AccountMatch("new")


def test_free_mail_falls_back_to_the_company_name() -> None:
    shared = AccountFacts(9, "Freelancers United", "gmail.com")
    match = match_account("jane@gmail.com", "ACME", [shared, ACME])
    assert match == AccountMatch("existing", 1, matched_on="name")


def test_same_domain_with_one_account_is_linked() -> None:
    match = match_account("bob@ACME.com", "Something Else Entirely", [ACME, GLOBEX])
    assert match == AccountMatch("existing", 1, matched_on="domain")


def test_domain_is_compared_after_normalising_the_account_domain() -> None:
    account = AccountFacts(5, "Acme", "https://www.acme.com/")
    assert match_account("bob@acme.com", None, [account]).account_id == 5


def test_same_domain_with_two_accounts_is_ambiguous() -> None:
    acme_fr = AccountFacts(4, "Acme France", "acme.com")
    match = match_account("bob@acme.com", "Acme", [ACME, GLOBEX, acme_fr])
    assert match.kind == "ambiguous"
    assert match.matched_on == "domain"
    assert match.choices == (ACME, acme_fr)
    assert match.account_id is None


def test_unknown_domain_falls_back_to_the_company_name() -> None:
    match = match_account("bob@globex-mail.net", "GLOBEX corp.", [ACME, GLOBEX])
    assert match == AccountMatch("existing", 2, matched_on="name")


def test_legal_form_does_not_prevent_an_exact_name_match() -> None:
    assert match_account(None, "ACME SAS", [ACME]) == AccountMatch("existing", 1, matched_on="name")


@pytest.mark.parametrize("written", ["ACME S.A.S.", "Acme S.A.", "Acme S.A.R.L."])
def test_dotted_legal_form_matches_exactly(written: str) -> None:
    assert normalise_company_name(written) == "acme"
    assert match_account(None, written, [ACME]) == AccountMatch("existing", 1, matched_on="name")


def test_two_accounts_with_the_same_normalised_name_are_ambiguous() -> None:
    twin = AccountFacts(8, "acme sarl", None)
    match = match_account(None, "Acme", [ACME, twin, GLOBEX])
    assert match == AccountMatch("ambiguous", choices=(ACME, twin), matched_on="name")


def test_near_name_matches_by_similarity() -> None:
    # "initech system" vs "initech systems": ratio 96.6 >= 92
    match = match_account(None, "Initech System", [ACME, INITECH])
    assert match == AccountMatch("existing", 3, matched_on="similar_name")


def test_distant_name_creates_a_new_account() -> None:
    # "acne" vs "acme": ratio 75 < 92
    assert match_account(None, "Acne", [ACME, INITECH]) == AccountMatch("new")


def test_threshold_decides_what_is_similar() -> None:
    assert match_account(None, "Acne", [ACME], threshold=75).account_id == 1
    assert match_account(None, "Initech System", [INITECH], threshold=97).kind == "new"


def test_several_near_names_are_ambiguous() -> None:
    industries = AccountFacts(10, "Acme Industries", None)
    industrial = AccountFacts(11, "Acme Industriel", None)
    # "acme industrie" vs either: ratio 96.6; vs "acme": 44.4
    match = match_account(None, "Acme Industrie", [industries, industrial, ACME])
    assert match.kind == "ambiguous"
    assert match.matched_on == "similar_name"
    assert [a.id for a in match.choices] == [10, 11]


def test_no_email_and_no_company_creates_a_new_account() -> None:
    assert match_account(None, None, [ACME]) == AccountMatch("new")
    assert match_account("", "  ", [ACME]) == AccountMatch("new")
    assert match_account("bob@acme.com", "Acme", []) == AccountMatch("new")


# --- match_contact / is_existing_customer ------------------------------------------------------


CONTACTS = [ContactFacts(20, "jane@acme.com", 1), ContactFacts(21, None, None)]


def test_contact_matches_by_email_whatever_the_case() -> None:
    assert match_contact("  JANE@Acme.COM ", CONTACTS) == CONTACTS[0]


def test_contact_without_match_or_email_is_none() -> None:
    assert match_contact("john@acme.com", CONTACTS) is None
    assert match_contact(None, CONTACTS) is None
    assert match_contact("", CONTACTS) is None


def test_existing_customer_only_when_the_account_is_a_customer() -> None:
    assert is_existing_customer(AccountFacts(1, "Acme", None, is_customer=True)) is True
    assert is_existing_customer(ACME) is False
    assert is_existing_customer(None) is False
