"""The ``[routing]`` section of the playbook (SPEC §9): who owns a new lead.

Rules are tried in order and the first whose conditions all match wins: a territory
(``countries``), a segment (``employees_min``/``employees_max``), ``sources``, ``form_types``,
``kinds``. A rule gives the lead to one ``owner`` (a user's e-mail) or round-robin within a
``team`` (by name), with optional ``weights`` per member e-mail; members who are inactive or
out of office are skipped. No rule matching, or nobody available: ``fallback_owner``.

Teams and users live in the database: the file alone is checked here (shape, ranges, unique
keys); ``bascule.routing.check`` checks the names against the database, which
``bascule playbook check`` and ``apply`` both do.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from bascule.playbook.section import Key, Section, unique_keys

Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$", max_length=254)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class RoutingRule(Section):
    """A rule matches when every condition it gives holds; it names one owner or one
    team."""

    # The round-robin counters are kept per rule key (routing_counter.rule, 40 characters).
    key: Annotated[Key, Field(max_length=40)]
    """The rule's key (history actor ``routing:<key>``, round-robin counters); unique."""
    countries: tuple[Country, ...] = ()
    """Territory: the lead's country is one of these (ISO codes)."""
    employees_min: int | None = Field(default=None, ge=0)
    """Segment: the company has at least this many employees."""
    employees_max: int | None = Field(default=None, ge=0)
    """Segment: the company has at most this many employees."""
    sources: tuple[str, ...] = ()
    """The lead's source is one of these."""
    form_types: tuple[str, ...] = ()
    """The form the lead came from is one of these."""
    kinds: tuple[Literal["sales", "support_service"], ...] = ()
    """The lead's kind is one of these."""
    team: str | None = Field(default=None, min_length=1, max_length=120)
    """Round-robin over this team's active members who are not out of office (give this or
    owner)."""
    owner: Email | None = None
    """This user (e-mail) gets the lead (give this or team)."""
    weights: dict[Email, int] = Field(default_factory=dict)
    """Share of each team member (e-mail = 1 to 100; a member not listed: 1)."""

    @model_validator(mode="after")
    def _one_target(self) -> RoutingRule:
        if (self.team is None) == (self.owner is None):
            raise ValueError("team: give exactly one of team, owner")
        if self.weights and self.team is None:
            raise ValueError("weights: only a team rule has weights")
        if (
            self.employees_min is not None
            and self.employees_max is not None
            and self.employees_max < self.employees_min
        ):
            raise ValueError("employees_max: below employees_min")
        return self

    @field_validator("weights")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [email for email, weight in value.items() if not 1 <= weight <= 100]
        if bad:
            raise ValueError(f"weights are whole numbers from 1 to 100: {', '.join(bad)}")
        return value


class Routing(Section):
    """Who owns a new lead (SPEC §9): forms, leads created through the API or imported
    without an owner, and the open leads of a user who is deactivated."""

    enabled: bool = True
    """Off: new leads are not routed."""
    rules: tuple[RoutingRule, ...] = ()
    """Tried in order; the first whose conditions all hold wins."""
    fallback_owner: Email | None = None
    """When no rule matches or nobody in the team is available (not set: unassigned)."""

    _unique_keys = field_validator("rules")(unique_keys)
