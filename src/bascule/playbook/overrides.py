"""A playbook with some of its settings changed, checked as a whole (a back-test's proposed
playbook: ``{"scoring": {"mql_threshold": 40}}``).

Tables merge key by key, at any depth (``scoring.signals.page_view.points`` alone keeps the
rule's cap); a list (stages, employee bands...) is replaced whole. The result goes through the
playbook's own validation, so a bad override is refused with the field at fault, named from
the document's root (``scoring.bands.warm``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bascule.errors import PlaybookInvalid
from bascule.playbook.load import validate
from bascule.playbook.schema import Playbook


def overridden(playbook: Playbook, overrides: Mapping[str, Any]) -> Playbook:
    """``playbook`` with ``overrides`` merged in; ``PlaybookInvalid`` names each bad field."""
    if not isinstance(overrides, Mapping):
        raise PlaybookInvalid("the overrides are not a table", fields={"(document)": "a table"})
    if not overrides:
        return playbook
    # Python mode keeps secrets as secrets (a JSON dump would mask them and fail validation).
    document = playbook.model_dump(mode="python")
    return validate(_merge(document, overrides))


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        before = merged.get(key)
        if isinstance(value, Mapping) and isinstance(before, dict):
            merged[key] = _merge(before, value)
        else:
            merged[key] = value
    return merged
