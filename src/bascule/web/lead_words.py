"""The lead page's words: the choices of its forms, what the qualification still lacks, the
predictive model's features, the rules and alerts of the timeline, in the reader's language."""

from __future__ import annotations

from typing import Any

from bascule.alerts import messages
from bascule.leads.lead_page import LeadPage
from bascule.playbook.schema import MEDDIC_FIELDS, Playbook
from bascule.playbook.sla import ACTIVITY_OUTCOMES
from bascule.storage import tables as t
from bascule.web.i18n import N_, _
from bascule.web.labels import value_label

MEDDIC = {
    "metrics": N_("Metrics"),
    "economic_buyer": N_("Economic buyer"),
    "decision_criteria": N_("Decision criteria"),
    "decision_process": N_("Decision process"),
    "identify_pain": N_("Identified pain"),
    "champion": N_("Champion"),
}
# The predictive model's features (``scoring.predictive_features``): the lead's fields, its
# signal counts (``signals.<type>``) and the columns an import kept under their own names.
FEATURES = {
    "source": N_("Source"),
    "campaign": N_("Campaign"),
    "kind": N_("Kind"),
    "sector": N_("Sector"),
    "country": N_("Country"),
    "technology": N_("Technology in use"),
    "temperature": N_("Temperature"),
    "employees": N_("Employees"),
    "job_title": N_("Job title"),
    "tags": N_("Tags"),
}
LABELLED_FEATURES = {"source": "source", "temperature": "temperature", "kind": "lead_kind"}
SIGNALS = "signals."
ROUTING = "routing:"


def missing(playbook: Playbook, key: str) -> str:
    """What the ready-to-convert rule waits for (``leads.model.missing_for_conversion``)."""
    rule = playbook.qualification.ready_to_convert
    if key.startswith("meddic."):
        name = key.split(".", 1)[1]
        return _(MEDDIC.get(name, name))
    if key == "budget":
        level = value_label(playbook, "budget", rule.budget_at_least)
        return _("A budget of at least: {level}").format(level=level)
    if key == "authority":
        level = value_label(playbook, "authority", rule.authority_at_least)
        return _("Authority of at least: {level}").format(level=level)
    words = {"need": N_("A confirmed need"), "timing": N_("A known timing")}
    return _(words[key]) if key in words else key


def feature(name: str) -> str:
    if name.startswith(SIGNALS):
        return _("Signals: {kind}").format(kind=value_label(None, "signal", name[len(SIGNALS) :]))
    return _(FEATURES[name]) if name in FEATURES else name


def feature_value(playbook: Playbook, name: str, value: str) -> str:
    kind = LABELLED_FEATURES.get(name)
    return value_label(playbook, kind, value) if kind else value


def rule(playbook: Playbook, key: str) -> str:
    if key.startswith(ROUTING):
        return _("Routing") + f" ({key[len(ROUTING) :]})"
    return value_label(playbook, "rule", key)


def context(page: LeadPage, playbook: Playbook, locale: str) -> dict[str, Any]:
    """What the template needs besides the page's data."""
    current = page.lead.owner_id
    owners = [(p.id, p.name) for p in page.people if p.active or p.id == current]
    reasons = [(r.key, value_label(playbook, "disqualification_reason", r.key))
               for r in playbook.disqualification_reasons]  # fmt: skip

    def alert_title(alert: t.Outbox) -> str:
        return messages.title(alert.kind, alert.payload, locale)

    return {
        "outcomes": [(k, value_label(playbook, "outcome", k)) for k in ACTIVITY_OUTCOMES],
        "meddic_fields": [(name, _(MEDDIC[name])) for name in MEDDIC_FIELDS],
        "status_choices": [(s, value_label(playbook, "status", s)) for s in page.next_statuses],
        "disqualification_choices": reasons,
        "owner_choices": owners,
        "missing_label": lambda key: missing(playbook, key),
        "feature_label": feature,
        "feature_value": lambda name, value: feature_value(playbook, name, str(value)),
        "rule_label": lambda key: rule(playbook, key),
        "alert_title": alert_title,
    }
