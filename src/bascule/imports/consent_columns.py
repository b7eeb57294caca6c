"""Consent columns of a lead file (SPEC §18): a person's answers per purpose, as exports write
them. Pure.

The purposes are the playbook's (``[privacy] consent_purposes``), so the fields are made for
them; for each purpose ``p``:

    consent_p      yes/no (granted or refused); a date means granted on that day
    consent_p_at   when the answer was given (a date alone: granted then)
    opt_out_p      yes: refused (Salesforce's "Email Opt Out", ``HasOptedOutOfEmail``;
                   HubSpot's "Unsubscribed from all email"); no: nothing is recorded, as
                   not having unsubscribed is no consent

An opt-out of e-mail is a refusal of e-mail marketing, not ``do_not_contact``: the person
still hears from their salesperson. ``DoNotCall`` and "Do Not Contact" fill
``do_not_contact`` (``mapping``). Headers are compared as ``mapping.normalise_header``
compares them; the headers below name the default playbook's purposes, and a playbook's own
purpose is found by its field names ("consent_newsletter", "Consent newsletter").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bascule.imports.history import clean_bool, clean_date
from bascule.imports.mapping import ColumnDecision, decide_columns, normalise_header
from bascule.imports.rows import FieldValue
from bascule.imports.values import clean_fields, is_blank, is_undecodable, lost_as_not_text, shown

ANSWER, WHEN, OPT_OUT = "consent_", "_at", "opt_out_"
_PREFIXES = ("contact", "lead")

# Purpose -> (headers of a yes meaning granted, of a yes meaning refused, of the date).
_HEADERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "email_marketing": (
        (
            "Opt-in newsletter", "Newsletter opt-in", "Email opt-in", "E-mail opt-in",
            "Opt-in email", "Opt-in e-mail", "Email Opt In", "Marketing email consent",
            "Email marketing consent", "Consentement email", "Consentement e-mail",
            "Consentement newsletter", "Consentement emailing", "Accepte les emails",
            "Accepte la newsletter", "Abonné à la newsletter", "Inscrit à la newsletter",
        ),
        (
            "HasOptedOutOfEmail", "Email Opt Out", "Email Opt-Out", "Opted out of email",
            "Unsubscribed from all email", "Unsubscribed from all emails", "hs_email_optout",
            "Opt-out email", "Opt-out e-mail", "Désabonné", "Désabonné des emails",
            "Désinscrit", "Désinscrit des emails", "Refus email", "Refus emailing",
        ),
        (
            "Email opt-in date", "Opt-in date", "Newsletter opt-in date", "Date opt-in",
            "Date d'opt-in", "Date du consentement email", "Date de consentement email",
        ),
    ),
    "phone_marketing": (
        ("Phone opt-in", "SMS opt-in", "Opt-in téléphone", "Opt-in SMS",
         "Consentement téléphone", "Consentement SMS"),
        ("Phone opt-out", "SMS opt-out", "Opt-out téléphone", "Opt-out SMS", "Refus téléphone"),
        ("Phone opt-in date", "Date opt-in téléphone"),
    ),
    "events": (
        ("Events opt-in", "Event invitations", "Opt-in événements", "Invitations événements",
         "Consentement événements"),
        ("Events opt-out", "Opt-out événements"),
        (),
    ),
    "third_party_sharing": (
        ("Partner opt-in", "Third party opt-in", "Third-party opt-in", "Opt-in partenaires",
         "Partage partenaires", "Consentement partenaires"),
        ("Partner opt-out", "Third party opt-out", "Opt-out partenaires"),
        (),
    ),
}  # fmt: skip


def fields_for(purposes: Sequence[str]) -> tuple[str, ...]:
    """The file fields of these purposes, three per purpose."""
    return tuple(f for p in purposes for f in (ANSWER + p, ANSWER + p + WHEN, OPT_OUT + p))


def headers_for(purposes: Sequence[str]) -> dict[str, str]:
    """{normalised header: field} for these purposes: their field names, "<purpose> consent",
    "<purpose> opt out", and the headers of the exports above."""
    found: dict[str, str] = {}
    for purpose in purposes:
        answer, when, out = ANSWER + purpose, ANSWER + purpose + WHEN, OPT_OUT + purpose
        named = {answer: answer, when: when, out: out, f"{purpose}_consent": answer,
                 f"{purpose}_opt_in": answer, f"{purpose}_opt_out": out,
                 f"{purpose}_consent_date": when}  # fmt: skip
        granted, refused, dated = _HEADERS.get(purpose, ((), (), ()))
        named |= {h: answer for h in granted} | {h: out for h in refused}
        named |= {h: when for h in dated}
        for header, field in named.items():
            found.setdefault(normalise_header(header), field)
    return found


def field_of(header: str, table: Mapping[str, str]) -> str | None:
    key = normalise_header(header)
    if key in table:
        return table[key]
    for prefix in _PREFIXES:
        rest = key.removeprefix(prefix)
        if rest != key and rest in table:
            return table[rest]
    return None


Decide = Callable[
    [Sequence[str], Sequence[Sequence[str]], Mapping[str, str | None]], list[ColumnDecision]
]


def decide_for(purposes: Sequence[str]) -> Decide:
    """How a lead file's columns are read, consent columns included: a column the lead
    fields leave unrecognised fills the consent field its header names (the first such
    column of a field; a field the person mapped is not guessed again)."""
    table = headers_for(purposes)

    def decide(
        headers: Sequence[str],
        samples: Sequence[Sequence[str]],
        explicit: Mapping[str, str | None],
    ) -> list[ColumnDecision]:
        decisions = decide_columns(headers, samples, explicit=explicit)
        filled = {d.field for d in decisions if d.field is not None}
        for index, d in enumerate(decisions):
            field = field_of(d.column, table) if d.how == "unrecognised" else None
            if field is None:
                continue
            if field in filled:
                note = f"may mean {field}, which another column fills"
                decisions[index] = ColumnDecision(d.column, None, "unrecognised", note)
                continue
            filled.add(field)
            exact = normalise_header(d.column) == normalise_header(field)
            decisions[index] = ColumnDecision(d.column, field, "exact" if exact else "alias")
        return decisions

    return decide


Clean = Callable[..., tuple[dict[str, FieldValue], list[tuple[str, str]]]]


def clean_for(purposes: Sequence[str]) -> Clean:
    """``values.clean_fields`` and the consent fields of these purposes."""
    consent_fields = frozenset(fields_for(purposes))

    def clean(
        texts: Mapping[str, str], **options: Any
    ) -> tuple[dict[str, FieldValue], list[tuple[str, str]]]:
        lead = {k: v for k, v in texts.items() if k not in consent_fields}
        values, errors = clean_fields(lead, **options)
        day_first = bool(options.get("day_first", True))
        for field, text in texts.items():
            if field not in consent_fields or is_blank(text):
                continue
            if is_undecodable(text):
                errors.append((field, lost_as_not_text(field, text)))
                continue
            for name, value, problem in clean_consent(field, text, day_first=day_first):
                if problem:
                    errors.append((name, problem))
                elif value is not None:
                    values.setdefault(name, value)
        return values, errors

    return clean


def clean_consent(
    field: str, text: str, *, day_first: bool = True
) -> list[tuple[str, FieldValue | None, str | None]]:
    """(field, value, problem) read from one consent cell: an answer is a yes or no; a
    date in an answer column is a yes given that day."""
    if field.endswith(WHEN) and field.startswith(ANSWER):
        at, problem = clean_date(text, day_first=day_first)
        return [(field, at, f"{shown(text)} is not a date" if problem else None)]
    answer, _ = clean_bool(text)
    if answer is not None:
        return [(field, answer, None)]
    if field.startswith(ANSWER):
        at, problem = clean_date(text, day_first=day_first)
        if at is not None and problem is None:
            return [(field, True, None), (field + WHEN, at, None)]
    return [(field, None, f"{shown(text)} is not yes or no (true/false, 1/0, oui/non)")]


def answers_of(
    values: Mapping[str, Any], purposes: Sequence[str]
) -> dict[str, tuple[bool, datetime | None]]:
    """{purpose: (granted, when)} of a row's values. The consent column wins over the
    opt-out column; a date alone is a consent given that day. An opt-out left at "no" says
    nothing: not having unsubscribed is no consent (RGPD: consent is a clear yes)."""
    found: dict[str, tuple[bool, datetime | None]] = {}
    for purpose in purposes:
        answer = values.get(ANSWER + purpose)
        out = values.get(OPT_OUT + purpose)
        at = values.get(ANSWER + purpose + WHEN)
        when = at if isinstance(at, datetime) else None
        if isinstance(answer, bool):
            found[purpose] = (answer, when)
        elif out is True:
            found[purpose] = (False, when)
        elif when is not None and out is not False:
            found[purpose] = (True, when)
    return found
