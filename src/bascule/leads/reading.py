"""A lead as it is read (SPEC §13.1): what is not on its row, computed when it is shown.

The API's ``LeadRead`` takes every other field from the row itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bascule.playbook.schema import Playbook
from bascule.sla import service as sla
from bascule.storage import tables as t


def computed(lead: t.Lead, tags: list[str], *, now: datetime, playbook: Playbook) -> dict[str, Any]:
    """Tags (their own table), ``sla_status`` (needs the clock and the playbook's business
    calendar), the explanation never null, the predictive score as one object."""
    return {
        "tags": tags,
        "score_explanation": lead.score_explanation or [],
        "sla_status": sla.status_of(lead, now=now, playbook=playbook),
        "predicted_conversion": predicted_conversion(lead),
    }


def predicted_conversion(lead: t.Lead) -> dict[str, Any] | None:
    """The predictive score (``bascule model train``), None until a model scored the lead."""
    if lead.conversion_probability is None:
        return None
    return {
        "probability": lead.conversion_probability,
        "reasons": lead.conversion_reasons or [],
        "model_version": lead.conversion_model_version,
    }
