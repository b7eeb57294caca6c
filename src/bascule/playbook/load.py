"""Reading and checking playbook documents (TOML text in, ``Playbook`` out)."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from pydantic import ValidationError

from bascule.errors import PlaybookInvalid
from bascule.playbook.schema import Playbook

_FIELD_PATH = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")


def parse(text: str) -> Playbook:
    """Parse and validate a TOML playbook; every problem is reported with its location."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookInvalid(f"not valid TOML: {exc}", fields={"toml": str(exc)}) from exc
    return validate(data)


def validate(data: dict[str, object]) -> Playbook:
    """Validate a playbook document already read; every problem is reported with its location."""
    try:
        return Playbook.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            message = str(err["msg"]).removeprefix("Value error, ")
            if not where:
                # Rules across the document name their section first: "stages: ...".
                where, _, rest = message.partition(": ")
                message = rest or message
            else:
                # Rules across a section name the field at fault first: "warm: ...".
                head, _, rest = message.partition(": ")
                if rest and _FIELD_PATH.fullmatch(head):
                    where, message = f"{where}.{head}", rest
            fields[where or "(document)"] = message
        summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
        raise PlaybookInvalid(f"playbook is invalid: {summary}", fields=fields) from exc


def default_text() -> str:
    return resources.files("bascule.playbook").joinpath("default.toml").read_text("utf-8")


@cache
def default_playbook() -> Playbook:
    return parse(default_text())
