"""Value maps (`--map-values`, API `value_map`): what a file's own wording of an enumerated
field means (SPEC §16), read case- and space-insensitively, checked against the choices."""

from __future__ import annotations

import io

import pytest

from bascule.imports import open_import
from bascule.imports.enumerated import ValueMapError, parse_value_map, translated, value_key
from bascule.imports.plan import FileRules, candidate

CHOICES = {
    "source": ("web_form", "trade_show", "referral", "other"),
    "temperature": ("hot", "warm", "cold"),
}


def test_cli_items_and_api_json_give_the_same_map() -> None:
    from_cli = parse_value_map(
        [
            "source=Web Registration=web_form",
            "source= Trade Shows and Events =trade_show",
            "temperature=A=hot",
        ],
        CHOICES,
    )
    from_api = parse_value_map(
        {
            "source": {"Web Registration": "web_form", "Trade Shows and Events": "trade_show"},
            "temperature": {"A": "hot"},
        },
        CHOICES,
    )
    assert (
        from_cli
        == from_api
        == {
            "source": {"web_registration": "web_form", "trade_shows_and_events": "trade_show"},
            "temperature": {"a": "hot"},
        }
    )


def test_file_values_match_whatever_their_case_and_spaces() -> None:
    value_map = parse_value_map(["source=Web Registration=web_form"], CHOICES)
    for text in ("Web Registration", "web registration", "  WEB   Registration "):
        assert translated(value_map, "source", text) == "web_form"
    assert translated(value_map, "source", "Web") == "Web"
    assert translated(value_map, "temperature", "Web Registration") == "Web Registration"
    assert value_key("Tiède ") == "tiede"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (["stage=Won=won"], "'stage' has no value map; fields that have: source, temperature"),
        (
            ["source=Salon=trade-show"],
            "'trade-show' is not a source (for 'Salon'); one of web_form, trade_show, referral, "
            "other",
        ),
        (["source=web_form"], "'source=web_form' is not FIELD='file value=value'"),
        (["source==web_form"], "'source==web_form' is not FIELD='file value=value'"),
        ({"source": "web_form"}, "'source' must map file values to values"),
        (["source=!!=web_form"], "an empty file value is mapped for source"),
    ],
)
def test_a_bad_value_map_names_what_is_wrong(spec: object, message: str) -> None:
    with pytest.raises(ValueMapError) as caught:
        parse_value_map(spec, CHOICES)  # type: ignore[arg-type]
    assert caught.value.message == message
    assert caught.value.fields == {"value_map": message}


def test_a_mapped_source_wins_over_the_playbooks_reading() -> None:
    sources = [("web_form", ["Formulaire web"]), ("referral", ["Recommandation"]), ("other", [])]
    value_map = parse_value_map(["source=Referral=web_form"], CHOICES)
    rules = FileRules.build(sources, file_format="csv", source_values=value_map["source"])
    reader = open_import(io.BytesIO(b"Email,Source\na@b.fr,REFERRAL\nc@d.fr,Recommandation\n"))
    first, second = (candidate(row, rules) for row in reader)
    assert (first.fields["source"], second.fields["source"]) == ("web_form", "referral")
    assert first.unknown == second.unknown == {}


def test_temperatures_are_read_through_the_map_and_unknown_ones_kept_and_counted() -> None:
    content = b"Email,Rating\na@b.fr,A - Hot lead\nc@d.fr,warm\ne@f.fr,B\n"
    value_map = parse_value_map(["temperature=a - hot lead=hot"], CHOICES)
    rows = list(open_import(io.BytesIO(content), value_map=value_map))
    assert [row.values.get("temperature") for row in rows] == ["hot", "warm", None]
    assert [row.unknown for row in rows] == [None, None, {"temperature": "B"}]
    assert rows[2].extra == {"Rating": "B"}  # not lost: it goes to the lead's attributes
    assert rows[2].errors == [("temperature", "'B' is not a temperature (hot, warm or cold)")]
    rules = FileRules.build([("other", [])], file_format="csv")
    assert candidate(rows[2], rules).unknown == {"temperature": "B"}
