"""The words of an alert, in French and English: a title for the app and the e-mail subject,
and a plain-text e-mail body. Pure: an unknown kind still reads well."""

from __future__ import annotations

from typing import Any

# kind -> (French, English); ``{lead_id}``-style fields come from the payload.
TITLES: dict[str, tuple[str, str]] = {
    "mql_reached": (
        "Lead #{lead_id} devenu MQL (score {score})",
        "Lead #{lead_id} reached MQL (score {score})",
    ),
    "opportunity_suggested": (
        "Opportunité suggérée pour le lead #{lead_id} ({form_type})",
        "Opportunity suggested for lead #{lead_id} ({form_type})",
    ),
    "upsell_suggested": (
        "Suggestion d'upsell sur le compte #{account_id} ({intent})",
        "Upsell suggested on account #{account_id} ({intent})",
    ),
    "conversion_overdue": (
        "Conversion en retard : lead #{lead_id}",
        "Conversion overdue: lead #{lead_id}",
    ),
    "sla_breached": (
        "SLA de premier contact dépassé : lead #{lead_id}",
        "First-response SLA breached: lead #{lead_id}",
    ),
    "sla_escalated": (
        "Escalade SLA : lead #{lead_id} toujours sans réponse",
        "SLA escalation: lead #{lead_id} still unanswered",
    ),
}
# The same kinds about an RFP's opportunity (its payload names an opportunity, no lead).
OPPORTUNITY_TITLES: dict[str, tuple[str, str]] = {
    "sla_breached": (
        "SLA de premier contact dépassé : opportunité #{opportunity_id}",
        "First-response SLA breached: opportunity #{opportunity_id}",
    ),
    "sla_escalated": (
        "Escalade SLA : opportunité #{opportunity_id} toujours sans réponse",
        "SLA escalation: opportunity #{opportunity_id} still unanswered",
    ),
}
GENERIC = ("Alerte {kind}", "Alert {kind}")
FOOTER = (
    "Alerte envoyée par Bascule. Clé : {key}",
    "Alert sent by Bascule. Key: {key}",
)


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _pick(pair: tuple[str, str], locale: str) -> str:
    return pair[0] if locale.startswith("fr") else pair[1]


def title(kind: str, payload: dict[str, Any], locale: str) -> str:
    pair = TITLES.get(kind, GENERIC)
    if "lead_id" not in payload and "opportunity_id" in payload:
        pair = OPPORTUNITY_TITLES.get(kind, pair)
    template = _pick(pair, locale)
    fields = _Fields({k: v for k, v in payload.items() if isinstance(v, str | int | float)})
    fields["kind"] = kind
    text = template.format_map(fields)
    return text.replace(" (?)", "").replace(" (score ?)", "")


def email_body(kind: str, payload: dict[str, Any], key: str, locale: str) -> str:
    lines = [title(kind, payload, locale), ""]
    lines += [f"{name}: {value}" for name, value in sorted(payload.items())]
    lines += ["", _pick(FOOTER, locale).format(key=key)]
    return "\n".join(lines) + "\n"
