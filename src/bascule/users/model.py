"""Users, roles and who may do what (SPEC §11). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bascule.errors import Forbidden


class Role(StrEnum):
    ADMIN = "admin"
    SALES_OPS = "sales_ops"
    MARKETING = "marketing"
    SDR = "sdr"
    SALES = "sales"
    ACCOUNT_MANAGER = "account_manager"


ALL = frozenset(Role)
SELLERS = frozenset({Role.SDR, Role.SALES, Role.ACCOUNT_MANAGER, Role.ADMIN, Role.SALES_OPS})

# Actions guarded by role. Anything not listed is open to every authenticated user.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "lead.write": ALL,
    # Accepting a lead (sql) and converting it is the salesperson's call (SPEC §2).
    "lead.accept": SELLERS,
    "lead.convert": SELLERS,
    "opportunity.write": SELLERS,
    "account.write": ALL,
    "contact.write": ALL,
    "playbook.apply": frozenset({Role.ADMIN, Role.SALES_OPS}),
    "user.manage": frozenset({Role.ADMIN}),
    # The public forms' keys, like API tokens: credentials, the admin's.
    "form.manage": frozenset({Role.ADMIN}),
    # A person's whole file, and its erasure (SPEC §18): the admin's, audited.
    "privacy.export": frozenset({Role.ADMIN}),
    "privacy.erase": frozenset({Role.ADMIN}),
}


@dataclass(frozen=True)
class Actor:
    """Who did something: a user, or a rule of the playbook (user_id None)."""

    user_id: int | None
    role: Role | None = None
    rule: str | None = None
    name: str = ""

    @staticmethod
    def for_rule(rule: str) -> Actor:
        return Actor(user_id=None, role=None, rule=rule, name=f"rule:{rule}")


def require(actor: Actor, action: str) -> None:
    if actor.role is None:  # rules and system jobs act on behalf of the playbook
        return
    allowed = PERMISSIONS.get(action, ALL)
    if actor.role not in allowed:
        raise Forbidden(
            f"role {actor.role.value} may not do {action}",
            fields={"role": f"requires one of {', '.join(sorted(r.value for r in allowed))}"},
        )
