"""Value maps: which value of an enumerated field a file's own wording means. Pure.

A file says "Web Registration" or "Trade Shows and Events" where the playbook has `web_form`
and `trade_show`. The person importing says so once per value:

    --map-values source='Web Registration=web_form'          (CLI, repeatable)
    value_map={"source": {"Web Registration": "web_form"}}    (API, JSON)

File values are compared by `value_key` (case, accents, spaces and punctuation ignored), so
"web registration " in the file is the value mapped above. The fields a map may name, and the
values each may take, are given by the caller (`choices`): the lead source keys come from the
playbook, temperatures are fixed. Lead status and opportunity stage join by adding their
choices here and applying the map where their values are read (SPEC §16).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from bascule.errors import ValidationFailed

# {field: {value_key(file value): value}}
ValueMap = dict[str, dict[str, str]]
# Enumerated fields an import of leads reads, in the order they are listed to people.
LEAD_ENUMERATED = ("source", "temperature")
TEMPERATURES = ("hot", "warm", "cold")
FIELD = "value_map"  # the option's name, for the field at fault in errors


class ValueMapError(ValidationFailed):
    """A value map names a field that is not enumerated, or a value that field cannot take."""

    code = "import_value_map_invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={FIELD: message})


def value_key(text: str) -> str:
    """The comparison key of a file value: "Partner Referral" -> "partner_referral",
    " salon  professionnel" -> "salon_professionnel", "Tiède" -> "tiede"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return "_".join(plain.split())


def parse_value_map(
    spec: Mapping[str, Mapping[str, str]] | Iterable[str] | None,
    choices: Mapping[str, Sequence[str]],
) -> ValueMap:
    """A value map given by a person, checked against `choices` ({field: allowed values}).

    `spec` is {"field": {"file value": "value"}} (API) or ["field=file value=value", ...]
    (CLI --map-values, the last `=` separating the value). Raises ValueMapError naming the
    first unknown field, unknown value, or malformed item.
    """
    if spec is None:
        return {}
    pairs: list[tuple[str, str, str]] = []
    if isinstance(spec, Mapping):
        for field, values in spec.items():
            if not isinstance(values, Mapping):
                raise ValueMapError(f"{field!r} must map file values to values")
            pairs.extend((str(field), str(text), str(value)) for text, value in values.items())
    else:
        for item in spec:
            field, equals, rest = item.partition("=")
            text, equals_too, value = rest.rpartition("=")
            if not (equals and equals_too and field.strip() and text.strip()):
                raise ValueMapError(f"{item!r} is not FIELD='file value=value'")
            pairs.append((field, text, value))
    parsed: ValueMap = {}
    for field, text, value in pairs:
        name = field.strip().lower()
        if name not in choices:
            known = ", ".join(choices)
            raise ValueMapError(f"{field.strip()!r} has no value map; fields that have: {known}")
        target = value.strip()
        allowed = choices[name]
        if target not in allowed:
            raise ValueMapError(
                f"{target!r} is not a {name} (for {text.strip()!r}); one of {', '.join(allowed)}"
            )
        key = value_key(text)
        if not key:
            raise ValueMapError(f"an empty file value is mapped for {name}")
        parsed.setdefault(name, {})[key] = target
    return parsed


def translated(value_map: Mapping[str, Mapping[str, str]], field: str, text: str) -> str:
    """The text as the value map reads it: the mapped value, else the text unchanged."""
    values = value_map.get(field)
    if not values:
        return text
    return values.get(value_key(text), text)
