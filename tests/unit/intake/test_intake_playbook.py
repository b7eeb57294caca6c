"""The playbook's ``intake`` section: defaults, changes and errors with their location."""

from __future__ import annotations

import pytest

from bascule.errors import PlaybookInvalid
from bascule.playbook.load import default_text, parse
from bascule.playbook.schema import DEFAULT_INTAKE_FORMS, FORM_TYPES, Intake

TEXT = default_text()


def _without_intake(text: str) -> str:
    return text[: text.index("# Public forms")]


def test_the_default_document_and_the_built_in_defaults_agree():
    assert parse(TEXT).intake == Intake()
    assert tuple(DEFAULT_INTAKE_FORMS) == FORM_TYPES


def test_a_playbook_written_before_intake_gets_the_defaults():
    assert parse(_without_intake(TEXT)).intake == Intake()


def test_a_form_left_out_keeps_its_default():
    text = _without_intake(TEXT) + (
        '[intake.forms.pricing_request]\nsource = "web_form"\ntemperature = "warm"\n'
    )
    forms = parse(text).intake.forms
    assert (forms["pricing_request"].temperature, forms["pricing_request"].strong_signal) == (
        "warm",
        False,
    )
    assert forms["demo_request"].temperature == "hot"
    assert list(forms) == list(FORM_TYPES)


def test_an_rfp_may_make_a_lead_instead():
    text = _without_intake(TEXT) + '[intake.forms.rfp]\nsource = "rfp"\ncreates = "lead"\n'
    assert parse(text).intake.forms["rfp"].creates == "lead"


@pytest.mark.parametrize(
    ("section", "location", "message"),
    [
        (
            '[intake.forms.webinar]\nsource = "web_form"\n',
            "intake.forms",
            "unknown form types webinar; known: " + ", ".join(FORM_TYPES),
        ),
        (
            '[intake.forms.rfp]\nsource = "tender"\n',
            "intake.forms.rfp.source",
            "not a lead source of this playbook",
        ),
        (
            '[intake.forms.demo_request]\nsource = "demo_request"\ncreates = "opportunity"\n',
            "intake.forms.demo_request.creates",
            "only the rfp form carries what an opportunity needs",
        ),
        (
            '[intake.forms.demo_request]\nsource = "demo_request"\ntemperature = "boiling"\n',
            "intake.forms.demo_request.temperature",
            "Input should be 'hot', 'warm' or 'cold'",
        ),
        (
            '[intake.forms.support_request]\nsource = "web_form"\nkind = "support"\n',
            "intake.forms.support_request.kind",
            "Input should be 'sales' or 'support_service'",
        ),
        (
            '[intake.forms.freemium_signup]\nsource = "freemium_signup"\nstrong = true\n',
            "intake.forms.freemium_signup.strong",
            "Extra inputs are not permitted",
        ),
    ],
)
def test_errors_name_their_place(section, location, message):
    with pytest.raises(PlaybookInvalid) as exc:
        parse(_without_intake(TEXT) + section)
    assert exc.value.fields == {location: message}
