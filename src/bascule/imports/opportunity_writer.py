"""Writing one chunk of an opportunity file (SPEC §16), in one transaction.

Each row's stage, type, loss reason and source are read against the playbook (through the
value map first), its owner found or created (`owners`), its account found by external id,
else by name, else created; the opportunity is found by its external id (and updated: the
same id again never duplicates) or created, with its stage history at the dates known, and
the lead it came from (`lead_external_id`) recorded as converted into it.

Opportunities are fewer than leads (a thousand for forty thousand leads): rows are written
through the ORM one by one, the look-ups of a chunk made in one query each.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select

from bascule.accounts.model import normalise_company_name
from bascule.audit import service as audit
from bascule.imports.enumerated import value_key
from bascule.imports.history import stage_events
from bascule.imports.lead_history import at, history_rows
from bascule.imports.owners import Owners
from bascule.imports.rows import ParsedRow
from bascule.imports.writer import ChunkResult
from bascule.playbook.schema import Playbook
from bascule.storage import bulk
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

NO_ACCOUNT = "(no account)"  # where a deal an export gives no account for is kept


def _words(entries: Iterable[Any], extra: Mapping[str, str] | None) -> dict[str, str]:
    words: dict[str, str] = {}
    for entry in entries:
        for word in (entry.key, entry.label.fr, entry.label.en):
            words.setdefault(value_key(word), entry.key)
    words.update(extra or {})
    return words


@dataclass
class OpportunityRules:
    """The playbook's vocabularies as a file's words may say them, for one import."""

    stages: dict[str, str]
    types: dict[str, str]
    loss_reasons: dict[str, str]
    sources: dict[str, str]
    zone: ZoneInfo
    playbook: Playbook
    owners: Owners

    @staticmethod
    def build(
        playbook: Playbook, value_map: Mapping[str, Mapping[str, str]], owners: Owners
    ) -> OpportunityRules:
        from bascule.imports.history import stage_words
        from bascule.imports.plan import SOURCE_SYNONYMS

        stages = stage_words((s.key, s.outcome, (s.label.fr, s.label.en)) for s in playbook.stages)
        stages.update(value_map.get("stage") or {})
        sources = _words(playbook.lead_sources, None)
        for word, key in SOURCE_SYNONYMS.items():
            if key in playbook.lead_source_keys:
                sources.setdefault(word, key)
        sources.update(value_map.get("source") or {})
        sources.update(value_map.get("lead_source") or {})
        return OpportunityRules(
            stages=stages,
            types=_words(playbook.opportunity_types, value_map.get("type")),
            loss_reasons=_words(playbook.loss_reasons, value_map.get("loss_reason")),
            sources=sources,
            zone=ZoneInfo(playbook.calendar.timezone),
            playbook=playbook,
            owners=owners,
        )


@dataclass
class OpportunityContext:
    import_id: int
    actor: Actor
    now: datetime
    dry_run: bool
    rules: OpportunityRules


def write_chunk(uow: UnitOfWork, rows: list[ParsedRow], ctx: OpportunityContext) -> ChunkResult:
    result = ChunkResult(rows=len(rows))
    problems: list[tuple[int, str, str, bool]] = []
    session = uow.session
    externals = [x for r in rows if isinstance(x := r.values.get("external_id"), str)]
    known: dict[str, t.Opportunity] = {
        o.external_id: o
        for o in session.scalars(
            select(t.Opportunity).where(t.Opportunity.external_id.in_(externals))
        )
        if o.external_id is not None
    }
    for row in rows:
        for name, reason in row.errors:
            problems.append((row.number, name, reason, row.rejected))
        if row.rejected:
            result.rejected += 1
            result.outcomes[row.number] = ("rejected", None, None)
            continue
        outcome = _write_row(uow, row, ctx, known, problems)
        if outcome is None:
            result.rejected += 1
            result.outcomes[row.number] = ("rejected", None, None)
        else:
            kind, opp_id = outcome
            setattr(result, kind, getattr(result, kind) + 1)
            result.outcomes[row.number] = (kind, opp_id, None)
    refused = {n for n, (o, _, _) in result.outcomes.items() if o == "rejected"}
    if problems:
        bulk.insert(
            session,
            t.ImportRowError,
            [
                {
                    "import_id": ctx.import_id,
                    "row_number": n,
                    "field": f,
                    "reason": r,
                    "rejected": n in refused,
                }
                for n, f, r, _ in sorted(problems, key=lambda p: p[0])
            ],
        )
    result.errors = len(problems)
    if ctx.dry_run:
        session.rollback()
        session.expunge_all()
        if problems:
            bulk.insert(
                session,
                t.ImportRowError,
                [
                    {
                        "import_id": ctx.import_id,
                        "row_number": n,
                        "field": f,
                        "reason": r,
                        "rejected": n in refused,
                    }
                    for n, f, r, _ in sorted(problems, key=lambda p: p[0])
                ],
            )
    bulk.add_to_batch(
        session,
        ctx.import_id,
        rows_total=result.rows,
        rows_created=result.created,
        rows_updated=result.updated,
        rows_rejected=result.rejected,
    )
    return result


def _write_row(
    uow: UnitOfWork,
    row: ParsedRow,
    ctx: OpportunityContext,
    known: dict[str, t.Opportunity],
    problems: list[tuple[int, str, str, bool]],
) -> tuple[str, int] | None:
    """Create or update the row's opportunity: ("created" | "updated", id), or None when the
    row is refused (its problems added)."""
    v, rules, n = row.values, ctx.rules, row.number
    playbook = rules.playbook
    stage_text = v.get("stage")
    stage = rules.stages.get(value_key(stage_text)) if isinstance(stage_text, str) else None
    if isinstance(stage_text, str) and stage is None:
        problems.append(
            (
                n,
                "stage",
                f"{stage_text!r} is not a stage of the playbook "
                f"({', '.join(playbook.stage_keys)}): map it, e.g. --map-values "
                f"stage='{stage_text}={playbook.conversion.default_stage}'",
                True,
            )
        )
        return None
    stage = stage or playbook.conversion.default_stage
    outcome = playbook.stage(stage).outcome
    owner_id = None
    if isinstance(owner := v.get("owner"), str):
        owner_id, problem = rules.owners.resolve(uow.session, owner)
        if problem is not None:
            problems.append((n, "owner", problem, True))
            return None
    given_created = _when(v, "created_at")
    created = at(given_created, rules.zone) if given_created is not None else ctx.now
    expected = _when(v, "expected_close_date")
    closed = _when(v, "closed_at")
    if outcome != "open" and closed is None and expected is not None:
        closed = expected
    closed_at = at(closed, rules.zone) if closed is not None and outcome != "open" else None
    if closed_at is not None and closed_at < created:
        # Deals keyed in after they closed (Salesforce's sample org): the close date stands.
        note = f"{closed_at:%Y-%m-%d} is before the creation date: taken as created then"
        problems.append((n, "closed_at", note, False))
        created = closed_at
    close_day: date = (
        expected.date()
        if isinstance(expected, datetime)
        else closed_at.astimezone(rules.zone).date()
        if closed_at is not None
        else ctx.now.astimezone(rules.zone).date()
    )
    type_ = _choice(v, "type", rules.types, playbook.conversion.default_type, n, problems)
    source = _choice(
        v,
        "lead_source",
        rules.sources,
        "other" if "other" in playbook.lead_source_keys else playbook.lead_source_keys[0],
        n,
        problems,
    )
    loss = None
    if outcome == "lost":
        loss = _choice(v, "loss_reason", rules.loss_reasons, None, n, problems)
    amount = v.get("amount") if isinstance(v.get("amount"), Decimal) else Decimal("0")
    account_id = _account(uow, v, ctx)
    external = _text(v, "external_id")
    name = _text(v, "name") or f"{_text(v, 'account') or NO_ACCOUNT} {external or f'row {n}'}"
    probability = playbook.stage(stage).probability
    opp = known.get(external) if external else None
    columns: dict[str, Any] = {
        "name": name[:200],
        "name_key": normalise_company_name(name)[:200],
        "account_id": account_id,
        "amount": amount,
        "currency": v.get("currency") or playbook.general.currency,
        "expected_close_date": close_day,
        "stage": stage,
        "probability": probability,
        "type": type_,
        "lead_source": source,
        "loss_reason": loss,
        "owner_id": owner_id if owner_id is not None else (opp.owner_id if opp else None),
        "is_closed": outcome != "open",
        "is_won": outcome == "won",
        "closed_at": closed_at,
        "created_at": created,
        "updated_at": ctx.now,
        "external_id": external,
    }
    session = uow.session
    if opp is None:
        columns["name_key"] = _free_name(uow, account_id, columns["name_key"], external, n)
        opp = t.Opportunity(**columns, import_id=ctx.import_id)
        session.add(opp)
        kind = "created"
    else:
        _keep_for_undo(uow, opp, columns, ctx)
        for key, value in columns.items():
            setattr(opp, key, value)
        kind = "updated"
    session.flush()
    if external:
        known[external] = opp
    # The stage history: this file's rows replace those an import wrote before.
    h = t.OpportunityStageHistory
    session.execute(delete(h).where(h.opportunity_id == opp.id, h.import_id.is_not(None)))
    events = stage_events(
        created,
        stage,
        closed_at,
        is_closed=outcome != "open",
        first_stage=playbook.conversion.default_stage,
    )
    for e in events:
        session.add(
            h(
                opportunity_id=opp.id,
                from_stage=e.before,
                to_stage=e.to,
                probability=playbook.stage(e.to).probability,
                amount=amount,
                changed_at=e.at,
                actor_user_id=ctx.actor.user_id,
                reason=f"import #{ctx.import_id}",
                import_id=ctx.import_id,
            )
        )
    if outcome == "won":
        account = session.get(t.Account, account_id)
        if account is not None and not account.is_customer:
            account.is_customer = True
            account.customer_since = closed_at
    if isinstance(lead_ref := v.get("lead_external_id"), str):
        _convert_lead(uow, lead_ref, opp, ctx, n, problems)
    return kind, opp.id


def _text(v: Mapping[str, Any], name: str) -> str | None:
    value = v.get(name)
    return value if isinstance(value, str) else None


def _when(v: Mapping[str, Any], name: str) -> datetime | None:
    value = v.get(name)
    return value if isinstance(value, datetime) else None


def _choice(
    v: Mapping[str, Any],
    field: str,
    words: Mapping[str, str],
    default: str | None,
    n: int,
    problems: list[tuple[int, str, str, bool]],
) -> Any:
    text = v.get(field)
    if not isinstance(text, str):
        return default
    key = words.get(value_key(text))
    if key is None:
        problems.append(
            (
                n,
                field,
                f"{text!r} is not a {field} of the playbook "
                f"({', '.join(sorted(set(words.values())))}): "
                f"{'left empty' if default is None else default + ' kept'}; map it "
                f"with --map-values {field}='{text}=KEY'",
                False,
            )
        )
        return default
    return key


def _account(uow: UnitOfWork, v: Mapping[str, Any], ctx: OpportunityContext) -> int:
    """The account by external id, else by name, else created (named after the file)."""
    session = uow.session
    external = (
        v.get("account_external_id") if isinstance(v.get("account_external_id"), str) else None
    )
    name = v.get("account") if isinstance(v.get("account"), str) else None
    if external:
        found = session.scalars(
            select(t.Account.id).where(t.Account.external_id == external)
        ).first()
        if found is not None:
            return int(found)
    label = name or (f"Account {external}" if external else NO_ACCOUNT)
    key = normalise_company_name(label)
    found = session.scalars(
        select(t.Account.id).where(t.Account.name_key == key).order_by(t.Account.id)
    ).first()
    if found is not None:
        return int(found)
    account = t.Account(
        name=label[:200],
        name_key=key[:200],
        external_id=external,
        import_id=ctx.import_id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    session.add(account)
    session.flush()
    return account.id


def _free_name(uow: UnitOfWork, account_id: int, key: str, external: str | None, n: int) -> str:
    """One open opportunity per project on an account: a second one of the same name gets
    its external id (or row) in its key."""
    taken = uow.session.scalars(
        select(t.Opportunity.id).where(
            t.Opportunity.account_id == account_id,
            t.Opportunity.name_key == key,
            t.Opportunity.is_closed.is_(False),
        )
    ).first()
    return key if taken is None else f"{key} {external or n}"[:200]


def _convert_lead(
    uow: UnitOfWork,
    ref: str,
    opp: t.Opportunity,
    ctx: OpportunityContext,
    n: int,
    problems: list[tuple[int, str, str, bool]],
) -> None:
    """The lead this deal came from: recorded as converted into it (if it was not)."""
    session = uow.session
    lead = session.scalars(
        select(t.Lead).where(t.Lead.external_id == ref).order_by(t.Lead.id)
    ).first()
    if lead is None:
        problems.append(
            (
                n,
                "lead_external_id",
                f"no lead has the external id {ref!r}: not "
                "linked (import the leads first, or again after)",
                False,
            )
        )
        return
    opp.lead_id = opp.lead_id or lead.id
    lead.opportunity_id = opp.id
    lead.account_id = lead.account_id or opp.account_id
    kept = {name: audit.jsonable(getattr(lead, name)) for name in LEAD_LINK}
    session.add(
        t.ImportChange(
            import_id=ctx.import_id, lead_id=lead.id, action="converted", before={"columns": kept}
        )
    )
    if lead.status != "converted":
        rows = history_rows(
            lead.id,
            [_conversion(lead.status, opp.created_at)],
            import_id=ctx.import_id,
            actor=ctx.actor,
        )
        session.execute(insert(t.LeadStatusHistory), rows)
        lead.status = "converted"
        lead.converted_at = opp.created_at
    lead.updated_at = max(lead.updated_at, ctx.now) if lead.updated_at else ctx.now


LEAD_LINK = ("status", "converted_at", "opportunity_id", "account_id", "updated_at")


def _keep_for_undo(
    uow: UnitOfWork, opp: t.Opportunity, columns: Mapping[str, Any], ctx: OpportunityContext
) -> None:
    """What an update replaces, kept in an import change (lead_id NULL) for an undo."""
    h = t.OpportunityStageHistory
    rows = uow.session.scalars(
        select(h).where(h.opportunity_id == opp.id, h.import_id.is_not(None)).order_by(h.id)
    ).all()
    before = {
        "opportunity_id": opp.id,
        "columns": {k: audit.jsonable(getattr(opp, k)) for k in columns if k != "external_id"},
        "history": [
            {
                "from_stage": r.from_stage,
                "to_stage": r.to_stage,
                "probability": r.probability,
                "amount": str(r.amount),
                "changed_at": r.changed_at.isoformat(),
                "actor_user_id": r.actor_user_id,
                "reason": r.reason,
                "import_id": r.import_id,
            }
            for r in rows
        ],
    }
    uow.session.add(
        t.ImportChange(import_id=ctx.import_id, lead_id=None, action="opp_update", before=before)
    )


def _conversion(before: str, when: datetime) -> Any:
    from bascule.imports.history import Event

    return Event(before, "converted", when)
