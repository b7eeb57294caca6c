"""The ``[access]`` section of the playbook (SPEC §18): who reads and who edits which records.

Each role gets a *scope* per kind of record, one to read and one to edit:

- ``all``: every record;
- ``team``: the records of everyone in the user's team, plus what ``own`` gives;
- ``own``: the records the user owns, those of the people they manage (directly, or as their
  team's manager, and down the line: a role hierarchy as in Salesforce), the leads nobody owns
  in their team's queue (and in the queues of the teams they manage), and the accounts and
  contacts nobody owns;
- ``none``: nothing.

An edit scope wider than the read scope gives nothing more: a record one may not read is not
found. ``hide_opportunity_amounts`` lists the roles that read opportunities without their
amounts (and without the amounts of reports)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from bascule.playbook.section import Section

Scope = Literal["all", "team", "own", "none"]
ENTITIES = ("lead", "opportunity", "account", "contact")
ROLES = ("admin", "sales_ops", "marketing", "sdr", "sales", "account_manager")


class Grant(Section):
    """What one role reads and edits of one kind of record."""

    read: Scope = "own"
    """Which records of this kind the role reads."""
    edit: Scope = "own"
    """Which of them it may change (never more than it reads)."""


class RoleAccess(Section):
    """A role's scopes for each kind of record."""

    lead: Grant = Grant()
    """Leads."""
    opportunity: Grant = Grant()
    """Opportunities."""
    account: Grant = Grant(read="all")
    """Accounts."""
    contact: Grant = Grant(read="all")
    """Contacts."""

    def grant(self, entity: str) -> Grant:
        found: Grant = getattr(self, entity)
        return found


EVERYTHING = RoleAccess(
    lead=Grant(read="all", edit="all"),
    opportunity=Grant(read="all", edit="all"),
    account=Grant(read="all", edit="all"),
    contact=Grant(read="all", edit="all"),
)
SELLER = RoleAccess()
MARKETING = RoleAccess(
    lead=Grant(read="all", edit="own"),
    opportunity=Grant(read="all", edit="none"),
    account=Grant(read="all", edit="none"),
    contact=Grant(read="all", edit="none"),
)


def _default_roles() -> dict[str, RoleAccess]:
    return {
        "admin": EVERYTHING,
        "sales_ops": EVERYTHING,
        "marketing": MARKETING,
        "sdr": SELLER,
        "sales": SELLER,
        "account_manager": SELLER,
    }


class Access(Section):
    """Who reads and who edits which records (SPEC §18)."""

    roles: dict[str, RoleAccess] = Field(default_factory=_default_roles)
    """A role (admin, sales_ops, marketing, sdr, sales, account_manager) and its scopes, for
    ``lead``, ``opportunity``, ``account`` and ``contact``, each ``{read, edit}`` one of
    ``all``, ``team``, ``own``, ``none``. A role not listed keeps its default."""
    hide_opportunity_amounts: tuple[str, ...] = ("marketing",)
    """Roles that read opportunities without their amounts."""
    managers_see_their_people: bool = True
    """A manager reads and edits, within ``own`` and ``team``, the records of the people they
    manage, down the line (Salesforce's "grant access using hierarchies")."""
    unrouted_team: str | None = Field(default=None, min_length=1, max_length=120)
    """The team (by name) whose queue holds a new lead that no routing rule places and nobody
    owns; not set: such a lead is seen only by the roles that read every lead."""

    @model_validator(mode="after")
    def _known_roles(self) -> Access:
        unknown = sorted(
            {r for r in self.roles if r not in ROLES}
            | {r for r in self.hide_opportunity_amounts if r not in ROLES}
        )
        if unknown:
            raise ValueError(f"unknown roles {', '.join(unknown)}: one of {', '.join(ROLES)}")
        return self

    def of(self, role: str) -> RoleAccess:
        """The scopes of ``role`` (its default when the playbook does not list it)."""
        return self.roles.get(role) or _default_roles().get(role, SELLER)
