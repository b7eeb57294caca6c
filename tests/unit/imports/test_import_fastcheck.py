"""The import's e-mail and phone shortcuts give exactly the libraries' answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bascule.accounts.identity import check_email, check_phone
from bascule.imports import fastcheck

LOCAL = st.text(alphabet="abcXYZ019._-+!#$%&'*/=?^`{|}~\"(),:;<>@[]\\ é", min_size=0, max_size=70)
LABEL = st.text(alphabet="abcXYZ0189-_é", min_size=0, max_size=66)
TLD = st.sampled_from(
    ["fr", "COM", "c", "123", "x1", "test", "local", "onion", "arpa", "invalid", "localhost",
     "internal", "xn--p1ai", "museum", "a" * 63, "a" * 64, "fr-", "-fr"]
)  # fmt: skip


@st.composite
def addresses(draw: st.DrawFn) -> str:
    labels = draw(st.lists(LABEL, min_size=0, max_size=4))
    domain = ".".join([*labels, draw(TLD)])
    space = draw(st.sampled_from(["", " ", "\t"]))
    return f"{space}{draw(LOCAL)}@{domain}{space}"


# Mostly addresses the shortcut takes: atext, dots and hyphens, near the length limits.
NEAR_LOCAL = st.text(alphabet="aZ9._-+'~", min_size=1, max_size=66)
NEAR_LABEL = st.text(alphabet="aZ9-", min_size=1, max_size=64)


@st.composite
def plausible_addresses(draw: st.DrawFn) -> str:
    labels = draw(st.lists(NEAR_LABEL, min_size=1, max_size=5))
    tld = draw(st.sampled_from(["fr", "COM", "io", "test", "onion", "xn--p1ai", "a" * 63]))
    return f"{draw(NEAR_LOCAL)}@{'.'.join([*labels, tld])}"


@settings(max_examples=3000, deadline=None)
@given(addresses())
def test_email_shortcut_agrees_with_email_validator(text: str) -> None:
    assert fastcheck.email(text) == check_email(text)


@settings(max_examples=3000, deadline=None)
@given(plausible_addresses())
def test_email_shortcut_agrees_on_plausible_addresses(text: str) -> None:
    assert fastcheck.email(text) == check_email(text)


@pytest.mark.parametrize(
    "text",
    [
        "Camille.Martin@Societe-Generale.FR",
        "a@b.co",
        "x_y+tag@sub.domain.example.com",
        "a..b@x.fr",
        ".a@x.fr",
        "a.@x.fr",
        "a@x..fr",
        "a@-x.fr",
        "a@x-.fr",
        "a@x.fr.",
        "a@xn--bcher-kva.ch",
        "a@foo.test",
        "a@home.arpa",
        "a" * 64 + "@x.fr",
        "a" * 65 + "@x.fr",
        "a@" + "b" * 63 + ".fr",
        "a@" + "b" * 64 + ".fr",
        "a@" + ".".join(["b" * 60] * 5) + ".fr",
        "a@1.2.3.4",
        "Jean.Dupré@société.fr",
    ],
)
def test_email_shortcut_on_edge_cases(text: str) -> None:
    assert fastcheck.email(text) == check_email(text)


DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=12)
SEPARATOR = st.sampled_from(["", " ", ".", "-", "  ", "/", "(", ")"])


@st.composite
def french_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["", "0", "+33", "+33 ", "0033", "+330", "+32", "00", "+"]))
    digits = draw(DIGITS)
    parts = [prefix]
    for digit in digits:
        parts.append(draw(SEPARATOR) if draw(st.booleans()) else "")
        parts.append(digit)
    return "".join(parts)


@st.composite
def plausible_french_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["0", "+33", "+33 ", "+33.", "+33-", "0033", "+330", "00"]))
    count = draw(st.sampled_from([8, 9, 9, 9, 10]))
    digits = draw(st.text(alphabet="0123456789", min_size=count, max_size=count))
    parts = [prefix]
    for digit in digits:
        parts.append(draw(st.sampled_from(["", "", " ", ".", "-"])))
        parts.append(digit)
    return draw(st.sampled_from(["", " "])) + "".join(parts)


@settings(max_examples=3000, deadline=None)
@given(plausible_french_numbers(), st.sampled_from(["FR", "BE"]))
def test_phone_shortcut_agrees_on_plausible_french_numbers(text: str, region: str) -> None:
    assert fastcheck.phone(text, region) == check_phone(text, region)


@settings(max_examples=3000, deadline=None)
@given(french_numbers(), st.sampled_from(["FR", "BE", "US"]))
def test_phone_shortcut_agrees_with_phonenumbers(text: str, region: str) -> None:
    assert fastcheck.phone(text, region) == check_phone(text, region)


@pytest.mark.parametrize(
    "text",
    ["01 42 68 53 00", "01.42.68.53.00", "0142685300", "+33 1 42 68 53 00", "+33142685300",
     "06-12-34-56-78", "0800 123 456", "00 42 68 53 00", "01 42 68 53 0", "01 42 68 53 000",
     " 01 42 68 53 00 ", "+33 (0)1 42 68 53 00", "09 99 99 99 99"],
)  # fmt: skip
def test_phone_shortcut_on_french_numbers(text: str) -> None:
    assert fastcheck.phone(text, "FR") == check_phone(text, "FR")
