"""Users: out of office and deactivation (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from bascule.api.schemas.common import Input, Output


class AwayBody(Input):
    """A date (the whole day, company time zone) or a date and time; ``until`` none: open."""

    from_: Annotated[str, Field(max_length=40)] | None = Field(default=None, alias="from")
    until: Annotated[str, Field(max_length=40)] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class UserRead(Output):
    id: int
    email: str
    name: str
    role: str
    team_id: int | None
    manager_id: int | None
    is_active: bool
    absent_from: datetime | None
    absent_until: datetime | None
    out_of_office: bool


class ReassignedLead(Output):
    lead_id: int
    owner_id: int | None
    reason: str


class DeactivationRead(Output):
    user: UserRead
    reassigned: list[ReassignedLead]
    unassigned: list[int]
    # Playbook fields still naming the user: field -> problem.
    playbook_names_user: dict[str, str]
