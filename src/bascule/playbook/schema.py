"""The playbook: the company's own rules, as one validated document.

Pure data: no I/O here. ``load.py`` reads TOML into these models; services receive a
``Playbook`` instance and never read a file themselves.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bascule.leads.vocabulary import LEAD_STATUSES
from bascule.playbook.access import Access
from bascule.playbook.analytics import Analytics
from bascule.playbook.privacy import Privacy
from bascule.playbook.routing import Routing, RoutingRule
from bascule.playbook.scoring import Scoring
from bascule.playbook.sla import Calendar, Sla, SlaRule

BUDGET_LEVELS = ("none", "range", "confirmed")
AUTHORITY_LEVELS = ("none", "influencer", "decision_maker")
MEDDIC_FIELDS = (
    "metrics",
    "economic_buyer",
    "decision_criteria",
    "decision_process",
    "identify_pain",
    "champion",
)


class Strict(BaseModel):
    # Attribute docstrings are the settings' descriptions (docs/playbook-reference.md).
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Label(Strict):
    """A name shown to people, in French and in English."""

    fr: str = Field(min_length=1)
    """The French label."""
    en: str = Field(min_length=1)
    """The English label."""

    def get(self, locale: str) -> str:
        return self.fr if locale.startswith("fr") else self.en


class General(Strict):
    """The company's currency, time zone, country and language."""

    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    """Currency of opportunity amounts (ISO 4217 code)."""
    timezone: str = "Europe/Paris"
    """The company's time zone."""
    country: str = Field(default="FR", pattern=r"^[A-Z]{2}$")
    """The company's country (ISO 3166 code)."""
    locale: Literal["fr", "en"] = "fr"
    """Default language of labels."""


class Stage(Strict):
    """A stage of the opportunity pipeline, in pipeline order: exactly one won stage, one lost
    stage and at least one open stage."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """The stage's key (API, history, reports); unique."""
    label: Label
    """The stage's name."""
    probability: int = Field(ge=0, le=100)
    """Probability of winning, in percent: weighted amount = amount × probability."""
    outcome: Literal["open", "won", "lost"] = "open"
    """Whether an opportunity in this stage is still open, won or lost."""


class Reason(Strict):
    """One entry of a list of choices (a type, a reason, a role, a source): unique keys, at
    least one entry."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """The entry's key (API, imports, reports); unique in its list."""
    label: Label
    """The entry's name."""


class ReadyToConvertRule(Strict):
    """What must be known before a lead is ready to convert (and must become an opportunity):
    with the bant framework, the four BANT settings; with meddic, ``meddic_required`` only."""

    need_confirmed: bool = True
    """BANT: the need must be confirmed."""
    budget_at_least: Literal["none", "range", "confirmed"] = "range"
    """BANT: the least budget answer needed ("none": any)."""
    timing_known: bool = True
    """BANT: the timing must be known (a horizon other than "unknown", or a date)."""
    authority_at_least: Literal["none", "influencer", "decision_maker"] = "none"
    """BANT: the least authority needed ("none": shown but optional)."""
    meddic_required: tuple[str, ...] = ("metrics", "economic_buyer", "identify_pain", "champion")
    """MEDDIC: the elements that must be filled in when the framework is meddic (metrics,
    economic_buyer, decision_criteria, decision_process, identify_pain, champion)."""

    @field_validator("meddic_required")
    @classmethod
    def _known_meddic(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in MEDDIC_FIELDS]
        if unknown:
            raise ValueError(f"unknown MEDDIC elements: {', '.join(unknown)}")
        return value


class Qualification(Strict):
    """How leads are qualified (SPEC §4)."""

    framework: Literal["bant", "meddic"] = "bant"
    """The qualification checklist that applies."""
    ready_to_convert: ReadyToConvertRule = ReadyToConvertRule()
    """When a lead is ready to convert."""


class Conversion(Strict):
    """Converting a lead into an opportunity (SPEC §4, §5)."""

    overdue_after_business_days: float = Field(default=2, gt=0)
    """A lead ready to convert for this many business days (on the business calendar) is
    flagged conversion_overdue and its owner and the owner's manager are alerted."""
    require_ready_to_convert: bool = True
    """Enforce the switch: a lead is converted only once it is ready to convert (otherwise
    422 not_ready_to_convert with the missing criteria)."""
    default_stage: str = "qualification"
    """Stage of a new opportunity (conversion, API, RFP) when none is given (an open
    stage)."""
    default_type: str = "new_business"
    """Type of a new opportunity when none is given (a support lead's conversion gives
    service)."""
    default_contact_role: str = "decision_maker"
    """Role of a contact attached to an opportunity without one (a contact role)."""
    company_match_threshold: int = Field(default=92, ge=50, le=100)
    """Similarity (50-100) from which two company names are taken as the same account."""


# SPEC §7: the public forms. What each one creates is a playbook setting (``intake.forms``).
FORM_TYPES = (
    "content_download",
    "demo_request",
    "contact_expert",
    "pricing_request",
    "rfp",
    "support_request",
    "freemium_signup",
)


class IntakeForm(Strict):
    """What a submission of one public form type creates."""

    creates: Literal["lead", "opportunity"] = "lead"
    """A lead, or an opportunity directly (only the rfp form carries a project, a budget and a
    date)."""
    source: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """The lead source (one of ``lead_sources``)."""
    kind: Literal["sales", "support_service"] = "sales"
    """The lead's kind (a support lead never becomes a product sale)."""
    temperature: Literal["hot", "warm", "cold"] | None = None
    """The temperature a new lead starts with; a known lead is warmed up, never cooled down."""
    strong_signal: bool = False
    """An "opportunity suggested" alert for the lead's owner (once per lead, form type and
    day; SPEC §8)."""
    commercial_intent: bool = False
    """From a customer's contact: an upsell suggestion and an alert for the account owner;
    otherwise an activity on the account only (SPEC §6)."""


DEFAULT_INTAKE_FORMS: dict[str, dict[str, object]] = {
    "content_download": {"source": "content_download"},
    "demo_request": {
        "source": "demo_request",
        "temperature": "hot",
        "strong_signal": True,
        "commercial_intent": True,
    },
    "contact_expert": {
        "source": "web_form",
        "temperature": "hot",
        "strong_signal": True,
        "commercial_intent": True,
    },
    "pricing_request": {"source": "web_form", "strong_signal": True, "commercial_intent": True},
    "rfp": {"creates": "opportunity", "source": "rfp", "commercial_intent": True},
    "support_request": {"source": "web_form", "kind": "support_service"},
    "freemium_signup": {"source": "freemium_signup"},
}


class Intake(Strict):
    """The public forms (SPEC §7)."""

    forms: dict[str, IntakeForm] = Field(
        default_factory=lambda: {
            k: IntakeForm.model_validate(v) for k, v in DEFAULT_INTAKE_FORMS.items()
        }
    )
    """What each form type creates. A playbook lists the forms it changes; the others keep
    their defaults."""

    @field_validator("forms", mode="before")
    @classmethod
    def _known_forms(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        unknown = [k for k in value if k not in FORM_TYPES]
        if unknown:
            raise ValueError(
                f"unknown form types {', '.join(map(str, unknown))}; known: {', '.join(FORM_TYPES)}"
            )
        return {**DEFAULT_INTAKE_FORMS, **value}

    def form(self, form_type: str) -> IntakeForm:
        return self.forms[form_type]


# SPEC §8: how alerts reach people beyond the app (e-mail, webhooks), and how hard to retry.
ALERT_KIND = r"^([a-z][a-z0-9_]*|\*)$"


class Webhook(Strict):
    """An endpoint that receives the alerts of the kinds it subscribes to, signed with its
    secret (HMAC-SHA256). The secret is best kept out of the playbook: ``secret_env`` names an
    environment variable of the worker that holds it."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=60)
    """The webhook's name (delivery log, alerts deliveries); unique."""
    url: str = Field(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2000)
    """Where each alert is POSTed."""
    secret: SecretStr | None = Field(default=None, min_length=16, max_length=500)
    """The signing secret itself (16+ characters); shown as ``**********`` when the playbook
    is read back (``GET /api/v1/playbook``) but stored in the playbook text. Give this or
    ``secret_env``."""
    secret_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """The environment variable of the worker that holds the signing secret. Give this or
    ``secret``."""
    kinds: tuple[str, ...] = ()
    """Alert kinds sent to this endpoint (``mql_reached``...); ``"*"`` or none: every kind."""
    enabled: bool = True
    """Off: the webhook receives nothing."""

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [k for k in value if not re.match(ALERT_KIND, k)]
        if bad:
            raise ValueError(f"not alert kinds: {', '.join(bad)}")
        return value

    @model_validator(mode="after")
    def _one_secret(self) -> Webhook:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError("give exactly one of secret or secret_env")
        return self

    def wants(self, kind: str) -> bool:
        return self.enabled and (not self.kinds or "*" in self.kinds or kind in self.kinds)


class Alerts(Strict):
    """How alerts reach people beyond the app, and how hard to retry (SPEC §8). Every alert
    is shown in-app to its recipient; ``bascule worker`` sends the e-mails and webhook
    calls."""

    email: bool = True
    """E-mail each alert to its recipient (when ``BASCULE_SMTP_URL`` is set)."""
    max_attempts: int = Field(default=8, ge=1, le=100)
    """Attempts of one e-mail or webhook delivery before it becomes a dead letter."""
    backoff_seconds: float = Field(default=30, gt=0, le=86_400)
    """Wait before the first retry, doubled at each further failure."""
    backoff_max_seconds: float = Field(default=3600, gt=0, le=7 * 86_400)
    """The longest wait between two attempts (at least ``backoff_seconds``)."""
    timeout_seconds: float = Field(default=5, gt=0, le=60)
    """Connect and read timeout of one webhook call or SMTP exchange (each)."""
    webhooks: tuple[Webhook, ...] = ()
    """Endpoints that receive alerts (names unique)."""

    @model_validator(mode="after")
    def _consistent(self) -> Alerts:
        names = [w.name for w in self.webhooks]
        if len(set(names)) != len(names):
            raise ValueError("webhooks: names must be unique")
        if self.backoff_max_seconds < self.backoff_seconds:
            raise ValueError("backoff_max_seconds: must be at least backoff_seconds")
        return self


class Playbook(Strict):
    """The company's rules as one validated, versioned document."""

    version: int = 1
    """The version of the document's format."""
    name: str = "default"
    """A name for this playbook (shown with its stored version)."""
    general: General = General()
    """Currency, time zone, country, language."""
    lead_status_labels: dict[str, Label]
    """A label for each lead status: new, contacted, nurturing, mql, sql, converted,
    disqualified (the statuses themselves are fixed)."""
    stages: tuple[Stage, ...]
    """The opportunity pipeline, in order."""
    opportunity_types: tuple[Reason, ...]
    """Opportunity types."""
    loss_reasons: tuple[Reason, ...]
    """Why an opportunity was lost (required to move it to the lost stage)."""
    disqualification_reasons: tuple[Reason, ...]
    """Why a lead was disqualified."""
    contact_roles: tuple[Reason, ...]
    """Roles of a contact on an opportunity."""
    lead_sources: tuple[Reason, ...]
    """Where leads come from."""
    qualification: Qualification = Qualification()
    """Qualification framework and the ready-to-convert rule."""
    conversion: Conversion = Conversion()
    """Conversion defaults and the mandatory-conversion delay."""
    intake: Intake = Intake()
    """The public forms."""
    alerts: Alerts = Alerts()
    """E-mail and webhook delivery of alerts."""
    scoring: Scoring = Scoring()
    """The rule score."""
    calendar: Calendar = Calendar()
    """The business calendar."""
    sla: Sla = Sla()
    """First-response deadlines and failed attempts."""
    routing: Routing = Routing()
    """Who owns a new lead."""
    analytics: Analytics = Analytics()
    """Report settings: when a lead or an opportunity counts as stalled."""
    privacy: Privacy = Privacy()
    """Consent purposes and the retention of unconverted leads (RGPD)."""
    access: Access = Access()
    """Who reads and who edits which records."""

    @model_validator(mode="after")
    def _consistent(self) -> Playbook:
        missing = [s for s in LEAD_STATUSES if s not in self.lead_status_labels]
        if missing:
            raise ValueError(f"lead_status_labels: missing labels for {', '.join(missing)}")
        unknown = [s for s in self.lead_status_labels if s not in LEAD_STATUSES]
        if unknown:
            raise ValueError(f"lead_status_labels: unknown statuses {', '.join(unknown)}")
        keys = [s.key for s in self.stages]
        if len(set(keys)) != len(keys):
            raise ValueError("stages: stage keys must be unique")
        outcomes = [s.outcome for s in self.stages]
        if outcomes.count("won") != 1 or outcomes.count("lost") != 1:
            raise ValueError("stages: exactly one won stage and one lost stage are required")
        if "open" not in outcomes:
            raise ValueError("stages: at least one open stage is required")
        for field in (
            "opportunity_types",
            "loss_reasons",
            "disqualification_reasons",
            "contact_roles",
            "lead_sources",
        ):
            values = [r.key for r in getattr(self, field)]
            if len(set(values)) != len(values):
                raise ValueError(f"{field}: keys must be unique")
            if not values:
                raise ValueError(f"{field}: at least one entry is required")
        strange = [k for k in self.analytics.stall_days if k not in (*LEAD_STATUSES, *keys)]
        if strange:
            raise ValueError(f"analytics.stall_days: not a status or stage: {', '.join(strange)}")
        if self.conversion.default_stage not in keys:
            raise ValueError("conversion.default_stage: not a stage of this playbook")
        if self.stage(self.conversion.default_stage).outcome != "open":
            raise ValueError("conversion.default_stage: must be an open stage")
        if self.conversion.default_type not in self.type_keys:
            raise ValueError("conversion.default_type: not an opportunity type of this playbook")
        if self.conversion.default_contact_role not in {r.key for r in self.contact_roles}:
            raise ValueError("conversion.default_contact_role: not a contact role")
        for form_type, form in self.intake.forms.items():
            where = f"intake.forms.{form_type}"
            if form.source not in self.lead_source_keys:
                raise ValueError(f"{where}.source: not a lead source of this playbook")
            if form.creates == "opportunity" and form_type != "rfp":
                raise ValueError(
                    f"{where}.creates: only the rfp form carries what an opportunity needs"
                )
        for form_type in self.scoring.forms:
            if form_type not in FORM_TYPES:
                raise ValueError(
                    f"scoring.forms.{form_type}: not a form type ({', '.join(FORM_TYPES)})"
                )
        rules: list[tuple[str, int, SlaRule | RoutingRule]]
        rules = [("sla.rules", i, r) for i, r in enumerate(self.sla.rules)]
        rules += [("routing.rules", i, r) for i, r in enumerate(self.routing.rules)]
        for section, index, rule in rules:
            where = f"{section}.{index}"
            for form_type in rule.form_types:
                if form_type not in FORM_TYPES:
                    raise ValueError(f"{where}.form_types: {form_type!r} is not a form type")
            for source in rule.sources:
                if source not in self.lead_source_keys:
                    raise ValueError(f"{where}.sources: {source!r} is not a lead source")
        return self

    # Convenience look-ups used by the pure rules.
    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        raise KeyError(key)

    @property
    def stage_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages)

    @property
    def open_stage_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.stages if s.outcome == "open")

    @property
    def won_stage(self) -> str:
        return next(s.key for s in self.stages if s.outcome == "won")

    @property
    def lost_stage(self) -> str:
        return next(s.key for s in self.stages if s.outcome == "lost")

    @property
    def type_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.opportunity_types)

    @property
    def loss_reason_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.loss_reasons)

    @property
    def disqualification_reason_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.disqualification_reasons)

    @property
    def contact_role_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.contact_roles)

    @property
    def lead_source_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.lead_sources)
