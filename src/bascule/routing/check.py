"""The routing section's names against the database: teams and users live there, not in the
playbook file, so ``bascule playbook check`` and ``apply`` ask here before a version is used.

Refused, with the field at fault: an unknown team (``routing.rules.0.team``), an unknown or
inactive user as a rule's owner or the fallback owner, a weight for an unknown or inactive
user or for someone who is not a member of the rule's team (``routing.rules.0.weights.<e-mail>``).
"""

from __future__ import annotations

from bascule.errors import PlaybookInvalid
from bascule.playbook.routing import Routing
from bascule.storage import routing as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork


def _user_problem(user: t.User | None) -> str | None:
    if user is None:
        return "no such user"
    return None if user.is_active else "this user is deactivated"


def needs_database(routing: Routing) -> bool:
    """The section names teams or users (a playbook without routing rules needs no look-up)."""
    return bool(routing.rules or routing.fallback_owner)


def problems(uow: UnitOfWork, routing: Routing) -> dict[str, str]:
    """Field -> what is wrong with it ({} when every name is known)."""
    if not needs_database(routing):
        return {}
    session = uow.session
    teams = store.team_members(session, {rule.team for rule in routing.rules if rule.team})
    emails = {email for rule in routing.rules for email in rule.weights}
    emails |= {rule.owner for rule in routing.rules if rule.owner}
    emails |= {routing.fallback_owner} if routing.fallback_owner else set()
    users = store.users_by_email(session, emails)
    found: dict[str, str] = {}
    for index, rule in enumerate(routing.rules):
        where = f"routing.rules.{index}"
        if rule.owner is not None:
            problem = _user_problem(users.get(rule.owner.lower()))
            if problem:
                found[f"{where}.owner"] = f"{rule.owner}: {problem}"
        if rule.team is None:
            continue
        if rule.team not in teams:
            known = store.team_names(session)
            found[f"{where}.team"] = f"no team named {rule.team!r}" + (
                f" (known: {', '.join(known)})" if known else ""
            )
            continue
        members = {u.id for u in teams[rule.team]}
        for email in rule.weights:
            user = users.get(email.lower())
            problem = _user_problem(user)
            if problem is None and user is not None and user.id not in members:
                problem = f"not a member of team {rule.team!r}"
            if problem:
                found[f"{where}.weights.{email}"] = f"{email}: {problem}"
    if routing.fallback_owner:
        problem = _user_problem(users.get(routing.fallback_owner.lower()))
        if problem:
            found["routing.fallback_owner"] = f"{routing.fallback_owner}: {problem}"
    return found


def ensure_known(uow: UnitOfWork, routing: Routing) -> None:
    """Raise ``PlaybookInvalid`` naming every field whose team or user the database lacks."""
    found = problems(uow, routing)
    if found:
        summary = "; ".join(f"{k}: {v}" for k, v in found.items())
        raise PlaybookInvalid(f"playbook is invalid: {summary}", fields=found)
