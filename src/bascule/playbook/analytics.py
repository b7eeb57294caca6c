"""The ``[analytics]`` section of the playbook (SPEC §10, §16): when a record counts as stalled.

A lead or opportunity is *stalled* in an open status or stage when it has been in it for longer
than its threshold: ``stall_days`` for that status or stage key if given, else the pipeline's
default (``lead_stall_days`` or ``opportunity_stall_days``). Calendar days, as the stage-time
report measures stays in calendar hours.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bascule.playbook.section import Key, Section

Days = Annotated[float, Field(gt=0, le=3650)]


class Analytics(Section):
    """Report settings: when a lead or an opportunity counts as stalled."""

    lead_stall_days: Days = 14
    """Calendar days in an open lead status after which a lead counts as stalled."""
    opportunity_stall_days: Days = 30
    """Calendar days in an open stage after which an opportunity counts as stalled."""
    stall_days: dict[Key, Days] = Field(default_factory=dict)
    """A threshold per status or stage key (``sql = 5``, ``proposal = 21``), overriding the
    pipeline's; the keys must be statuses or stages of this playbook."""

    def stall_after_days(self, pipeline: Literal["lead", "opportunity"], key: str) -> float:
        default = self.lead_stall_days if pipeline == "lead" else self.opportunity_stall_days
        return self.stall_days.get(key, default)
