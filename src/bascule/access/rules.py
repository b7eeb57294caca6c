"""Who reads and edits a record: pure rules on the playbook's ``[access]`` section.

A user's *reach* is their place among users and teams: who they manage (down the line), their
team and its members, the queues of leads nobody owns that they hold (their team's, and those
of the teams they manage). A scope (``all``, ``team``, ``own``, ``none``) turns the reach into
owners: the records of those owners are in scope, plus the leads nobody owns in the reach's
queues, plus accounts and contacts nobody owns (shared, like Salesforce's public records)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bascule.playbook.access import Access, Scope

ENTITIES = ("lead", "opportunity", "account", "contact")
# Kinds of record nobody owns that everyone with a scope other than ``none`` shares.
SHARED_WHEN_UNOWNED = frozenset({"account", "contact"})


@dataclass(frozen=True)
class Reach:
    """An actor's place. ``everything``: a rule or system job, which acts for the playbook."""

    user_id: int | None
    role: str | None
    team_id: int | None = None
    managed: frozenset[int] = frozenset()
    teammates: frozenset[int] = frozenset()
    queues: frozenset[int] = frozenset()

    @property
    def everything(self) -> bool:
        return self.role is None

    @property
    def manages_others(self) -> bool:
        return bool(self.managed)


@dataclass(frozen=True)
class Record:
    """What access looks at on a record: its kind, owner, and (a lead) its team's queue."""

    entity: str
    owner_id: int | None
    team_id: int | None = None


@dataclass(frozen=True)
class Owners:
    """A scope as sets: ``None`` owners means every record. ``queues``: teams whose unowned
    leads are in; ``unowned``: accounts and contacts nobody owns are in."""

    ids: frozenset[int] | None
    queues: frozenset[int] = frozenset()
    unowned: bool = False

    @property
    def everything(self) -> bool:
        return self.ids is None

    @property
    def nothing(self) -> bool:
        return self.ids is not None and not self.ids and not self.queues and not self.unowned


ALL = Owners(None)
NOTHING = Owners(frozenset())


@dataclass(frozen=True)
class Decision:
    read: bool
    edit: bool
    reason: str


def reach(
    user_id: int,
    role: str,
    people: Iterable[tuple[int, int | None, int | None]],
    team_managers: Mapping[int, int | None],
    *,
    hierarchy: bool = True,
) -> Reach:
    """The reach of ``user_id`` from every active user's ``(id, team_id, manager_id)`` and
    each team's manager. Someone is managed by their manager and by their team's manager;
    the people those manage are managed too (down the line, cycles ignored)."""
    rows = list(people)
    team_of = {uid: team for uid, team, _ in rows}
    reports: dict[int, set[int]] = {}
    for uid, team, manager in rows:
        for boss in {manager, team_managers.get(team) if team is not None else None}:
            if boss is not None and boss != uid:
                reports.setdefault(boss, set()).add(uid)
    managed: set[int] = set()
    if hierarchy:
        todo = [user_id]
        while todo:
            for uid in reports.get(todo.pop(), ()):
                if uid not in managed and uid != user_id:
                    managed.add(uid)
                    todo.append(uid)
    team = team_of.get(user_id)
    teammates = frozenset(uid for uid, t in team_of.items() if team is not None and t == team)
    led = {tid for tid, boss in team_managers.items() if boss == user_id}
    managed_teams = {tid for uid in managed if (tid := team_of.get(uid)) is not None}
    queues = frozenset(led | ({team} if team is not None else set()) | managed_teams)
    return Reach(user_id, role, team, frozenset(managed), teammates, queues)


def scope_of(policy: Access, reach: Reach, entity: str, action: str) -> Scope:
    if reach.everything:
        return "all"
    grant = policy.of(reach.role or "").grant(entity)
    read: Scope = grant.read
    if action == "read":
        return read
    # Editing never reaches further than reading.
    order: tuple[Scope, ...] = ("none", "own", "team", "all")
    return min(read, grant.edit, key=order.index)


def owners(policy: Access, reach: Reach, entity: str, action: str = "read") -> Owners:
    """The records of ``entity`` that ``reach`` may read (or edit), as sets."""
    scope = scope_of(policy, reach, entity, action)
    if scope == "all":
        return ALL
    if scope == "none" or reach.user_id is None:
        return NOTHING
    ids = {reach.user_id} | reach.managed
    if scope == "team":
        ids |= reach.teammates
    return Owners(
        frozenset(ids),
        queues=reach.queues if entity == "lead" else frozenset(),
        unowned=entity in SHARED_WHEN_UNOWNED,
    )


def within(found: Owners, record: Record) -> bool:
    if found.ids is None:
        return True
    if record.owner_id is None:
        if record.entity == "lead":
            return record.team_id is not None and record.team_id in found.queues
        return found.unowned
    return record.owner_id in found.ids


def decide(policy: Access, reach: Reach, record: Record) -> Decision:
    """May ``reach`` read ``record``, edit it, and why (the reason of a refusal)."""
    readable = within(owners(policy, reach, record.entity, "read"), record)
    if not readable:
        return Decision(False, False, f"{record.entity} outside what your role may read")
    if within(owners(policy, reach, record.entity, "edit"), record):
        return Decision(True, True, "")
    scope = scope_of(policy, reach, record.entity, "edit")
    role = reach.role or "rule"
    if scope == "none":
        why = f"role {role} may not edit a {record.entity}"
    elif record.owner_id is None:
        why = f"this {record.entity} belongs to no one in your reach: ask its team's manager"
    else:
        words = {"own": "own or manage", "team": "own, manage or share a team with"}[scope]
        why = f"role {role} may edit only the {record.entity}s of people you {words}"
    return Decision(True, False, why)


def sees_amounts(policy: Access, reach: Reach) -> bool:
    """Field-level rule: some roles read opportunities without their amounts."""
    return reach.everything or reach.role not in policy.hide_opportunity_amounts
