"""Queries, grouped by aggregate. Repositories read and add; they never commit."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, bindparam, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bascule.leads.vocabulary import OPEN_LEAD_STATUSES
from bascule.storage import tables as t


def get(session: Session, model: type[Any], id_: int, *, for_update: bool = False) -> Any:
    if for_update:
        return session.execute(
            select(model).where(model.id == id_).with_for_update()
        ).scalar_one_or_none()
    return session.get(model, id_)


# --- leads ------------------------------------------------------------------------------------


def open_lead_by_email(session: Session, email_key: str) -> t.Lead | None:
    return session.execute(
        select(t.Lead).where(t.Lead.email_key == email_key, t.Lead.status.in_(OPEN_LEAD_STATUSES))
    ).scalar_one_or_none()


@dataclass(frozen=True)
class LeadFilter:
    status: Sequence[str] = ()
    owner_id: int | None = None
    source: Sequence[str] = ()
    tag: str | None = None
    temperature: str | None = None
    q: str | None = None
    min_score: int | None = None
    ready_to_convert: bool | None = None
    sort: str = "-created_at"
    page: int = 1
    page_size: int = 20
    conversion_overdue: bool | None = None
    # What the caller may read: a condition (``access.service.where``) or disjoint conditions
    # whose union is readable (``access.service.readable_parts``); None: every lead.
    readable: Any = None
    # Created in [created_from, created_to): instants, the caller turns days into them.
    created_from: datetime | None = None
    created_to: datetime | None = None
    # Conditions on ``lead`` built above storage: the report filters (``analytics.conditions``).
    extra: Sequence[Any] = ()


LEAD_SORTS = {
    "created_at": t.Lead.created_at,
    "score": t.Lead.score,
    "sla_due_at": t.Lead.first_response_due_at,
    "first_response_due_at": t.Lead.first_response_due_at,
    "last_name": t.Lead.last_name,
    "company": t.Lead.company,
    "updated_at": t.Lead.updated_at,
    "id": t.Lead.id,
    "status": t.Lead.status,
    "source": t.Lead.source,
    "temperature": t.Lead.temperature,
    "ready_to_convert": t.Lead.ready_to_convert,
    # The owner's name (an outer join on the user, added only for this sort).
    "owner": t.User.name,
}


NULLABLE_SORTS = frozenset(
    {"sla_due_at", "first_response_due_at", "last_name", "company", "temperature", "owner"}
)


@dataclass(frozen=True)
class LeadRows:
    """One page of leads: the rows, their tags when asked for, and the matching total.

    ``total_exact`` is False when counting stopped at the cap: ``total`` is then a lower
    bound (at least that many leads match), never a guess."""

    items: list[t.Lead]
    tags: dict[int, list[str]]
    total: int
    total_exact: bool = True
    # Each lead's consents when asked for and read with the page (None otherwise).
    consents: dict[int, list[dict[str, Any]]] | None = None


# Tags ride in the page query (a correlated subquery per row) only near the start of a list:
# the database evaluates it for every row the OFFSET skips too, so a deep page reads its tags
# with one more statement instead.
_TAGS_IN_PAGE_MAX_OFFSET = 100


def list_leads(session: Session, f: LeadFilter) -> tuple[list[t.Lead], int]:
    """The page and the exact total, in one round trip."""
    rows = lead_page(session, f)
    return rows.items, rows.total


def lead_page(
    session: Session,
    f: LeadFilter,
    *,
    with_tags: bool = False,
    with_consents: bool = False,
    count_up_to: int | None = None,
) -> LeadRows:
    """One query: the page, the total (a scalar subquery) and, with ``with_tags``, each lead's
    tags; with ``with_consents`` near the start of a list, its consents too (``consents`` None
    otherwise: the caller reads them). With ``count_up_to``, the count stops past that many
    matches (``total_exact`` False): counting every match of a large unfiltered list costs
    more than reading the page."""
    where = _lead_conditions(f)
    parts = _readable_parts(f)
    if len(parts) == 1:
        where.insert(0, parts[0])
    elif parts:
        where.insert(0, or_(*parts))
    desc = f.sort.startswith("-")
    name = f.sort.lstrip("-")
    column = LEAD_SORTS[name]
    order: list[Any] = [
        column.desc() if desc else column.asc(),
        t.Lead.id.desc() if desc else t.Lead.id,
    ]
    if name in NULLABLE_SORTS:
        # Leads without a deadline (or name) come last whatever the direction. Only for
        # nullable columns: the extra term would stop the index from serving the sort.
        order.insert(0, column.is_(None))
    # The total is a scalar subquery, not count(*) OVER (): a window would make the database
    # read and sort every matching row before keeping the first page.
    if count_up_to is None and len(parts) > 1:
        # Disjoint parts (the owned leads, the queued ones): one count each, added, so that
        # each is answered from an index instead of testing the OR on every lead.
        filters = where[1:]
        counts = [
            select(func.count()).select_from(t.Lead).where(part, *filters).scalar_subquery()
            for part in parts
        ]
        total = select(sum(counts[1:], counts[0])).scalar_subquery()
    elif count_up_to is None:
        total = select(func.count()).select_from(t.Lead).where(*where).scalar_subquery()
    else:
        first = select(t.Lead.id).where(*where).limit(count_up_to + 1).subquery()
        total = select(func.count()).select_from(first).scalar_subquery()
    offset = (f.page - 1) * f.page_size
    tags_inline = with_tags and offset <= _TAGS_IN_PAGE_MAX_OFFSET
    columns: list[Any] = [t.Lead, total.label("total")]
    if tags_inline:
        columns.append(_tag_names(session).label("tags"))
    consents_inline = with_consents and offset <= _TAGS_IN_PAGE_MAX_OFFSET
    if consents_inline:
        columns.append(_consent_values(session).label("consents"))
    query = select(*columns)
    if name == "owner":
        query = query.outerjoin(t.User, t.User.id == t.Lead.owner_id)
    query = query.where(*where).order_by(*order).limit(f.page_size).offset(offset)
    rows = session.execute(query).all()
    items: list[t.Lead] = [r[0] for r in rows]
    if rows:
        counted = int(rows[0][1])
    elif f.page == 1:
        counted = 0
    else:
        # Past the last page: count separately so the client still learns the total.
        counted = int(session.execute(select(total)).scalar_one())
    tags: dict[int, list[str]] = {}
    if tags_inline:
        tags = {r[0].id: _tag_list(r[2]) for r in rows}
    elif with_tags and not with_consents:
        # (With consents, a deep page leaves both to the caller's one statement.)
        tags = tags_by_lead(session, [lead.id for lead in items])
    held = {r[0].id: _consent_list(r[-1]) for r in rows} if consents_inline else None
    if count_up_to is not None and counted > count_up_to:
        # Known: at least ``counted`` leads match, and at least as many as this page reaches.
        known = max(counted, offset + len(items))
        return LeadRows(items, tags, known, total_exact=False, consents=held)
    return LeadRows(items, tags, counted, consents=held)


def _readable_parts(f: LeadFilter) -> list[Any]:
    """What the caller may read (``bascule.access``) as disjoint conditions ([]: everything)."""
    if f.readable is None:
        return []
    return list(f.readable) if isinstance(f.readable, (list, tuple)) else [f.readable]


def _lead_conditions(f: LeadFilter) -> list[Any]:
    # What the caller may read is added by the caller (``_readable_parts``), first.
    where: list[Any] = []
    if f.status:
        where.append(t.Lead.status.in_(f.status))
    if f.owner_id is not None:
        where.append(t.Lead.owner_id == f.owner_id)
    if f.source:
        where.append(t.Lead.source.in_(f.source))
    if f.temperature:
        where.append(t.Lead.temperature == f.temperature)
    if f.min_score is not None:
        where.append(t.Lead.score >= f.min_score)
    if f.ready_to_convert is not None:
        where.append(t.Lead.ready_to_convert == f.ready_to_convert)
    if f.conversion_overdue is not None:
        where.append(t.Lead.conversion_overdue == f.conversion_overdue)
    if f.tag:
        tagged = select(t.LeadTag.lead_id).join(t.Tag).where(t.Tag.name == f.tag.strip().lower())
        where.append(t.Lead.id.in_(tagged))
    if f.q:
        where.append(t.Lead.search_text.like(like_pattern(f.q.casefold()), escape="\\"))
    if f.created_from is not None:
        where.append(t.Lead.created_at >= f.created_from)
    if f.created_to is not None:
        where.append(t.Lead.created_at < f.created_to)
    where.extend(f.extra)
    return where


def _tag_names(session: Session) -> Any:
    """A lead's tag names as one value: an array on PostgreSQL, a JSON array on SQLite."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    names = func.json_group_array(t.Tag.name) if sqlite else func.array_agg(t.Tag.name)
    return (
        select(names)
        .select_from(t.LeadTag)
        .join(t.Tag, t.Tag.id == t.LeadTag.tag_id)
        .where(t.LeadTag.lead_id == t.Lead.id)
        .scalar_subquery()
    )


def _consent_values(session: Session) -> Any:
    """A lead's consents as one JSON array of ``[purpose, granted, at, source]``."""
    c = t.Consent
    if session.get_bind().dialect.name == "sqlite":
        found = func.json_group_array(func.json_array(c.purpose, c.granted, c.at, c.source))
    else:
        found = func.json_agg(func.json_build_array(c.purpose, c.granted, c.at, c.source))
    return select(found).where(c.lead_id == t.Lead.id).scalar_subquery()


def _consent_list(value: Any) -> list[dict[str, Any]]:
    """The consents as ``privacy.consents`` reads them: by purpose, times aware (UTC)."""
    if value is None:
        return []
    items = json.loads(value) if isinstance(value, str) else value
    found = []
    for purpose, granted, at, source in sorted(items, key=lambda item: str(item[0])):
        when = datetime.fromisoformat(at).replace(tzinfo=UTC)
        found.append({"purpose": purpose, "granted": bool(granted), "at": when, "source": source})
    return found


def _tag_list(value: Any) -> list[str]:
    if value is None:
        return []
    names = json.loads(value) if isinstance(value, str) else value
    return sorted(str(name) for name in names if name is not None)


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards taken literally (escape \\)."""
    return "%" + _escape_like(text.strip()) + "%"


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tags_by_lead(session: Session, lead_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(lead_ids)
    result: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = session.execute(
        select(t.LeadTag.lead_id, t.Tag.name)
        .join(t.Tag, t.Tag.id == t.LeadTag.tag_id)
        .where(t.LeadTag.lead_id.in_(ids))
        .order_by(t.Tag.name)
    )
    for lead_id, name in rows:
        result[lead_id].append(name)
    return result


def normalise_tags(names: Iterable[str]) -> list[str]:
    return sorted({n.strip().lower() for n in names if n and n.strip()})


def set_lead_tags(session: Session, lead_id: int, names: Iterable[str]) -> list[str]:
    wanted = normalise_tags(names)
    ids = ensure_tags(session, wanted)
    current = set(
        session.scalars(select(t.LeadTag.tag_id).where(t.LeadTag.lead_id == lead_id)).all()
    )
    target = set(ids.values())
    if current - target:
        session.execute(
            delete(t.LeadTag).where(
                t.LeadTag.lead_id == lead_id, t.LeadTag.tag_id.in_(current - target)
            )
        )
    for tag_id in target - current:
        session.add(t.LeadTag(lead_id=lead_id, tag_id=tag_id))
    session.flush()
    return wanted


def lead_history(session: Session, lead_id: int) -> list[t.LeadStatusHistory]:
    return list(
        session.scalars(
            select(t.LeadStatusHistory)
            .where(t.LeadStatusHistory.lead_id == lead_id)
            .order_by(t.LeadStatusHistory.id)
        )
    )


def lead_conversion(session: Session, lead_id: int) -> t.LeadConversion | None:
    return session.get(t.LeadConversion, lead_id)


def activities(session: Session, **where: int) -> list[t.Activity]:
    query = select(t.Activity).order_by(t.Activity.occurred_at.desc(), t.Activity.id.desc())
    for name, value in where.items():
        query = query.where(getattr(t.Activity, name) == value)
    return list(session.scalars(query.limit(200)))


# --- accounts and contacts --------------------------------------------------------------------


def account_candidates(
    session: Session, domain: str | None, name_key: str, limit: int = 50
) -> list[t.Account]:
    """Accounts that could match: same domain, or a name starting like this one.

    The prefix range uses the name_key index on both databases; the fuzzy comparison itself
    is done by the pure matching rule on this short list.
    """
    conditions = []
    if domain:
        conditions.append(t.Account.domain == domain)
    first_word = name_key.split(" ", 1)[0] if name_key else ""
    if first_word:
        prefix = first_word[:4]
        conditions.append((t.Account.name_key >= prefix) & (t.Account.name_key < prefix + "~"))
    if not conditions:
        return []

    return list(session.scalars(select(t.Account).where(or_(*conditions)).limit(limit)))


def contact_by_email(session: Session, email_key: str | None) -> t.Contact | None:
    if not email_key:
        return None
    return session.execute(
        select(t.Contact).where(t.Contact.email_key == email_key)
    ).scalar_one_or_none()


def list_page(
    session: Session,
    model: type[Any],
    *,
    where: Sequence[Any] = (),
    order: Sequence[Any] = (),
    page: int = 1,
    page_size: int = 20,
) -> tuple[list[Any], int]:
    total = select(func.count()).select_from(model).where(*where).scalar_subquery()
    query = select(model, total.label("total")).where(*where)
    query = query.order_by(*order, model.id.desc()).limit(page_size).offset((page - 1) * page_size)
    rows = session.execute(query).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][1])
    return [], int(session.execute(select(total)).scalar_one())


# --- opportunities ----------------------------------------------------------------------------


def open_opportunity_by_project(
    session: Session, account_id: int, name_key: str
) -> t.Opportunity | None:
    return session.execute(
        select(t.Opportunity).where(
            t.Opportunity.account_id == account_id,
            t.Opportunity.name_key == name_key,
            t.Opportunity.is_closed.is_(False),
        )
    ).scalar_one_or_none()


def opportunity_contacts(session: Session, opportunity_ids: Iterable[int]) -> dict[int, list[Any]]:
    ids = list(opportunity_ids)
    result: dict[int, list[Any]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = session.scalars(
        select(t.OpportunityContact)
        .where(t.OpportunityContact.opportunity_id.in_(ids))
        .order_by(t.OpportunityContact.is_primary.desc(), t.OpportunityContact.contact_id)
    )
    for row in rows:
        result[row.opportunity_id].append(row)
    return result


def opportunity_contact(
    session: Session, opportunity_id: int, contact_id: int
) -> t.OpportunityContact | None:
    return session.get(t.OpportunityContact, (opportunity_id, contact_id))


# --- users, tokens, playbooks -----------------------------------------------------------------


# Every API request runs it: built once, so its cache key is worked out once.
_TOKEN_WITH_USER = (
    select(t.User, t.ApiToken)
    .join(t.ApiToken, t.ApiToken.user_id == t.User.id)
    .where(
        t.ApiToken.token_hash == bindparam("token_hash", type_=String),
        t.ApiToken.revoked_at.is_(None),
        t.User.is_active.is_(True),
    )
)


def token_with_user(session: Session, token_hash: str) -> tuple[t.User, t.ApiToken] | None:
    """The live (not revoked) token with this hash and its active user; its expiry is the
    caller's to check (``users.tokens.check``)."""
    row = session.execute(_TOKEN_WITH_USER, {"token_hash": token_hash}).one_or_none()
    return None if row is None else (row[0], row[1])


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(t.ApiToken).where(t.ApiToken.id == token_id).values(last_used_at=now))


def live_tokens(session: Session, *, user_id: int) -> list[t.ApiToken]:
    return list(
        session.scalars(
            select(t.ApiToken).where(t.ApiToken.user_id == user_id, t.ApiToken.revoked_at.is_(None))
        )
    )


def token_by(
    session: Session, *, prefix: str | None = None, token_id: int | None = None
) -> t.ApiToken | None:
    """One token by its id, or by its prefix (None if no token or several share it)."""
    if token_id is not None:
        return session.get(t.ApiToken, token_id)
    if not prefix:
        return None
    found = list(session.scalars(select(t.ApiToken).where(t.ApiToken.prefix == prefix).limit(2)))
    return found[0] if len(found) == 1 else None


def tokens_with_email(session: Session, *, user_id: int | None) -> list[tuple[t.ApiToken, str]]:
    query = (
        select(t.ApiToken, t.User.email)
        .join(t.User, t.User.id == t.ApiToken.user_id)
        .order_by(t.ApiToken.created_at.desc(), t.ApiToken.id.desc())
    )
    if user_id is not None:
        query = query.where(t.ApiToken.user_id == user_id)
    return [(row[0], row[1]) for row in session.execute(query)]


def user_by_email(session: Session, email: str) -> t.User | None:
    return session.execute(
        select(t.User).where(t.User.email == email.strip().lower())
    ).scalar_one_or_none()


def team_by_name(session: Session, name: str) -> t.Team | None:
    return session.execute(select(t.Team).where(t.Team.name == name)).scalar_one_or_none()


def latest_playbook(session: Session) -> t.PlaybookVersion | None:
    return session.execute(
        select(t.PlaybookVersion).order_by(t.PlaybookVersion.version.desc()).limit(1)
    ).scalar_one_or_none()


def latest_playbook_version(session: Session) -> int:
    value = session.execute(select(func.max(t.PlaybookVersion.version))).scalar_one()
    return int(value or 0)


def playbook_versions(session: Session) -> list[t.PlaybookVersion]:
    return list(
        session.scalars(select(t.PlaybookVersion).order_by(t.PlaybookVersion.version.desc()))
    )


def open_pipeline_by_stage(session: Session, readable: Any = None) -> list[tuple[str, int, Any]]:
    """(stage, count, total amount) of open opportunities (those ``readable`` when given)."""
    where = [t.Opportunity.is_closed.is_(False)] + ([] if readable is None else [readable])
    rows = session.execute(
        select(t.Opportunity.stage, func.count(), func.coalesce(func.sum(t.Opportunity.amount), 0))
        .where(*where)
        .group_by(t.Opportunity.stage)
    )
    return [(stage, int(count), amount) for stage, count, amount in rows]


def serialize(session: Session, *parts: object) -> None:
    """Make concurrent transactions working on the same key take turns.

    PostgreSQL: a transaction-scoped advisory lock on a hash of the key (released at commit or
    rollback). SQLite: nothing to do, write transactions already hold the database lock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    key = "|".join(str(p) for p in parts)
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def ensure_tags(session: Session, names: Sequence[str]) -> dict[str, int]:
    """Ids of these tags, creating the missing ones; safe when two requests create one tag."""
    if names:
        rows = [{"name": n} for n in names]
        if session.get_bind().dialect.name == "postgresql":
            session.execute(pg_insert(t.Tag).values(rows).on_conflict_do_nothing())
        else:
            session.execute(sqlite_insert(t.Tag).values(rows).on_conflict_do_nothing())
    found = session.execute(select(t.Tag.name, t.Tag.id).where(t.Tag.name.in_(names)))
    return {name: id_ for name, id_ in found}
