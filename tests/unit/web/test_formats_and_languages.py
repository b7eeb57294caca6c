"""Dates, numbers and money as each language writes them; the language of a request; the
words for stored values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bascule.playbook.load import default_playbook
from bascule.web import formats, i18n, labels


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize(
    ("language", "day", "amount", "cents", "number", "moment"),
    [
        ("fr", "05/12/2026", "12 500 €", "12 500,50 €", "1 234,5", "05/12/2026 14:30"),
        ("en", "Dec 5, 2026", "€12,500", "€12,500.50", "1,234.5", "Dec 5, 2026, 2:30 PM"),
    ],
)
def test_formats_per_language(language, day, amount, cents, number, moment):
    instant = dt.datetime(2026, 12, 5, 13, 30, tzinfo=dt.UTC)
    assert formats.date(dt.date(2026, 12, 5), language) == day
    assert formats.date("2026-12-05", language) == day
    assert plain(formats.money(Decimal("12500.00"), "EUR", language)) == amount
    assert plain(formats.money(12500.5, "EUR", language)) == cents
    assert plain(formats.number(1234.5, language, 1)) == number
    assert plain(formats.datetime(instant, language, "Europe/Paris")) == moment
    assert formats.date(None, language) == formats.money(None, "EUR", language) == "—"


@pytest.mark.parametrize(
    ("query", "cookie", "header", "default", "chosen"),
    [
        ("en", "fr", "fr-FR", "fr", "en"),  # the address wins
        (None, "en", "fr-FR", "fr", "en"),  # then the cookie
        ("de", "xx", "en-GB,en;q=0.9,fr;q=0.8", "fr", "en"),  # then the browser
        (None, None, "de-DE, fr;q=0.3, en;q=0.7", "fr", "en"),  # by weight, not order
        (None, None, "de, it;q=0.5", "en", "en"),  # then the settings
        (None, None, "fr;q=0, de", "en", "en"),  # q=0 means "not this one"
        (None, None, None, "zz", "fr"),  # and French as the last resort
    ],
)
def test_the_language_of_a_request(query, cookie, header, default, chosen):
    assert i18n.choose(query, cookie, header, default) == chosen


def test_value_labels_come_from_the_playbook_then_the_catalogue():
    playbook = default_playbook()
    i18n.set_language("fr")
    assert labels.value_label(playbook, "source", "trade_show") == "Salon professionnel"
    assert labels.value_label(playbook, "outcome", "no_answer") == "Pas de réponse"
    assert labels.value_label(playbook, "rule", "mql_threshold") == "Seuil MQL"
    assert labels.value_label(playbook, "source", "a_new_source") == "a new source"
    assert labels.system_reason(playbook, "source: trade_show") == "source : Salon professionnel"
    assert labels.system_reason(playbook, "Rappeler jeudi") == "Rappeler jeudi"
    i18n.set_language("en")
    assert labels.value_label(playbook, "stage", "qualification") == "Advanced qualification"
    assert labels.system_reason(playbook, "undo of import #12") == "undo of import #12"
