"""The playbook document: the default loads, invalid documents are refused with locations."""

from __future__ import annotations

import pytest

from bascule.errors import PlaybookInvalid
from bascule.leads.model import LeadStatus
from bascule.playbook import schema
from bascule.playbook.load import default_playbook, default_text, parse

TEXT = default_text()


def _invalid(text: str) -> PlaybookInvalid:
    with pytest.raises(PlaybookInvalid) as exc:
        parse(text)
    assert exc.value.code == "playbook_invalid"
    assert exc.value.status == 422
    return exc.value


# --- the default -------------------------------------------------------------------------------


def test_default_playbook_encodes_the_spec() -> None:
    pb = default_playbook()
    assert pb.version == 1
    assert pb.name == "default"
    assert (pb.general.currency, pb.general.timezone, pb.general.country) == (
        "EUR",
        "Europe/Paris",
        "FR",
    )
    assert pb.stage_keys == ("qualification", "discovery", "proposal", "negotiation", "won", "lost")
    assert [s.probability for s in pb.stages] == [10, 25, 50, 75, 100, 0]
    assert pb.open_stage_keys == ("qualification", "discovery", "proposal", "negotiation")
    assert (pb.won_stage, pb.lost_stage) == ("won", "lost")
    assert pb.type_keys == (
        "new_business",
        "upsell",
        "cross_sell",
        "renewal",
        "extension",
        "service",
    )
    assert pb.lead_source_keys == (
        "web_form",
        "content_download",
        "demo_request",
        "trade_show",
        "purchased_list",
        "referral",
        "paid_campaign",
        "inbound_call",
        "freemium_signup",
        "rfp",
        "other",
    )
    assert pb.contact_role_keys[0] == "decision_maker"
    assert {"it", "business", "purchasing", "champion"} <= set(pb.contact_role_keys)
    rule = pb.qualification.ready_to_convert
    assert pb.qualification.framework == "bant"
    assert (rule.need_confirmed, rule.budget_at_least, rule.timing_known) == (True, "range", True)
    assert rule.authority_at_least == "none"
    assert pb.conversion.overdue_after_business_days == 2
    assert pb.conversion.require_ready_to_convert is True
    assert pb.conversion.default_stage == "qualification"


def test_default_playbook_is_the_parsed_default_text_and_is_cached() -> None:
    assert parse(TEXT) == default_playbook()
    assert default_playbook() is default_playbook()


def test_every_lead_status_has_french_and_english_labels() -> None:
    labels = default_playbook().lead_status_labels
    assert set(labels) == {s.value for s in LeadStatus}
    assert labels["converted"].get("fr") == "Converti en opportunité"
    assert labels["converted"].get("en") == "Converted to opportunity"
    assert labels["new"].get("fr-FR") == "Nouveau lead"


def test_playbook_is_frozen() -> None:
    playbook = default_playbook()
    with pytest.raises(ValueError):
        setattr(playbook, "name", "changed")  # noqa: B010
    assert playbook.name == "default"


def test_unknown_stage_lookup_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        default_playbook().stage("closing")


# --- invalid documents -------------------------------------------------------------------------


def test_bad_toml_is_reported_under_toml() -> None:
    error = _invalid('version = 1\nname = "oops\n')
    assert list(error.fields) == ["toml"]
    assert error.message.startswith("not valid TOML")


def test_probability_above_100_is_reported_at_the_stage() -> None:
    error = _invalid(TEXT.replace("probability = 50", "probability = 150"))
    assert error.fields == {"stages.2.probability": "Input should be less than or equal to 100"}


def test_unknown_top_level_key_is_reported_by_name() -> None:
    error = _invalid("colour = 'blue'\n" + TEXT)
    assert error.fields == {"colour": "Extra inputs are not permitted"}


def test_unknown_key_in_a_section_is_reported_with_its_section() -> None:
    error = _invalid(TEXT.replace("[conversion]\n", "[conversion]\nauto_convert = true\n"))
    assert error.fields == {"conversion.auto_convert": "Extra inputs are not permitted"}


def test_bad_stage_key_and_bad_currency_are_both_reported() -> None:
    text = TEXT.replace('key = "proposal"', 'key = "Proposal Sent"').replace(
        'currency = "EUR"', 'currency = "euro"'
    )
    assert set(_invalid(text).fields) == {"stages.2.key", "general.currency"}


def test_missing_required_section_is_reported() -> None:
    start = TEXT.index("[[loss_reasons]]")
    end = TEXT.index("[[disqualification_reasons]]")
    error = _invalid(TEXT[:start] + TEXT[end:])
    assert list(error.fields) == ["loss_reasons"]


DUPLICATE_STAGE = TEXT.replace('key = "discovery"', 'key = "qualification"')
NO_WON_STAGE = TEXT.replace('outcome = "won"\n', "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DUPLICATE_STAGE, "stages: stage keys must be unique"),
        (NO_WON_STAGE, "stages: exactly one won stage and one lost stage are required"),
        (
            TEXT.replace('default_stage = "qualification"', 'default_stage = "won"'),
            "conversion.default_stage: must be an open stage",
        ),
        (
            TEXT.replace('default_type = "new_business"', 'default_type = "charity"'),
            "conversion.default_type: not an opportunity type of this playbook",
        ),
        (
            TEXT.replace('contacted = { fr = "Contacté", en = "Contacted" }\n', ""),
            "lead_status_labels: missing labels for contacted",
        ),
    ],
)
def test_whole_document_rules_are_refused_with_their_reason(text: str, message: str) -> None:
    error = _invalid(text)
    assert len(error.fields) == 1
    key, value = next(iter(error.fields.items()))
    assert message in f"{key}: {value}"
    assert message in error.message


@pytest.mark.parametrize("text", [DUPLICATE_STAGE, NO_WON_STAGE], ids=["duplicate", "no_won"])
def test_whole_document_rules_name_their_location_in_fields(text: str) -> None:
    assert list(_invalid(text).fields) == ["stages"]


def test_model_copy_gives_an_independent_playbook() -> None:
    base = default_playbook()
    copy = base.model_copy(update={"conversion": schema.Conversion(require_ready_to_convert=False)})
    assert copy.conversion.require_ready_to_convert is False
    assert base.conversion.require_ready_to_convert is True
    assert copy.stage_keys == base.stage_keys
