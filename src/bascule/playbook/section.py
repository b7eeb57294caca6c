"""What every section of the playbook shares: unknown keys refused, frozen, keys in snake
case, rule keys unique. A module of its own so that ``schema`` and the section modules import
it without a cycle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]


class Section(BaseModel):
    # Attribute docstrings are the settings' descriptions (docs/playbook-reference.md).
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Keyed(Protocol):
    @property
    def key(self) -> str: ...


Rules = TypeVar("Rules", bound=Sequence[Keyed])


def unique_keys(rules: Rules) -> Rules:
    """Refuse two rules with one key (the key names the rule in history, counters, reports)."""
    keys = [r.key for r in rules]
    doubles = sorted({k for k in keys if keys.count(k) > 1})
    if doubles:
        raise ValueError(f"rule keys must be unique: {', '.join(doubles)}")
    return rules
