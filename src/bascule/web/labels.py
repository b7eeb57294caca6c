"""Words for the values the records hold (keys such as ``trade_show`` or ``no_answer``): one
place for every page, in the reader's language.

Values the playbook names (statuses, stages, sources, loss and disqualification reasons,
opportunity types, contact roles) take the playbook's ``{fr, en}`` labels: they are the
company's words. The others come from the gettext catalogues below. A key nobody named yet
is shown as itself, spaces for underscores, rather than hidden."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from jinja2 import pass_context

from bascule.playbook.schema import Playbook, Reason, Stage
from bascule.web.i18n import N_, _, language

CATALOGUE: dict[str, dict[str, str]] = {
    "temperature": {"hot": N_("Hot"), "warm": N_("Warm"), "cold": N_("Cold")},
    "lead_kind": {"sales": N_("Sales"), "support_service": N_("Support or service")},
    "activity_kind": {
        "call": N_("Call"), "email": N_("E-mail"), "meeting": N_("Meeting"), "note": N_("Note"),
        "task": N_("Task"), "signal": N_("Signal"),
    },
    "outcome": {
        "reached": N_("Reached"), "no_answer": N_("No answer"), "voicemail": N_("Voicemail"),
        "bounced": N_("Bounced"), "meeting_booked": N_("Meeting booked"),
        "replied": N_("Replied"), "sent": N_("Sent"), "done": N_("Done"), "other": N_("Other"),
    },
    "history_kind": {
        "creation": N_("Created"), "progress": N_("Progress"),
        "disqualification": N_("Disqualified"), "recycling": N_("Recycled"),
        "requalification": N_("Handed back to marketing"), "signal": N_("Signal"),
        "conversion_overdue": N_("Conversion overdue"), "conversion": N_("Converted"),
    },
    "role": {
        "admin": N_("Administrator"), "sales_ops": N_("Sales operations"),
        "marketing": N_("Marketing"), "sdr": N_("Sales development (SDR)"),
        "sales": N_("Sales representative"), "account_manager": N_("Account manager"),
    },
    # Rules of the playbook that act on records (history's "by"), and the SLA rules of the
    # default playbook: a company adding its own keeps them as written.
    "rule": {
        "intake": N_("Intake forms"), "mql_threshold": N_("MQL threshold"),
        "score_band": N_("Score band"), "failed_attempts": N_("Failed contact attempts"),
        "conversion_deadline": N_("Conversion deadline"), "routing": N_("Routing"),
        "contact_expert": N_("Contact an expert"), "demo_request": N_("Demo request"),
        "pricing_request": N_("Pricing request"), "support_request": N_("Support request"),
        "rfp": N_("Request for proposal"),
    },
    "sla_status": {
        "on_time": N_("On time"), "due_soon": N_("Due soon"), "breached": N_("Breached"),
        "answered": N_("Answered"), "none": N_("No deadline"),
    },
    "budget": {"none": N_("No budget"), "range": N_("Budget range"),
               "confirmed": N_("Confirmed budget")},
    "authority": {"none": N_("Unknown"), "influencer": N_("Influencer"),
                  "decision_maker": N_("Decision maker")},
    "horizon": {"now": N_("Now"), "3_months": N_("Within 3 months"),
                "6_months": N_("Within 6 months"), "12_months": N_("Within 12 months"),
                "unknown": N_("Unknown")},
    "band": {"hot": N_("Hot"), "warm": N_("Warm"), "cold": N_("Cold")},
    "signal": {
        "page_view": N_("Page view"), "email_open": N_("E-mail opened"),
        "email_click": N_("E-mail link clicked"), "form_submit": N_("Form submitted"),
        "content_download": N_("Content downloaded"), "pricing_view": N_("Pricing page viewed"),
        "product_login": N_("Product sign-in"), "feature_used": N_("Feature used"),
        "seats_used": N_("Seats used"), "seat_limit_reached": N_("Seat limit reached"),
    },
    "suggestion_status": {"open": N_("Open"), "converted": N_("Turned into an opportunity"),
                          "dismissed": N_("Dismissed")},
    "import_status": {"running": N_("Running"), "done": N_("Done"), "failed": N_("Failed"),
                      "undone": N_("Undone")},
    "import_outcome": {"created": N_("New lead"), "updated": N_("Completes a lead"),
                       "rejected": N_("Rejected")},
    # What an audit row says was done (``audit_log.action``); others are shown as written.
    "audit_action": {
        "create": N_("Created"), "update": N_("Edited"), "stage": N_("Stage changed"),
        "qualify": N_("Qualified"), "assign": N_("Assigned"), "consent": N_("Consent"),
        "merge": N_("Merged"), "became_customer": N_("Became a customer"),
        "status:progress": N_("Status changed"), "status:conversion": N_("Converted"),
        "status:disqualification": N_("Disqualified"), "status:recycling": N_("Recycled"),
        "status:requalification": N_("Handed back to marketing"), "warm_up": N_("Warmed up"),
        "lead_attached": N_("Lead attached"), "erase": N_("Erased"),
        "import_merge": N_("Completed by an import"), "import_undo": N_("Import undone"),
    },
}  # fmt: skip


def _playbook_labels(playbook: Playbook, kind: str) -> dict[str, Any]:
    if kind == "status":
        return dict(playbook.lead_status_labels)
    groups: dict[str, tuple[Stage | Reason, ...]] = {
        "stage": playbook.stages,
        "source": playbook.lead_sources,
        "loss_reason": playbook.loss_reasons,
        "disqualification_reason": playbook.disqualification_reasons,
        "opportunity_type": playbook.opportunity_types,
        "contact_role": playbook.contact_roles,
    }
    return {item.key: item.label for item in groups.get(kind, ())}


def humanise(key: str) -> str:
    return key.replace("_", " ")


def value_label(playbook: Playbook | None, kind: str, key: str | None) -> str:
    """The reader's word for ``key`` of ``kind`` (``"source"``, ``"outcome"``...)."""
    if key is None or key == "":
        return "—"
    if playbook is not None:
        named = _playbook_labels(playbook, kind).get(key)
        if named is not None:
            return str(named.get(language()))
    message = CATALOGUE.get(kind, {}).get(key)
    return _(message) if message else humanise(key)


@pass_context
def label(context: Any, kind: str, key: str | None) -> str:
    """Template form: ``{{ label("source", lead.source) }}`` (the page's playbook)."""
    return value_label(context.get("playbook"), kind, key)


# --- reasons written by the system -----------------------------------------------------------
# History rows written by rules carry a short English reason; these are shown in the reader's
# language. Anything else (a person's own words, a routing explanation) is shown as written.

_Reason = Callable[[re.Match[str], Playbook | None], str]
SYSTEM_REASONS: tuple[tuple[re.Pattern[str], _Reason], ...] = (
    (re.compile(r"^source: (?P<key>[a-z0-9_]+)$"),
     lambda m, p: _("source: {source}").format(source=value_label(p, "source", m["key"]))),
    (re.compile(r"^form (?P<key>[a-z0-9_]+)$"),
     lambda m, p: _("form {form}").format(form=value_label(p, "rule", m["key"]))),
    (re.compile(r"^score (?P<total>-?\d+) \((?P<band>[a-z_]+)\)$"),
     lambda m, p: _("score {total} ({band})").format(
         total=m["total"], band=value_label(p, "band", m["band"]))),
    (re.compile(r"^import #(?P<id>\d+)$"),
     lambda m, p: _("import #{number}").format(number=m["id"])),
    (re.compile(r"^undo of import #(?P<id>\d+)$"),
     lambda m, p: _("undo of import #{number}").format(number=m["id"])),
    (re.compile(r"^RFP received$"), lambda m, p: _("Request for proposal received")),
    (re.compile(r"^first outbound$"), lambda m, p: _("first outbound contact")),
    (re.compile(r"^(?P<n>\d+) failed contact attempts? \((?P<outcomes>[a-z_, ]+)\)$"),
     lambda m, p: _("{count} failed contact attempts in a row").format(count=m["n"])),
    (re.compile(r"^given to (?P<email>\S+) by (?P<who>[^:]+)(?:: (?P<why>.*))?$"),
     lambda m, p: _("given to {email} by {name}").format(email=m["email"], name=m["who"])
     + (f": {m['why']}" if m["why"] else "")),
    (re.compile(r"^unassigned by (?P<who>[^:]+)(?:: (?P<why>.*))?$"),
     lambda m, p: _("unassigned by {name}").format(name=m["who"])
     + (f": {m['why']}" if m["why"] else "")),
    (re.compile(r"^score (?P<total>\d+) reached the MQL threshold \((?P<threshold>\d+)\)$"),
     lambda m, p: _("score {total} reached the MQL threshold ({threshold})").format(
         total=m["total"], threshold=m["threshold"])),
)  # fmt: skip


def system_reason(playbook: Playbook | None, text: str | None) -> str:
    if not text:
        return ""
    for pattern, words in SYSTEM_REASONS:
        found = pattern.match(text)
        if found:
            return words(found, playbook)
    return text


@pass_context
def reason(context: Any, text: str | None) -> str:
    """Template form: ``{{ system_reason(row.reason) }}``."""
    return system_reason(context.get("playbook"), text)
