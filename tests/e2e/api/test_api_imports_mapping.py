"""``POST /api/v1/imports`` says what it did (issue 9): the mapping used in the report, the
`value_map` field, unknown values counted, a failed batch when every row is rejected."""

from __future__ import annotations

import json
from typing import Any

from bascule.storage import tables as t

CALLS = b"age;contact;campaign\n" + b"".join(
    b"%d;%s;%d\n" % (30 + i, (b"cellular", b"telephone")[i % 2], i % 4 + 1) for i in range(12)
)
SOURCES = (
    b"Email;Lead Source;Temperature\n"
    b"a@acme.fr;Web Registration;Chaud\n"
    b"b@bolt.fr;TRADE SHOWS and events;Tepid\n"
    b"c@crux.fr;Organic Search;\n"
)


def upload(api: Any, content: bytes, **fields: Any) -> Any:
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}
    return api.post("/imports", files={"file": ("file.csv", content)}, data=data, as_="marketing")


def test_the_report_gives_each_column_its_field_and_how_it_was_decided(api, rows):
    result = api.ok(upload(api, CALLS, dry_run="true"), 201)
    assert (result["status"], result["message"]) == (
        "failed",
        "every row was rejected (12): nothing imported",
    )
    assert (result["rows_total"], result["rows_rejected"]) == (12, 12)
    assert result["report"]["mapping_used"] == [
        {"column": "age", "field": "attributes", "how": "unrecognised", "note": None},
        {
            "column": "contact",
            "field": "attributes",
            "how": "refused",
            "note": "not taken as full_name: its first 12 values are only 'cellular', "
            "'telephone': a category, not people's names",
        },
        {
            "column": "campaign",
            "field": "attributes",
            "how": "refused",
            "note": "not taken as campaign: its first 12 values are all numbers ('1', '2', '3', "
            "...)",
        },
    ]
    assert [e["field"] for e in result["errors"]] == ["row"] * 12
    assert rows(t.Lead) == 0
    # the history tells the same
    assert api.ok(api.get(f"/imports/{result['id']}"))["status"] == "failed"


def test_a_value_map_maps_file_values_and_the_others_are_counted(api, rows):
    value_map = {
        "source": {"web registration": "web_form", "Trade Shows and Events": "trade_show"},
        "temperature": {"CHAUD": "hot"},
    }
    result = api.ok(upload(api, SOURCES, value_map=value_map, source="referral"), 201)
    assert (result["status"], result["rows_created"]) == ("done", 3)
    assert result["report"]["unknown_values"] == {
        "source": {"Organic Search": 1},
        "temperature": {"Tepid": 1},
    }
    assert [(c["column"], c["field"], c["how"]) for c in result["report"]["mapping_used"]] == [
        ("Email", "email", "exact"),
        ("Lead Source", "source", "alias"),
        ("Temperature", "temperature", "exact"),
    ]
    page = api.ok(api.get("/leads?page_size=10"))
    found = {lead["email"]: lead for lead in page["items"]}
    assert {e: (lead["source"], lead["temperature"]) for e, lead in found.items()} == {
        "a@acme.fr": ("web_form", "hot"),
        "b@bolt.fr": ("trade_show", None),
        "c@crux.fr": ("referral", None),
    }
    assert found["b@bolt.fr"]["attributes"] == {"Temperature": "Tepid"}
    assert rows(t.Lead) == 3
