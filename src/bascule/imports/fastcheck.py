"""E-mail and phone checks for imports: the common shapes decided in a microsecond. Pure.

`email_validator` and `phonenumbers` take 25 to 40 µs per value, more than writing the row;
a 100,000-row file spends seconds in them. Plain ASCII addresses and French numbers written
the usual ways are by far the most frequent: for them the answer is computed here, for
anything else the full libraries decide. Both shortcuts give exactly the libraries' answer
(tests/unit/imports/test_import_fastcheck.py compares them on generated values).
"""

from __future__ import annotations

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES

from bascule.accounts.identity import check_email, check_phone

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"({_ATEXT}+(?:\.{_ATEXT}+)*)@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})")
_SPECIAL_TLDS = frozenset(name for name in SPECIAL_USE_DOMAIN_NAMES if "." not in name)
_SPECIAL_DOTTED = tuple(name for name in SPECIAL_USE_DOMAIN_NAMES if "." in name)
_SPECIAL_DOTTED_SUFFIXES = tuple("." + name for name in _SPECIAL_DOTTED)
# French numbers: 0X XX XX XX XX or +33 X XX XX XX XX, with spaces, dots or hyphens.
_FRENCH = re.compile(r"(?:0|\+33[ .-]?)([1-9](?:[ .-]?[0-9]){8})")
_SEPARATORS = str.maketrans("", "", " .-")


def email(text: str) -> tuple[str | None, str | None]:
    """(normalised address, error), as `accounts.identity.check_email`."""
    value = text.strip()
    match = _EMAIL.fullmatch(value)
    if match is not None and len(value) <= 254 and len(match.group(1)) <= 64:
        domain = match.group(2).lower()
        if "--" not in domain and not _special(domain):
            return f"{match.group(1)}@{domain}", None
    return check_email(text)


def _special(domain: str) -> bool:
    if domain.rpartition(".")[2] in _SPECIAL_TLDS:
        return True
    return domain in _SPECIAL_DOTTED or domain.endswith(_SPECIAL_DOTTED_SUFFIXES)


def phone(text: str, region: str) -> tuple[str | None, str | None]:
    """(E.164 number, error), as `accounts.identity.check_phone`."""
    if region == "FR":
        match = _FRENCH.fullmatch(text.strip())
        if match is not None:
            return "+33" + match.group(1).translate(_SEPARATORS), None
    return check_phone(text, region)
