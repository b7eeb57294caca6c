"""What an import does with parsed rows: lead values, file-wide settings, deduplication. Pure.

    rules = FileRules.build(playbook_sources, file_format="csv", tag="Salon", ...)
    chunk = plan_chunk(rows, rules)      # rows of the file -> candidates, in-file duplicates merged
    changes = enrichment(lead_values, candidate)   # what an existing lead gains (never a blank)

A *candidate* is one future lead: the first row that names a person, plus the later rows of
the same chunk that name the same person again (same external id, else same e-mail), merged
into it field by field: a value already there is kept, a missing one is filled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bascule.accounts.model import normalise_email
from bascule.imports.consent_columns import answers_of
from bascule.imports.enumerated import value_key
from bascule.imports.history import LEAD_HISTORY_FIELDS
from bascule.imports.rows import FileFormat, ParsedRow
from bascule.imports.values import EXTERNAL_ID, LEAD_FIELDS

# Lead columns an import fills: the file's lead fields and external_id; tags are apart.
LEAD_COLUMNS = (*(f for f in LEAD_FIELDS if f != "tags"), EXTERNAL_ID)
# What an import may fill on an existing lead: blanks only, never the source it came from.
ENRICHABLE = tuple(c for c in LEAD_COLUMNS if c != "source")
DEFAULT_SOURCE = {"vcard": "trade_show", "csv": "other"}
# Source values of common exports (Salesforce's standard picklist, French CRMs) that mean one
# of the default playbook's sources. A playbook's own keys and labels are always understood.
SOURCE_SYNONYMS = {
    "web": "web_form",
    "website": "web_form",
    "site_web": "web_form",
    "formulaire": "web_form",
    "phone_inquiry": "inbound_call",
    "appel_entrant": "inbound_call",
    "partner_referral": "referral",
    "employee_referral": "referral",
    "external_referral": "referral",
    "word_of_mouth": "referral",
    "bouche_a_oreille": "referral",
    "recommandation": "referral",
    "tradeshow": "trade_show",
    "salon": "trade_show",
    "salon_professionnel": "trade_show",
    "purchased": "purchased_list",
    "liste_achetee": "purchased_list",
    "fichier_achete": "purchased_list",
    "advertisement": "paid_campaign",
    "pay_per_click_ads": "paid_campaign",
    "ppc": "paid_campaign",
    "publicite": "paid_campaign",
    "white_paper": "content_download",
    "livre_blanc": "content_download",
    "demo": "demo_request",
    "demande_de_demo": "demo_request",
    "free_trial": "freemium_signup",
    "trial": "freemium_signup",
    "freemium": "freemium_signup",
    "appel_d_offres": "rfp",
    "autre": "other",
}
# How many distinct unknown values of a field a report lists (a file may hold millions).
MAX_LISTED_VALUES = 50


# "Partner Referral" -> "partner_referral": file values are compared as value maps compare them.
source_key = value_key


@dataclass(frozen=True)
class FileRules:
    """The settings of one import, resolved against the playbook."""

    tag: str | None
    temperature: str | None
    source: str  # for rows whose own source is missing or unknown
    sources: Mapping[str, str]  # source_key(text) -> playbook key
    source_column: str  # where an unknown source value is kept in the lead's attributes
    consent_purposes: tuple[str, ...] = ()  # the playbook's (``consent_columns``)

    @staticmethod
    def build(
        playbook_sources: Iterable[tuple[str, Iterable[str]]],
        *,
        file_format: FileFormat,
        tag: str | None = None,
        temperature: str | None = None,
        source: str | None = None,
        source_column: str | None = None,
        source_values: Mapping[str, str] | None = None,
        consent_purposes: Sequence[str] = (),
    ) -> FileRules:
        """`playbook_sources`: (key, labels) of each lead source of the playbook. `source` must
        be one of the keys (checked by the caller). `source_values`: the person's value map
        for sources ({value_key(file value): key}), which wins over every other reading."""
        sources: dict[str, str] = dict(source_values or {})
        keys: list[str] = []
        for key, labels in playbook_sources:
            keys.append(key)
            sources.setdefault(source_key(key), key)
            for label in labels:
                sources.setdefault(source_key(label), key)
        for synonym, key in SOURCE_SYNONYMS.items():
            if key in keys:
                sources.setdefault(synonym, key)
        default = source or DEFAULT_SOURCE[file_format]
        if default not in keys:
            default = "other" if "other" in keys else keys[0]
        return FileRules(
            tag=tag_name(tag) if tag else None,
            temperature=temperature,
            source=default,
            sources=sources,
            source_column=source_column or "source",
            consent_purposes=tuple(consent_purposes),
        )


def tag_name(text: str) -> str:
    """Tags are stored lower-cased and trimmed, as the lead API stores them."""
    return " ".join(text.split()).lower()


@dataclass(slots=True)
class Candidate:
    """One future lead (or one update of an existing lead) and the rows it comes from."""

    number: int  # the first row naming this person
    fields: dict[str, Any]  # LEAD_COLUMNS with a value
    tags: list[str]
    attributes: dict[str, str]
    email_key: str | None
    external_id: str | None
    merged: list[int] = field(default_factory=list)  # later rows of the chunk, merged in
    # enumerated field -> the row's text that means none of its values (source, temperature)
    unknown: dict[str, str] = field(default_factory=dict)
    # The row's past (SPEC §16): status, dates, owner... (`history.LEAD_HISTORY_FIELDS`)
    history: dict[str, Any] = field(default_factory=dict)
    # The person's answers per purpose (SPEC §18): {purpose: (granted, when or None)}
    consents: dict[str, tuple[bool, datetime | None]] = field(default_factory=dict)

    @property
    def numbers(self) -> list[int]:
        return [self.number, *self.merged]

    @property
    def unknown_source(self) -> str | None:
        return self.unknown.get("source")


@dataclass(slots=True)
class ChunkPlan:
    """A chunk of rows: the candidates, the rows refused by the parser, the field problems."""

    candidates: list[Candidate]
    rejected: list[ParsedRow]
    # (row number, field, reason, row rejected): every problem to store for the chunk
    problems: list[tuple[int, str, str, bool]]
    rows: int


def candidate(row: ParsedRow, rules: FileRules) -> Candidate:
    """The lead a good row makes: its own values first, then the file's tag, temperature and
    source; unmapped columns (and a source value the playbook does not know) as attributes."""
    values = row.values
    fields: dict[str, Any] = {k: values[k] for k in LEAD_COLUMNS if k in values}
    attributes = dict(row.extra)
    for key, text in row.extra.items():
        if "\x00" in text:  # PostgreSQL stores no NUL in text
            attributes[key] = text.replace("\x00", "\ufffd")
    unknown = dict(row.unknown) if row.unknown else {}
    given = fields.get("source")
    resolved = rules.sources.get(source_key(given)) if isinstance(given, str) else None
    if resolved is None:
        if isinstance(given, str):
            unknown["source"] = given
            attributes.setdefault(rules.source_column, given)
        resolved = rules.source
    fields["source"] = resolved
    if "temperature" not in fields and rules.temperature:
        fields["temperature"] = rules.temperature
    tags = [rules.tag] if rules.tag else []
    for name in _list(values.get("tags")):
        if (tag := tag_name(name)) and tag not in tags:
            tags.append(tag)
    external_id = fields.get(EXTERNAL_ID)
    return Candidate(
        number=row.number,
        fields=fields,
        tags=tags,
        attributes=attributes,
        email_key=normalise_email(fields.get("email")),
        external_id=external_id if isinstance(external_id, str) else None,
        unknown=unknown,
        history={k: values[k] for k in LEAD_HISTORY_FIELDS if k in values},
        consents=answers_of(values, rules.consent_purposes) if rules.consent_purposes else {},
    )


def _list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def merge(into: Candidate, other: Candidate) -> None:
    """Fold a later row of the same person into a candidate: blanks filled, nothing replaced.
    The e-mail is left to the caller, who knows whether another person already uses it."""
    for name, value in other.fields.items():
        if name != "email" and name not in into.fields:
            into.fields[name] = value
    for tag in other.tags:
        if tag not in into.tags:
            into.tags.append(tag)
    for key, text in other.attributes.items():
        into.attributes.setdefault(key, text)
    for name, value in other.history.items():
        into.history.setdefault(name, value)
    for purpose, answer in other.consents.items():
        into.consents.setdefault(purpose, answer)
    if into.external_id is None and other.external_id is not None:
        into.external_id = other.external_id
    into.merged.extend(other.numbers)


def plan_chunk(rows: Sequence[ParsedRow], rules: FileRules) -> ChunkPlan:
    """Candidates for a chunk of rows, duplicates within the chunk merged (external id first,
    then e-mail); rows refused by the parser set apart; every problem listed with its row."""
    candidates: list[Candidate] = []
    by_external: dict[str, Candidate] = {}
    by_email: dict[str, Candidate] = {}
    rejected: list[ParsedRow] = []
    problems: list[tuple[int, str, str, bool]] = []
    for row in rows:
        bad = row.rejected
        for name, reason in row.errors:
            problems.append((row.number, name, reason, bad))
        if bad:
            rejected.append(row)
            continue
        new = candidate(row, rules)
        same = None
        if new.external_id is not None:
            same = by_external.get(new.external_id)
        if same is None and new.email_key is not None:
            # Same e-mail, same person (SPEC §7), even under two ids of the source system.
            same = by_email.get(new.email_key)
        if same is None:
            candidates.append(new)
            if new.external_id is not None:
                by_external[new.external_id] = new
            if new.email_key is not None:
                by_email[new.email_key] = new
            continue
        if new.external_id is not None and same.external_id not in (None, new.external_id):
            reason = (
                f"{new.external_id!r} not kept: row {same.number}, the same person (same "
                f"e-mail), has the external id {same.external_id!r}"
            )
            problems.append((row.number, "external_id", reason, False))
        if new.email_key is not None and new.email_key != same.email_key:
            email = new.fields["email"]
            if new.email_key in by_email:
                owner = by_email[new.email_key].number
                problems.append((row.number, "email", _shared_email(email, owner), False))
            elif same.email_key is not None:
                reason = f"{email!r} not kept: row {same.number}, the same person, gave another"
                problems.append((row.number, "email", reason, False))
            else:
                same.fields["email"] = email
                same.email_key = new.email_key
                by_email[new.email_key] = same
        merge(same, new)
        if same.external_id is not None:
            by_external.setdefault(same.external_id, same)
    return ChunkPlan(candidates, rejected, problems, len(rows))


def _shared_email(email: str, row: int) -> str:
    return f"{email!r} not kept: it is the e-mail of another person, in row {row}"


def enrichment(current: Mapping[str, Any], new: Candidate) -> dict[str, Any]:
    """The fields an existing lead gains from a candidate: only those it has no value for."""
    return {
        name: new.fields[name]
        for name in ENRICHABLE
        if name in new.fields and current.get(name) in (None, "")
    }


@dataclass(frozen=True, slots=True)
class KnownLead:
    """An open lead that candidates of a chunk may name again: what matching needs of it."""

    id: int
    email_key: str | None
    external_id: str | None


@dataclass(frozen=True, slots=True)
class Match:
    """What becomes of one candidate: `customer` (a customer's contact: no lead, SPEC §6),
    `new` (a lead to create), `seen` (a dry run already counted this person in an earlier
    chunk), or `existing` (lead `lead_id` is enriched). For `existing`, `email_owner` is
    another lead holding the candidate's e-mail, which the lead therefore does not gain."""

    candidate: Candidate
    outcome: Literal["customer", "new", "seen", "existing"]
    lead_id: int | None = None
    customer: tuple[int, int] | None = None  # (contact id, account id)
    email_owner: int | None = None


def match_candidates(
    candidates: Sequence[Candidate],
    *,
    customers: Mapping[str, tuple[int, int]],
    leads: Iterable[KnownLead],
    seen: set[int] | None = None,
) -> list[Match]:
    """Which lead each candidate of a chunk is, in order.

    `customers`: e-mail key -> (contact id, account id) of customers' contacts among the
    chunk's e-mails; `leads`: the open leads with one of the chunk's e-mails or external ids
    (the oldest wins when two share one); `seen`: for a dry run, the `identity_keys` of the
    people earlier chunks would have created. A lead is found by external id first, then by
    e-mail; a lead without an e-mail gains the first candidate's that no other lead has, so a
    later row with that e-mail finds it too.
    """
    by_email: dict[str, int] = {}
    by_external: dict[str, int] = {}
    email_of: dict[int, str | None] = {}
    for lead in sorted(leads, key=lambda lead: lead.id):
        if lead.email_key:
            by_email.setdefault(lead.email_key, lead.id)
        if lead.external_id:
            by_external.setdefault(lead.external_id, lead.id)
        email_of[lead.id] = lead.email_key
    matches: list[Match] = []
    for c in candidates:
        if c.email_key is not None and c.email_key in customers:
            matches.append(Match(c, "customer", customer=customers[c.email_key]))
            continue
        lead_id = by_external.get(c.external_id) if c.external_id else None
        if lead_id is None and c.email_key:
            lead_id = by_email.get(c.email_key)
        if lead_id is None:
            again = seen is not None and any(key in seen for key in identity_keys(c))
            matches.append(Match(c, "seen" if again else "new"))
            continue
        owner = None
        if c.email_key and not email_of[lead_id]:
            owner = by_email.get(c.email_key)
            if owner is None:
                email_of[lead_id] = c.email_key
                by_email[c.email_key] = lead_id
        matches.append(Match(c, "existing", lead_id, email_owner=owner))
    return matches


def identity_keys(c: Candidate) -> list[int]:
    """What says two candidates of one file are one person: the external id, the e-mail."""
    keys = []
    if c.external_id:
        keys.append(hash(("x", c.external_id)))
    if c.email_key:
        keys.append(hash(("e", c.email_key)))
    return keys


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """[3, 4, 5, 9] -> [[3, 5], [9, 9]]: created leads listed compactly in the audit trail."""
    ranges: list[list[int]] = []
    for value in sorted(ids):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1][1] = value
        else:
            ranges.append([value, value])
    return ranges
