"""A playbook with some settings changed (``playbook.overrides``): tables merge at any depth,
lists are replaced, the result is validated as a whole with the field at fault named."""

from __future__ import annotations

import pytest

from bascule.errors import PlaybookInvalid
from bascule.playbook.load import default_playbook
from bascule.playbook.overrides import overridden


def test_tables_merge_key_by_key() -> None:
    base = default_playbook()
    found = overridden(base, {"scoring": {"mql_threshold": 35,
                                          "signals": {"page_view": {"points": 3}}}})  # fmt: skip
    assert found.scoring.mql_threshold == 35
    assert found.scoring.signals["page_view"].points == 3
    assert found.scoring.signals["page_view"].cap == base.scoring.signals["page_view"].cap
    assert found.scoring.bands == base.scoring.bands and found.stages == base.stages
    assert base.scoring.mql_threshold == 50  # the current playbook is left alone


def test_lists_are_replaced_and_nothing_changes_without_overrides() -> None:
    base = default_playbook()
    found = overridden(base, {"scoring": {"employees": [{"min": 1, "points": 2}]}})
    assert len(found.scoring.employees) == 1
    assert overridden(base, {}) is base


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"scoring": {"half_life_days": -1}}, "scoring.half_life_days"),
        ({"scoring": {"bands": {"hot": 30}}}, "scoring.bands.warm"),
        ({"qualification": {"framework": "spiced"}}, "qualification.framework"),
        ({"nope": {}}, "nope"),
    ],
)
def test_a_bad_override_names_its_field(overrides: dict, field: str) -> None:
    with pytest.raises(PlaybookInvalid) as caught:
        overridden(default_playbook(), overrides)
    assert field in caught.value.fields
