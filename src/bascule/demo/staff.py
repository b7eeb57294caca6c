"""The demo team: every role, in teams with managers, taking leads in turn. Pure."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from bascule.demo.people import slug
from bascule.demo.records import DemoUser

DEMO_DOMAIN = "bascule-demo.fr"
# (name, role, team, manager's name). Managers come before the people they manage.
STAFF = (
    ("Nathalie Roux", "admin", None, None),
    ("Julien Bernard", "sales_ops", "Direction commerciale", "Nathalie Roux"),
    ("Sophie Laurent", "marketing", "Marketing", "Julien Bernard"),
    ("Thomas Petit", "sdr", "Avant-vente (SDR)", "Julien Bernard"),
    ("Inès Moreau", "sdr", "Avant-vente (SDR)", "Julien Bernard"),
    ("Hugo Garnier", "sdr", "Avant-vente (SDR)", "Julien Bernard"),
    ("Camille Fontaine", "sales", "Ventes", "Julien Bernard"),
    ("Antoine Mercier", "sales", "Ventes", "Julien Bernard"),
    ("Léa Chevalier", "sales", "Ventes", "Julien Bernard"),
    ("Claire Dubois", "account_manager", "Comptes clés", "Julien Bernard"),
    ("Maxime Lambert", "account_manager", "Comptes clés", "Julien Bernard"),
)


def staff_email(name: str) -> str:
    return f"{slug(name, '.')}@{DEMO_DOMAIN}"


class Staff:
    """The demo users, and round-robin assignment within a role."""

    def __init__(self) -> None:
        self.users = [
            DemoUser(staff_email(name), name, role, team, staff_email(boss) if boss else None)
            for name, role, team, boss in STAFF
        ]
        by_role: dict[str, list[str]] = {}
        for user in self.users:
            by_role.setdefault(user.role, []).append(user.email)
        self.admin = by_role["admin"][0]
        self.marketer = by_role["marketing"][0]
        # Sales ops hands the form leads to the SDRs (the playbook routes none of them).
        self.dispatcher = by_role["sales_ops"][0]
        self._turns: dict[str, Iterator[str]] = {
            role: itertools.cycle(emails) for role, emails in by_role.items()
        }

    def next(self, role: str) -> str:
        """The next person of this role, in turn."""
        return next(self._turns[role])
