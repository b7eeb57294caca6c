"""Writing one chunk of an import, in one transaction, with one statement per kind of row.

For a chunk: the advisory locks of its e-mails (PostgreSQL), one query for the customers'
contacts among them, one for the open leads they match; then one INSERT each for the new
leads, their status history, their tags, the row errors, and one audit row for the chunk.
Which lead each row is comes from the pure `plan.match_candidates`; existing leads matched
by a row are enriched by `enrich` (blanks filled, never a value replaced).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bascule.audit import service as audit
from bascule.imports import consent_writer, lead_history
from bascule.imports.enrich import LeadUpdate, save_updates
from bascule.imports.lead_history import HistoryRules, Past
from bascule.imports.plan import (
    LEAD_COLUMNS,
    Candidate,
    ChunkPlan,
    KnownLead,
    id_ranges,
    identity_keys,
    match_candidates,
)
from bascule.leads import assignment
from bascule.leads.fields import search_text
from bascule.leads.model import LeadStatus
from bascule.playbook.schema import Playbook
from bascule.routing import service as routing
from bascule.routing.rules import LeadFacts
from bascule.scoring import batch as scoring
from bascule.storage import bulk
from bascule.storage import repositories as repo
from bascule.storage import signals as signal_store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

Row = dict[str, Any]
CUSTOMER = (
    "existing customer contact: contact {contact} of customer account {account}; no lead is "
    "created (SPEC §6: the account manager follows customers)"
)
NEW = LeadStatus.NEW.value
# Tag ids remembered across the chunks of one import; forgotten past this many names.
TAG_CACHE_SIZE = 10_000


@dataclass
class Context:
    """What every chunk of one import shares."""

    import_id: int
    actor: Actor
    now: datetime
    filename: str
    dry_run: bool
    file_tag: str | None = None  # on every lead (FileRules.tag, normalised)
    tag_ids: dict[str, int] = field(default_factory=dict)
    # Dry runs write no lead, so an earlier chunk's rows are remembered here instead.
    seen: set[int] = field(default_factory=set)
    # Scores the chunk's created and updated leads from their signals and profile, in the
    # chunk's transaction (None: left to the next signal or `bascule score recompute`).
    playbook: Playbook | None = None
    # New leads of the chunk that their profile alone does not score (signals were waiting
    # for their e-mail, or the score warms them or makes them MQL).
    to_score: list[int] = field(default_factory=list)
    # History imports (SPEC §16): owners, reasons, the zone of the file's dates.
    history: HistoryRules | None = None


@dataclass
class ChunkResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    duplicates_in_file: int = 0
    existing_customers: int = 0
    unchanged: int = 0
    errors: int = 0
    # row number -> (outcome, lead id, first row of the same person when merged)
    outcomes: dict[int, tuple[str, int | None, int | None]] = field(default_factory=dict)
    # (enumerated field, file value that means none of its values) -> candidates
    unknown_values: Counter[tuple[str, str]] = field(default_factory=Counter)


def write_chunk(uow: UnitOfWork, plan: ChunkPlan, ctx: Context) -> ChunkResult:
    """Apply one chunk; the caller commits. A dry run reads the same way and writes only the
    row errors. Which lead each candidate is, is decided by `plan.match_candidates`."""
    session = uow.session
    result = ChunkResult(rows=plan.rows)
    problems = list(plan.problems)
    for row in plan.rejected:
        result.rejected += 1
        result.outcomes[row.number] = ("rejected", None, None)
    candidates = plan.candidates
    if ctx.history is not None:
        refused = lead_history.resolve_owners(uow, candidates, ctx.history, problems)
        for c in (c for c in candidates if c.number in refused):
            result.rejected += len(c.numbers)
            for n in c.numbers:
                result.outcomes[n] = ("rejected", None, None)
        candidates = [c for c in candidates if c.number not in refused]
        lead_history.link_opportunities(uow, candidates, ctx.history)
    consent_writer.check_dates(
        candidates, now=ctx.now, zone=consent_writer.zone_of(ctx.playbook), problems=problems
    )
    leads, customers = _look_up(uow, candidates, ctx)
    known = [KnownLead(lead.id, lead.email_key, lead.external_id) for lead in leads]
    seen = ctx.seen if ctx.dry_run else None
    matches = match_candidates(candidates, customers=customers, leads=known, seen=seen)
    tags = bulk.tag_names(session, [lead.id for lead in leads])
    by_id = {lead.id: lead for lead in leads}

    new: list[Candidate] = []
    updates: dict[int, LeadUpdate] = {}
    answered: list[tuple[int, Candidate]] = []  # existing leads and the answers a row gives
    for match in matches:
        c = match.candidate
        numbers = c.numbers
        for name, text in c.unknown.items():
            result.unknown_values[name, text] += 1
        if match.customer is not None:
            contact_id, account_id = match.customer
            reason = CUSTOMER.format(contact=contact_id, account=account_id)
            problems.extend((n, "email", reason, True) for n in numbers)
            result.rejected += len(numbers)
            result.existing_customers += len(numbers)
            for n in numbers:
                result.outcomes[n] = ("rejected", None, None)
        elif match.outcome == "seen":
            _count_duplicates(result, c, None, first=None)
        elif match.lead_id is None:
            new.append(c)
            result.created += 1
            result.outcomes[c.number] = ("created", None, None)
            _count_duplicates(result, c, None, first=c.number)
        else:
            lead = by_id[match.lead_id]
            same_import = lead.import_id == ctx.import_id
            update = updates.get(lead.id) or LeadUpdate(lead, same_import)
            updates[lead.id] = update
            changed = update.apply(c, match.email_owner, tags[lead.id], problems)
            if c.consents:
                answered.append((lead.id, c))
            if ctx.history is not None and c.history and not same_import:
                past = lead_history.past_of(c, ctx.history, ctx.now, problems)
                changed = update.apply_past(past, ctx.import_id, ctx.actor) or changed
            if same_import:
                _count_duplicates(result, c, lead.id, first=None)
                continue
            result.updated += len(numbers)
            result.unchanged += 0 if changed else len(numbers)
            for n in numbers:
                result.outcomes[n] = ("updated", lead.id, None)

    pasts: list[Past | None] = []
    if ctx.history is not None:
        pasts = [lead_history.past_of(c, ctx.history, ctx.now, problems) for c in new]
    if not ctx.dry_run:
        created = _write_leads(uow, new, updates, result, ctx, pasts)
        consent_writer.write(
            uow, [*zip(created, new, strict=True), *answered], import_id=ctx.import_id,
            actor=ctx.actor, now=ctx.now,
        )  # fmt: skip
    else:
        ctx.seen.update(key for c in new for key in identity_keys(c))
    if problems:
        # `rejected` tells that the row made no lead, on each of its problems.
        refused = {n for n, (outcome, _, _) in result.outcomes.items() if outcome == "rejected"}
        bulk.insert(
            session,
            t.ImportRowError,
            [
                {
                    "import_id": ctx.import_id,
                    "row_number": number,
                    "field": name,
                    "reason": reason,
                    "rejected": number in refused,
                }
                for number, name, reason, _ in sorted(problems, key=lambda p: p[0])
            ],
        )
    result.errors = len(problems)
    bulk.add_to_batch(
        session,
        ctx.import_id,
        rows_total=result.rows,
        rows_created=result.created,
        rows_updated=result.updated,
        rows_rejected=result.rejected,
    )
    return result


def _count_duplicates(
    result: ChunkResult, c: Candidate, lead_id: int | None, *, first: int | None
) -> None:
    """Rows naming a person an earlier row of the file already named: merged, counted as
    updated. `first` is that earlier row when it is in this chunk."""
    later = c.merged if first is not None else c.numbers
    result.updated += len(later)
    result.duplicates_in_file += len(later)
    for n in later:
        result.outcomes[n] = ("updated", lead_id, first)


def _look_up(
    uow: UnitOfWork, candidates: list[Candidate], ctx: Context
) -> tuple[list[t.Lead], dict[str, tuple[int, int]]]:
    """The open leads the chunk's people may be, and the customers' contacts among them.
    A real import locks each person first (their e-mail, the key the lead service locks,
    else their id) and the leads found."""
    session = uow.session
    emails = [c.email_key for c in candidates if c.email_key]
    externals = [c.external_id for c in candidates if c.external_id]
    if not ctx.dry_run:
        keys = [
            f"lead-email|{c.email_key}" if c.email_key else f"lead-external|{c.external_id}"
            for c in candidates
            if c.email_key or c.external_id
        ]
        bulk.lock_keys(session, keys)
    customers = bulk.customer_contacts(session, emails)
    leads = bulk.open_leads_matching(
        session, emails, externals, lock=not ctx.dry_run, closed_too=ctx.history is not None
    )
    if ctx.dry_run:
        session.expunge_all()  # a preview changes nothing: what it fills in is never flushed
    return list(leads), customers


def _write_leads(
    uow: UnitOfWork,
    new: list[Candidate],
    updates: dict[int, LeadUpdate],
    result: ChunkResult,
    ctx: Context,
    pasts: list[Past | None],
) -> list[int]:
    """The chunk's new leads, the existing ones enriched, their tags, their scores; returns
    the new leads' ids."""
    created = _insert_leads(uow, new, ctx, pasts or [None] * len(new))
    for c, lead_id in zip(new, created, strict=True):
        result.outcomes[c.number] = ("created", lead_id, None)
        for n in c.merged:
            result.outcomes[n] = ("updated", lead_id, c.number)
    save_updates(uow, list(updates.values()), ctx)
    for u in updates.values():
        if u.history_after is not None:
            lead_history.replace_history(uow, u.lead.id, u.history_after)
    _insert_tags(uow, ctx, [(i, c.tags) for c, i in zip(new, created, strict=True)], updates)
    if ctx.playbook is not None:
        to_score = {*ctx.to_score, *updates}
        ctx.to_score.clear()
        if to_score:
            scoring.score_leads(uow, lead_ids=sorted(to_score), now=ctx.now, playbook=ctx.playbook)
    return created


def _insert_leads(
    uow: UnitOfWork, new: list[Candidate], ctx: Context, pasts: list[Past | None]
) -> list[int]:
    if not new:
        return []
    owner = ctx.actor.user_id
    # A lead with a past (or an owner named by its file) keeps its file's owner, else the
    # importer: routing, its counters and its SLA clocks are for the leads arriving now.
    kept = [p is not None and bool(p.events or "owner_id" in p.columns) for p in pasts]
    routed_owners = iter(_owners(uow, [c for c, k in zip(new, kept, strict=True) if not k], ctx))
    keeps = f"import #{ctx.import_id}: owner from the file"
    owners: list[Owner | None] = []
    for past, k in zip(pasts, kept, strict=True):
        given_id = past.columns.get("owner_id", owner) if past is not None else owner
        if not k:
            owners.append(next(routed_owners))
        else:
            owners.append((given_id, keeps, None) if given_id is not None else None)
    common: Row = {
        "kind": "sales",
        "status": NEW,
        "score": 0,
        "score_explanation": [],
        "ready_to_convert": False,
        "do_not_contact": False,
        "converted_at": None,
        "disqualification_reason": None,
        "opportunity_id": None,
        "account_id": None,
        "created_at": ctx.now,
        "updated_at": ctx.now,
        "import_id": ctx.import_id,
    }
    rows: list[Row] = []
    for c, given, past in zip(new, owners, pasts, strict=True):
        fields = c.fields
        row = {name: fields.get(name) for name in LEAD_COLUMNS}
        row.update(common)
        row["owner_id"] = given[0] if given else None
        row["assigned_at"] = ctx.now if given else None
        row["email_key"] = c.email_key
        row["external_id"] = c.external_id
        row["attributes"] = c.attributes or None
        row["search_text"] = search_text(fields)
        if past is not None:
            row.update(past.columns)
            if past.events:
                row["assigned_at"] = row["created_at"] if given else None
        rows.append(row)
    session = uow.session
    # Scored from their profile before the insert; what needs more is scored after it.
    later = scoring.prefill(rows, now=ctx.now, playbook=ctx.playbook) if ctx.playbook else []
    bulk.insert(session, t.Lead, rows, with_ids=True)
    ids = [row["id"] for row in rows]
    if ctx.playbook is not None:
        ctx.to_score.extend(i for i, left in zip(ids, later, strict=True) if left)
    emails = [c.email_key for c in new if c.email_key]
    if emails:
        signal_store.lock_emails(session, emails, shared=False)
        if bulk.attach_pending_signals(session, ctx.import_id, emails):
            ctx.to_score.extend(bulk.leads_with_signals(session, ids))
    reason = f"import #{ctx.import_id}"
    creation = {
        "to_status": NEW,
        "changed_at": ctx.now,
        "actor_user_id": owner,
        "actor_rule": ctx.actor.rule,
        "kind": "creation",
        "reason": reason,
    }
    if any(p is not None and p.events for p in pasts):
        # Leads with a past: a row per date of the file; the others born now, as below.
        now_born = [lead_history.Event(None, NEW, ctx.now)]
        bulk.insert(session, t.LeadStatusHistory, [
            r
            for lead_id, p in zip(ids, pasts, strict=True)
            for r in lead_history.history_rows(
                lead_id, p.events if p is not None and p.events else now_born,
                import_id=ctx.import_id, actor=ctx.actor,
            )
        ])  # fmt: skip
        lead_history.link_back(uow, [
            (lead_id, p.columns["opportunity_id"])
            for lead_id, p in zip(ids, pasts, strict=True)
            if p is not None and "opportunity_id" in p.columns
        ])  # fmt: skip
    else:
        # The chunk's new leads are the import's leads between its first and last new id:
        # the ids are numbered under the write lock (SQLite) or taken in order from the
        # sequence.
        bulk.history_for_new_leads(session, ctx.import_id, min(ids), max(ids), creation)
    # One audit row per chunk, listing the leads it created: the history rows above already
    # say who created each lead, when and by which import; the batch keeps the file.
    audit.record(
        uow,
        actor=ctx.actor,
        entity="import",
        entity_id=ctx.import_id,
        action="create_leads",
        changes={"created": len(ids), "lead_ids": id_ranges(ids)},
        reason=reason,
        now=ctx.now,
    )
    # Who got each lead and why: a history row each, one audit row, the SLA clocks.
    if ctx.playbook is not None:
        placed = [
            assignment.Placed(lead_id, *p, source=row["source"], temperature=row["temperature"])
            for lead_id, p, row, k in zip(ids, owners, rows, kept, strict=True)
            if p is not None and not k
        ]
        assignment.record_imported(
            uow, placed, import_id=ctx.import_id, new_ids=ids, actor=ctx.actor, now=ctx.now,
            playbook=ctx.playbook,
        )  # fmt: skip
    return ids


# Who gets a new lead of an import and why: (owner id, reason, routing rule or None).
Owner = tuple[int, str, str | None]


def _owners(uow: UnitOfWork, new: list[Candidate], ctx: Context) -> list[Owner | None]:
    """Who owns each new lead: the routing rules' choice, else the importing user (as before
    routing existed), else nobody. The chunk is routed at once: the people read once, each
    counter written once."""
    importer = ctx.actor.user_id
    keeps = f"import #{ctx.import_id}: the importing user keeps it"
    if ctx.playbook is None or not routing.has_rules(ctx.playbook):
        return [(importer, keeps, None) if importer is not None else None] * len(new)
    facts = [
        LeadFacts(
            country=c.fields.get("country"),
            employees=c.fields.get("employees"),
            source=c.fields.get("source"),
            kind="sales",
        )
        for c in new
    ]
    owners: list[Owner | None] = []
    for d in routing.route_many(uow, facts=facts, now=ctx.now, playbook=ctx.playbook):
        if d.owner_id is not None:
            owners.append((d.owner_id, d.explanation, d.rule))
        elif importer is not None:
            owners.append((importer, f"{keeps} ({d.explanation})", None))
        else:
            owners.append(None)
    return owners


def _insert_tags(
    uow: UnitOfWork,
    ctx: Context,
    created: list[tuple[int, list[str]]],
    updates: dict[int, LeadUpdate],
) -> None:
    """The file's tag goes on every new lead of the chunk in one INSERT ... SELECT; the rows'
    own tags, and the tags an existing lead gains, one row each."""
    file_tag = ctx.file_tag
    wanted = [(i, [n for n in names if n != file_tag]) for i, names in created]
    wanted = [(i, names) for i, names in wanted if names]
    wanted += [(lead_id, u.tags) for lead_id, u in updates.items() if u.tags]
    everyone = bool(created and file_tag)
    if not wanted and not everyone:
        return
    if len(ctx.tag_ids) > TAG_CACHE_SIZE:
        ctx.tag_ids.clear()
    needed = {name for _, tags in wanted for name in tags} | ({file_tag} if everyone else set())
    names = sorted(n for n in needed if n and n not in ctx.tag_ids)
    if names:
        ctx.tag_ids.update(repo.ensure_tags(uow.session, names))
    if everyone and file_tag:
        ids = [i for i, _ in created]
        bulk.tag_new_leads(uow.session, ctx.import_id, min(ids), max(ids), ctx.tag_ids[file_tag])
    rows = [
        {"lead_id": lead_id, "tag_id": ctx.tag_ids[name]}
        for lead_id, tags in wanted
        for name in tags
    ]
    bulk.insert(uow.session, t.LeadTag, rows)
