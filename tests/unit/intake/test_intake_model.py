"""What a public form submission is and creates: pure rules, no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bascule.errors import ValidationFailed
from bascule.intake import model
from bascule.intake.model import Route, Submission
from bascule.leads.model import Budget, Qualification, Timing
from bascule.playbook.load import default_playbook

PB = default_playbook()
TODAY = date(2030, 3, 1)


def rule(form_type: str):
    return PB.intake.form(form_type)


# --- what a form creates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form_type", "route"),
    [
        ("content_download", Route.LEAD),
        ("demo_request", Route.LEAD),
        ("contact_expert", Route.LEAD),
        ("pricing_request", Route.LEAD),
        ("rfp", Route.OPPORTUNITY),
        ("support_request", Route.LEAD),
        ("freemium_signup", Route.LEAD),
    ],
)
def test_each_form_type_creates_what_the_playbook_says(form_type, route):
    assert model.route(rule(form_type), is_customer_contact=False) is route
    # SPEC §6: a customer's contact never makes a lead, whatever the form
    assert model.route(rule(form_type), is_customer_contact=True) is Route.CUSTOMER


def test_the_default_rules_encode_spec_section_7():
    forms = PB.intake.forms
    assert [(k, f.source, f.kind, f.temperature) for k, f in forms.items()] == [
        ("content_download", "content_download", "sales", None),
        ("demo_request", "demo_request", "sales", "hot"),
        ("contact_expert", "web_form", "sales", "hot"),
        ("pricing_request", "web_form", "sales", None),
        ("rfp", "rfp", "sales", None),
        ("support_request", "web_form", "support_service", None),
        ("freemium_signup", "freemium_signup", "sales", None),
    ]
    strong = {k for k, f in forms.items() if f.strong_signal}
    assert strong == {"demo_request", "contact_expert", "pricing_request"}
    commercial = {k for k, f in forms.items() if f.commercial_intent}
    assert commercial == {"demo_request", "contact_expert", "pricing_request", "rfp"}


# --- honeypot ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["http://spam.example", "x", 1, True, ["a"], {"a": 1}])
def test_a_filled_honeypot_is_a_robot(value):
    assert model.is_bot({"email": "a@b.fr", "website": value}) is True


@pytest.mark.parametrize("body", [{}, {"website": None}, {"website": ""}, {"website": "  "}])
def test_an_empty_honeypot_is_a_person(body):
    assert model.is_bot(body) is False


def test_a_robot_is_told_the_usual_outcome_and_no_ids():
    assert model.decoy(rule("content_download")) == {"outcome": "lead_created"}
    assert model.decoy(rule("rfp")) == {"outcome": "opportunity_created"}


# --- the body ---------------------------------------------------------------------------------


def test_the_body_splits_into_lead_fields_and_free_answers():
    sub = model.split(
        "demo_request",
        {
            "first_name": " Sophie ",
            "email": "sophie@logistique.fr",
            "phone": "",
            "company": None,
            "tags": [],
            "users": "25",
            "message": "Démo svp",
            "source": "paid_campaign",  # not the sender's call: kept as an answer
            "utm_medium": "cpc",
            "website": "",
        },
    )
    assert sub.lead == {"first_name": "Sophie", "email": "sophie@logistique.fr"}
    assert sub.answers == {
        "users": "25",
        "message": "Démo svp",
        "source": "paid_campaign",
        "utm_medium": "cpc",
    }
    assert sub.email == "sophie@logistique.fr"


def test_identity_is_normalised_and_bad_values_are_named():
    sub = model.split("content_download", {"email": " Anne@Example.FR ", "phone": "06 12 34 56 78"})
    clean = model.clean_identity(sub, "FR")
    assert clean.lead == {"email": "Anne@example.fr", "phone": "+33612345678"}
    with pytest.raises(ValidationFailed) as exc:
        model.clean_identity(model.split("x", {"email": "nope", "phone": "12"}), "FR")
    assert set(exc.value.fields) == {"email", "phone"}


def test_free_answers_are_kept_within_bounds():
    declared = frozenset({"message"})
    model.check_free_answers({"message": "x" * 20000, "utm": "y" * 8000}, declared)
    with pytest.raises(ValidationFailed) as exc:
        model.check_free_answers({"utm": "y" * 8001, "bad name!": 1}, declared)
    assert exc.value.fields == {
        "utm": "at most 8000 characters, got 8001",
        "bad name!": "a field name has 1 to 64 letters, digits, _ . -",
    }
    with pytest.raises(ValidationFailed) as exc:
        model.check_free_answers({f"q{i}": i for i in range(51)}, declared)
    assert exc.value.fields == {"body": "at most 50 extra fields, got 51"}


DEEP: object = "deep"
for _ in range(11):
    DEEP = [DEEP]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"message": "a\x00b"}, "message"),
        ({"q": {"r": ["ok", "\ud800"]}}, "q.r.1"),
        ({"q": DEEP}, "q" + ".0" * 10),
    ],
)
def test_text_no_database_stores_is_refused_with_its_place(body, where):
    with pytest.raises(ValidationFailed) as exc:
        model.check_text(body)
    assert list(exc.value.fields) == [where]


def test_the_fingerprint_ignores_key_order_but_not_values_or_form():
    a = model.fingerprint("demo_request", {"email": "a@b.fr", "users": 3})
    assert a == model.fingerprint("demo_request", {"users": 3, "email": "a@b.fr"})
    assert a != model.fingerprint("demo_request", {"users": 4, "email": "a@b.fr"})
    assert a != model.fingerprint("pricing_request", {"users": 3, "email": "a@b.fr"})


# --- leads ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "incoming", "result"),
    [
        (None, "hot", "hot"),
        ("cold", "hot", "hot"),
        ("warm", "hot", "hot"),
        ("hot", "cold", "hot"),
        ("hot", None, "hot"),
        ("warm", "cold", "warm"),
        (None, None, None),
    ],
)
def test_a_form_warms_a_lead_up_and_never_cools_it_down(current, incoming, result):
    assert model.warmer(current, incoming) == result


def test_demo_answers_fill_the_unknown_budget_and_timing():
    answers = {"budget": "20-30k€", "timeline": "dans 3 mois", "users": 25}
    assert model.demo_answers(Qualification(), answers, TODAY) == {
        "budget": {"status": "range", "min": Decimal(20000), "max": Decimal(30000), "amount": None},
        "timing": {"horizon": "3_months", "date": None},
    }


def test_demo_answers_never_overwrite_what_sales_recorded():
    known = Qualification(
        budget=Budget(status="confirmed", amount=Decimal(45000)), timing=Timing("6_months")
    )
    assert model.demo_answers(known, {"budget": "20k", "timeline": "ASAP"}, TODAY) == {}
    assert model.demo_answers(Qualification(), {"budget": "?", "timeline": "bientôt"}, TODAY) == {}


def test_the_signal_keeps_every_answer_and_what_was_read():
    sub = Submission("demo_request", {"email": "a@b.fr"}, {"users": "25 users", "budget": "30k"})
    assert model.signal_properties(sub, form_id=7, today=TODAY) == {
        "form_type": "demo_request",
        "form_id": 7,
        "users": "25 users",
        "budget": "30k",
        "read": {"users": 25, "budget": ["30000", "30000"]},
    }


@pytest.mark.parametrize(
    ("answers", "workspace"),
    [({"workspace": " ws-42 "}, "ws-42"), ({}, None), ({"workspace": 42}, None),
     ({"workspace": "a\nb"}, None), ({"workspace": "x" * 121}, None)],
)  # fmt: skip
def test_the_workspace_of_a_signup(answers, workspace):
    assert model.workspace(answers) == workspace
