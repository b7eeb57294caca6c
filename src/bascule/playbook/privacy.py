"""The ``[privacy]`` section of the playbook (SPEC §11, §18): the purposes a person may consent
to, and how long an unconverted lead without activity is kept before it is anonymised."""

from __future__ import annotations

from pydantic import Field, field_validator

from bascule.playbook.section import Key, Section


class Privacy(Section):
    """Consent purposes and the retention of unconverted leads (RGPD)."""

    retention_days: int = Field(default=1095, ge=30, le=36_500)
    """Calendar days without activity (no update, activity or signal) after which an
    unconverted lead is anonymised by the worker (``bascule privacy retention --dry-run``
    lists them first). Three years by default."""
    consent_purposes: tuple[Key, ...] = (
        "email_marketing",
        "phone_marketing",
        "events",
        "third_party_sharing",
    )
    """The purposes a lead or contact may consent to (``consents[].purpose``)."""
    webhooks_about_do_not_contact: bool = False
    """Send the webhooks of alerts about a person marked do-not-contact. Off by default: a
    webhook hands the person's data to another system, which may then contact them."""

    @field_validator("consent_purposes")
    @classmethod
    def _unique(cls, purposes: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(purposes)) != len(purposes):
            raise ValueError("purposes must be unique")
        return purposes
