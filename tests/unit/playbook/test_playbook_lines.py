"""Where a playbook check's error sits in the TOML text (the admin page's "line N")."""

from __future__ import annotations

import pytest

from bascule.errors import PlaybookInvalid
from bascule.playbook.lines import locate
from bascule.playbook.load import default_text, parse

TEXT = """name = "Acme"

[general]
timezone = "Europe/Paris"

[[stages]]
key = "new"

[[stages]]
key = "won"
"quoted" = 1

[routing]
fallback_owner = "a@b.fr"

[[routing.rules]]
key = "first"

[[routing.rules]]
key = "second"
team = "Nord"
"""


@pytest.mark.parametrize(
    ("location", "line"),
    [
        ("name", 1),
        ("general.timezone", 4),
        ("general.language", 3),  # not written: its table
        ("stages.0.key", 7),
        ("stages.1.key", 10),
        ("stages.1.quoted", 11),
        ("routing.fallback_owner", 14),
        ("routing.rules.1.team", 21),
        ("routing.rules.0.team", 16),  # not written in the first rule: the rule itself
        ("nothing.here", None),
    ],
)
def test_a_field_is_found_at_its_line_or_its_nearest_enclosing_one(location, line):
    assert locate(TEXT, location) == line


def test_a_syntax_error_and_a_schema_error_of_the_default_playbook_point_at_their_line():
    text = default_text()
    threshold = text.splitlines().index("mql_threshold = 50") + 1
    with pytest.raises(PlaybookInvalid) as bad_value:
        parse(text.replace("mql_threshold = 50", 'mql_threshold = "lots"'))
    [(where, message)] = bad_value.value.fields.items()
    assert (where, locate(text, where, message)) == ("scoring.mql_threshold", threshold)

    with pytest.raises(PlaybookInvalid) as bad_toml:
        parse(text.replace("mql_threshold = 50", "mql_threshold = "))
    [(where, message)] = bad_toml.value.fields.items()
    assert (where, locate(text, where, message)) == ("toml", threshold)
