"""What an RFP must carry to become an opportunity: pure rules, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bascule.accounts.model import AccountFacts, AccountMatch
from bascule.errors import MissingFields
from bascule.intake.model import Submission
from bascule.intake.rfp_plan import choose_account, plan_rfp
from bascule.playbook.load import default_playbook

PB = default_playbook()


def rfp(**answers) -> Submission:
    lead = {"first_name": "Nadia", "last_name": "Benali", "email": "nadia.benali@ghra.fr"}
    base = {"project": "Refonte CRM", "budget": "180 k€", "expected_close_date": "2031-01-31"}
    return Submission("rfp", lead, base | answers)


def test_an_rfp_plan_names_the_sender_first_then_each_contact_once():
    plan = plan_rfp(
        rfp(
            contacts=[
                {"last_name": "Benali", "email": "NADIA.benali@ghra.fr", "role": "it"},
                {"last_name": "Fournier", "email": "luc@ghra.fr", "role": "business"},
                {"last_name": "Perrin", "email": "agnes.perrin@ghra.fr", "role": "purchasing"},
                {"last_name": "Fournier", "email": "luc@ghra.fr", "role": "champion"},
            ]
        ),
        PB,
    )
    assert (plan.project, plan.amount, plan.expected_close_date) == (
        "Refonte CRM",
        Decimal(180000),
        date(2031, 1, 31),
    )
    assert [(p.email, p.role) for p in plan.people] == [
        ("nadia.benali@ghra.fr", "it"),
        ("luc@ghra.fr", "business"),
        ("agnes.perrin@ghra.fr", "purchasing"),
    ]
    assert plan.domains == ("ghra.fr",)
    assert plan.matching_email == "nadia.benali@ghra.fr"


def test_an_rfp_from_a_personal_mailbox_is_matched_by_a_colleague_address():
    sub = Submission(
        "rfp",
        {"last_name": "Benali", "email": "nadia@gmail.com"},
        rfp().answers | {"contacts": [{"last_name": "Perrin", "email": "a.perrin@ghra.fr"}]},
    )
    plan = plan_rfp(sub, PB)
    assert plan.matching_email == "a.perrin@ghra.fr"
    assert [p.role for p in plan.people] == ["decision_maker", "decision_maker"]


def test_an_rfp_without_project_budget_or_date_is_refused_field_by_field():
    with pytest.raises(MissingFields) as exc:
        plan_rfp(Submission("rfp", {"email": "a@ghra.fr"}, {}), PB)
    assert set(exc.value.fields) == {"project", "budget", "expected_close_date"}
    with pytest.raises(MissingFields) as exc:
        plan_rfp(rfp(budget="à définir", expected_close_date="31/01/2031"), PB)
    assert exc.value.fields == {
        "budget": 'not an amount greater than 0 (e.g. 150000 or "150 k€")',
        "expected_close_date": "must be a date (YYYY-MM-DD)",
    }


def test_named_contacts_are_checked_one_by_one():
    with pytest.raises(MissingFields) as exc:
        plan_rfp(
            rfp(
                contacts=[
                    {"last_name": "Ok", "email": "ok@ghra.fr", "role": "it"},
                    {"last_name": "Boss", "email": "boss@ghra.fr", "role": "boss"},
                    {"first_name": "Nobody"},
                    {"last_name": "Bad", "email": "not-an-email"},
                    {"last_name": "Tel", "phone": "12"},
                    "Jean",
                ]
            ),
            PB,
        )
    assert set(exc.value.fields) == {
        "contacts.1.role",
        "contacts.2",
        "contacts.3.email",
        "contacts.4.phone",
        "contacts.5",
    }


def test_an_ambiguous_account_is_the_oldest_with_a_note():
    one = AccountMatch("existing", 4, matched_on="domain")
    assert choose_account(one) == (4, None)
    assert choose_account(AccountMatch("new")) == (None, None)
    both = AccountMatch(
        "ambiguous", choices=(AccountFacts(9, "GHRA", "ghra.fr"), AccountFacts(3, "GHRA SA", None))
    )
    account_id, note = choose_account(both)
    assert account_id == 3
    assert note == (
        "Compte à vérifier : plusieurs comptes correspondent à l'appel d'offres "
        "(#9 GHRA, #3 GHRA SA)."
    )
