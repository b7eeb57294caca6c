"""The ``[scoring]`` section of the playbook (SPEC §8): points, decay, caps, bands, MQL.

Pure data, validated where it is read: a signal type the product does not send, a half-life
that is not positive, employee bands or score bands that overlap or are out of order are
refused with the field at fault (``scoring.signals.page_vue``, ``scoring.bands.warm``...).
``bascule.scoring.rules`` applies it; ``default.toml`` documents every setting and holds the
same values as the defaults below.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bascule.playbook.section import KEY_PATTERN, Key, Section
from bascule.signals.model import SIGNAL_TYPES

Points = Annotated[int, Field(ge=-100, le=100)]
Words = Annotated[str, StringConstraints(min_length=1, max_length=80)]


class SignalRule(Section):
    """Points for one kind of behaviour: each signal is worth ``points`` when it happens, half
    that after ``half_life_days``, a quarter after twice as long...; ``cap`` bounds what
    all the signals of this kind add up to (none: no bound)."""

    points: float = Field(ge=0, le=100)
    """Points of one signal when it happens."""
    cap: float | None = Field(default=None, ge=0, le=100)
    """The most all the signals of this kind add up to (not set: no bound)."""
    half_life_days: float | None = Field(default=None, gt=0, le=3650)
    """This kind's own half-life (not set: the section's ``half_life_days``)."""


class EmployeeBand(Section):
    """Company size from ``min`` to ``max`` employees (both included; no max: and above)."""

    min: int = Field(ge=0)
    """The smallest company in the band (employees)."""
    max: int | None = Field(default=None, ge=0)
    """The largest company in the band, included (not set: and above)."""
    points: Points
    """Points of a lead whose company is in the band."""


class Matcher(Section):
    """A seniority level, job function, sector or technology, recognised by words or phrases
    (French and English) in the lead's field, case and accents ignored. First match wins."""

    key: Key
    """The level, function, sector or technology (named in the score's reasons); unique in
    its list."""
    points: Points
    """Points of a lead it matches."""
    words: tuple[Words, ...] = Field(min_length=1)
    """Words or phrases that recognise it, matched whole."""


class Bands(Section):
    """Score bands: hot from ``hot``, warm from ``warm`` (below ``hot``), else cold."""

    hot: int = Field(default=70, ge=1, le=100)
    """A score from this one up is hot."""
    warm: int = Field(default=40, ge=1, le=100)
    """A score from this one up (and below hot) is warm."""

    @model_validator(mode="after")
    def _ordered(self) -> Bands:
        if self.warm >= self.hot:
            raise ValueError(f"warm: must be below hot ({self.hot}), got {self.warm}")
        return self


def _rule(points: float, cap: float | None = None) -> SignalRule:
    return SignalRule(points=points, cap=cap)


DEFAULT_SIGNALS: dict[str, SignalRule] = {
    "page_view": _rule(1, 10),
    "email_open": _rule(1, 4),
    "email_click": _rule(4, 12),
    "form_submit": _rule(6, 12),
    "content_download": _rule(8, 16),
    "pricing_view": _rule(6, 18),
    "product_login": _rule(2, 10),
    "feature_used": _rule(2, 10),
    "seats_used": _rule(2, 6),
    "seat_limit_reached": _rule(16, 16),
}
# A ``form_submit`` naming one of these forms (``properties.form_type``) scores as that form.
DEFAULT_FORMS: dict[str, SignalRule] = {
    "demo_request": _rule(24, 24),
    "contact_expert": _rule(24, 24),
    "pricing_request": _rule(16, 16),
    "rfp": _rule(30, 30),
    "support_request": _rule(0, 0),
    "freemium_signup": _rule(10, 10),
}


def _matchers(*rows: tuple[str, int, str]) -> tuple[Matcher, ...]:
    return tuple(
        Matcher(key=key, points=points, words=tuple(w.strip() for w in words.split(",")))
        for key, points, words in rows
    )


DEFAULT_EMPLOYEES = (
    EmployeeBand(min=1, max=9, points=0),
    EmployeeBand(min=10, max=49, points=3),
    EmployeeBand(min=50, max=249, points=6),
    EmployeeBand(min=250, points=10),
)
DEFAULT_SENIORITY = _matchers(
    ("executive", 10, "ceo, pdg, president, presidente, directeur general, directrice generale, "
     "dg, chief, cto, cio, cfo, cmo, coo, cro, founder, co founder, cofounder, fondateur, "
     "fondatrice, cofondateur, cofondatrice, gerant, gerante, owner, managing director"),
    ("director", 8, "directeur, directrice, director, dsi, daf, drh, head of, head, vp, "
     "vice president, vice presidente, svp, evp"),
    ("manager", 5, "responsable, manager, chef, cheffe, team lead, lead, superviseur, "
     "superviseuse, supervisor"),
    ("junior", -5, "stagiaire, intern, internship, alternant, alternante, apprenti, apprentie, "
     "etudiant, etudiante, student"),
)  # fmt: skip
DEFAULT_FUNCTIONS = _matchers(
    ("it", 5, "dsi, cto, cio, it, informatique, systemes d information, information systems, "
     "information technology, technique, technical, infrastructure"),
    ("sales", 6, "commercial, commerciale, commerciaux, ventes, vente, sales, business "
     "development, cro, revenue, account, grands comptes, avant vente, presales"),
    ("marketing", 6, "marketing, cmo, communication, growth, demand generation, acquisition"),
    ("general_management", 6, "ceo, pdg, president directeur general, directeur general, "
     "directrice generale, dg, founder, co founder, cofounder, fondateur, fondatrice, cofondateur, "
     "cofondatrice, gerant, gerante, owner, managing director"),
    ("purchasing", 3, "achats, achat, acheteur, acheteuse, purchasing, procurement, buyer"),
    ("finance", 3, "daf, cfo, finance, financier, financiere, comptable, accounting, controller, "
     "controle de gestion"),
    ("operations", 2, "operations, coo, logistique, logistics, supply chain, production"),
    ("hr", 0, "drh, rh, ressources humaines, human resources, hr, people"),
)  # fmt: skip
DEFAULT_SECTORS = _matchers(
    ("software", 6, "software, logiciel, logiciels, saas, editeur, esn, ssii, it services, "
     "services informatiques, informatique, numerique, digital"),
    ("business_services", 5, "conseil, consulting, services aux entreprises, business "
     "services, agence, agency"),
    ("industry", 5, "industry, industrie, industriel, manufacturing, fabrication"),
    ("retail", 4, "retail, distribution, commerce, negoce, wholesale, e commerce"),
    ("logistics", 4, "logistics, logistique, transport"),
    ("banking", 4, "banking, banque, assurance, insurance, finance, financial services"),
    ("energy", 3, "energy, energie, utilities"),
    ("health", 3, "health, sante, pharma, pharmaceutique, medical"),
    ("public", 1, "public, administration, collectivite, government, secteur public"),
)  # fmt: skip
DEFAULT_COUNTRIES = {"FR": 4, "BE": 3, "CH": 3, "LU": 3, "MC": 3, "CA": 2}
DEFAULT_TECHNOLOGIES = _matchers(
    ("crm", 4, "salesforce, hubspot, dynamics, pipedrive, zoho, sellsy, axonaut, odoo, "
     "sugarcrm, monday"),
    ("spreadsheet", 3, "excel, google sheets, tableur, spreadsheet, spreadsheets"),
)  # fmt: skip


def _known(value: Any, known: frozenset[str] | tuple[str, ...], what: str) -> None:
    if isinstance(value, dict):
        for name in value:
            if name not in known:
                # "<name>: ..." - the loader appends the name to the location.
                raise ValueError(
                    f"{name}: unknown {what}; known: {', '.join(sorted(known))}"
                    if re.fullmatch(KEY_PATTERN, str(name))
                    else f"unknown {what} {name!r}; known: {', '.join(sorted(known))}"
                )


class Scoring(Section):
    """A score from 0 to 100 with the reasons that add up to it (SPEC §8): what the lead is
    (company size, job title, sector, country, technology) plus what it does (signals,
    decaying with time). Run ``bascule score recompute`` after changing it."""

    enabled: bool = True
    """Off: nothing is scored (signals and leads are stored as usual)."""
    half_life_days: float = Field(default=30, gt=0, le=3650)
    """A signal is worth half its points after this many days, a quarter after twice as
    long..."""
    horizon_half_lives: int = Field(default=8, ge=1, le=30)
    """Signals older than this many half-lives are not read (at 8: under 0.4 % of their
    points)."""
    mql_threshold: int = Field(default=50, ge=1, le=100)
    """A lead in new, contacted or nurturing whose score reaches it becomes an MQL (history
    actor: the rule ``mql_threshold``) and its owner is alerted."""
    bands: Bands = Bands()
    """Score bands; scoring warms a lead's temperature up to its band, never cools it
    down."""
    signals: dict[str, SignalRule] = Field(default_factory=lambda: dict(DEFAULT_SIGNALS))
    """Behaviour: points per signal type. A type left out keeps its default."""
    forms: dict[str, SignalRule] = Field(default_factory=lambda: dict(DEFAULT_FORMS))
    """A form submission (a public form, or ``form_submit`` with ``properties.form_type``)
    scores as its form. A form left out keeps its default."""
    employees: tuple[EmployeeBand, ...] = DEFAULT_EMPLOYEES
    """Company size bands, from the smallest companies up, without overlap; a size in no band
    scores nothing."""
    seniority: tuple[Matcher, ...] = DEFAULT_SENIORITY
    """Seniority read from the job title; the first level whose words appear counts."""
    functions: tuple[Matcher, ...] = DEFAULT_FUNCTIONS
    """Job function read from the job title; the first function whose words appear counts."""
    sectors: tuple[Matcher, ...] = DEFAULT_SECTORS
    """Sector; the first entry whose words appear in the lead's sector counts."""
    countries: dict[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")], Points] = Field(
        default_factory=lambda: dict(DEFAULT_COUNTRIES)
    )
    """Points per country of the lead (ISO code); other countries score nothing."""
    technologies: tuple[Matcher, ...] = DEFAULT_TECHNOLOGIES
    """Technology in use; the first entry whose words appear in the lead's technology
    counts."""
    strong_signals: tuple[str, ...] = ("seat_limit_reached",)
    """Signal types that raise an "opportunity suggested" alert, once per lead, kind and day
    (forms: ``intake.forms.<type>.strong_signal``)."""
    trial_pricing_view: bool = True
    """The pricing page seen by someone on a free trial is a strong signal."""
    strong_signal_max_age_hours: int = Field(default=48, ge=1, le=24 * 365)
    """Strong signals older than this (a backfill) raise no alert."""

    @field_validator("signals", mode="before")
    @classmethod
    def _known_signals(cls, value: Any) -> Any:
        _known(value, SIGNAL_TYPES, "signal type")
        # A playbook lists the signals it changes; the others keep their defaults.
        return {**DEFAULT_SIGNALS, **value} if isinstance(value, dict) else value

    @field_validator("forms", mode="before")
    @classmethod
    def _merge_forms(cls, value: Any) -> Any:
        # Form types are checked against the intake forms by the playbook itself.
        return {**DEFAULT_FORMS, **value} if isinstance(value, dict) else value

    @field_validator("strong_signals")
    @classmethod
    def _known_strong(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in SIGNAL_TYPES]
        if unknown:
            known = ", ".join(sorted(SIGNAL_TYPES))
            raise ValueError(f"unknown signal types {', '.join(unknown)}; known: {known}")
        return value

    @field_validator("employees")
    @classmethod
    def _bands_in_order(cls, value: tuple[EmployeeBand, ...]) -> tuple[EmployeeBand, ...]:
        for i, band in enumerate(value):
            if band.max is not None and band.max < band.min:
                raise ValueError(f"{i}.max: below its min ({band.min})")
            if i == 0:
                continue
            before = value[i - 1]
            if before.max is None or band.min <= before.max:
                upto = "and above" if before.max is None else f"to {before.max}"
                raise ValueError(
                    f"{i}.min: overlaps band {i - 1} ({before.min} {upto}): bands go "
                    "from the smallest companies up and do not overlap"
                )
        return value

    @field_validator("seniority", "functions", "sectors", "technologies")
    @classmethod
    def _unique_keys(cls, value: tuple[Matcher, ...]) -> tuple[Matcher, ...]:
        keys = [m.key for m in value]
        for i, key in enumerate(keys):
            if key in keys[:i]:
                raise ValueError(f"{i}.key: {key!r} is listed twice")
        return value

    def half_life(self, rule: SignalRule) -> float:
        return rule.half_life_days or self.half_life_days
