"""Existing leads an import names again: their blanks filled, never a value replaced.

Each keeps an `import_change` row with what it was (for undo), an activity and an audit row.
Which lead a row names is decided by `plan.match_candidates`; what it gains by
`plan.enrichment`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bascule.audit import service as audit
from bascule.imports.plan import LEAD_COLUMNS, Candidate, enrichment
from bascule.leads.fields import search_text
from bascule.storage import bulk
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bascule.imports.lead_history import Past
    from bascule.imports.writer import Context
    from bascule.users.model import Actor


class LeadUpdate:
    """What an import does to one existing lead (possibly from several rows of a chunk)."""

    def __init__(self, lead: t.Lead, same_import: bool) -> None:
        self.lead = lead
        self.same_import = same_import
        self.before: dict[str, Any] = {}
        self.after: dict[str, Any] = {}
        self.tags: list[str] = []
        self.attributes: dict[str, str] = {}
        self.numbers: list[int] = []
        # A history file's past (SPEC §16): the columns it replaced (their values before),
        # the imported history rows before and after (None: history not touched).
        self.past_before: dict[str, Any] = {}
        self.history_before: list[dict[str, Any]] | None = None
        self.history_after: list[dict[str, Any]] | None = None

    def apply_past(self, past: Past | None, import_id: int, actor: Actor) -> bool:
        """Take the file's past: its columns replace the lead's; its dates replace the
        history rows earlier imports wrote (live history stays). True when something
        changed."""
        from bascule.imports import lead_history  # the writer's helper, imported late

        if past is None:
            return False
        lead = self.lead
        changed = False
        for name, value in past.columns.items():
            if getattr(lead, name) != value:
                self.past_before.setdefault(name, getattr(lead, name))
                setattr(lead, name, value)
                changed = True
        if changed or past.events:
            # An undo gives the lead back as it was, its last change included.
            self.past_before.setdefault("updated_at", lead.updated_at)
        if past.events:
            self.history_before = lead_history.imported_history_of(lead)
            self.history_after = lead_history.history_rows(
                lead.id, past.events, import_id=import_id, actor=actor
            )
            changed = True
        return changed

    def apply(
        self,
        c: Candidate,
        email_owner: int | None,
        current_tags: set[str],
        problems: list[tuple[int, str, str, bool]],
    ) -> bool:
        """Fill the lead's blanks from a candidate; True when something was gained.
        `email_owner`: another lead with the candidate's e-mail (see `Match`)."""
        lead = self.lead
        self.numbers.extend(c.numbers)
        current = {name: getattr(lead, name) for name in LEAD_COLUMNS}
        gains = enrichment(current, c)
        if "email" in gains and c.email_key:
            if email_owner is not None:
                reason = (
                    f"{gains.pop('email')!r} not kept: it is the e-mail of open lead {email_owner}"
                )
                problems.append((c.number, "email", reason, False))
        elif c.email_key and lead.email_key and c.email_key != lead.email_key:
            reason = f"{c.fields['email']!r} not kept: lead {lead.id} has another e-mail"
            problems.append((c.number, "email", reason, False))
        if c.external_id and lead.external_id and c.external_id != lead.external_id:
            reason = (
                f"{c.external_id!r} not kept: lead {lead.id}, with the same e-mail, has the "
                f"external id {lead.external_id!r}"
            )
            problems.append((c.number, "external_id", reason, False))
        for name, value in gains.items():
            self.before.setdefault(name, current[name])
            self.after[name] = value
            setattr(lead, name, value)
        if "email" in gains:
            lead.email_key = c.email_key
        new_tags = [tag for tag in c.tags if tag not in current_tags]
        current_tags.update(new_tags)
        self.tags.extend(new_tags)
        attributes = lead.attributes or {}
        added = {k: v for k, v in c.attributes.items() if k not in attributes}
        if added:
            lead.attributes = {**attributes, **added}
            self.attributes.update(added)
        if gains:
            lead.search_text = search_text({k: getattr(lead, k) for k in LEAD_COLUMNS})
        return bool(gains or new_tags or added)


def save_updates(uow: UnitOfWork, updates: list[LeadUpdate], ctx: Context) -> None:
    """Existing leads from before this import: an activity, an undo record and an audit row
    each. Leads created by an earlier chunk of this import only had their blanks filled."""
    theirs = [u for u in updates if not u.same_import]
    for u in updates:
        u.lead.updated_at = ctx.now if not u.same_import else u.lead.updated_at
    if not theirs:
        return
    session = uow.session
    activities = [
        {
            "kind": "signal",
            "direction": "in",
            "summary": f"found again in import #{ctx.import_id} ({ctx.filename})",
            "occurred_at": ctx.now,
            "created_at": ctx.now,
            "user_id": ctx.actor.user_id,
            "lead_id": u.lead.id,
            "details": {"type": "import", "import_id": ctx.import_id, "rows": u.numbers[:20]},
        }
        for u in theirs
    ]
    bulk.insert(session, t.Activity, activities, with_ids=True)
    changes = []
    for u, activity in zip(theirs, activities, strict=True):
        old = {k: audit.jsonable(v) for k, v in u.before.items()}
        new = {k: audit.jsonable(v) for k, v in u.after.items()}
        before = {
            "fields": old,
            "after": new,
            "tags_added": u.tags,
            "attributes_added": u.attributes,
            "activity_id": activity["id"],
            "past": {k: audit.jsonable(v) for k, v in u.past_before.items()},
            "history": u.history_before,
        }
        changes.append(
            {
                "import_id": ctx.import_id,
                "lead_id": u.lead.id,
                "action": "updated",
                "before": before,
            }
        )
        diff: dict[str, Any] = {k: [old[k], new[k]] for k in new}
        for k, v in u.past_before.items():
            diff[k] = [audit.jsonable(v), audit.jsonable(getattr(u.lead, k))]
        if u.tags:
            diff["tags"] = [None, u.tags]
        if u.attributes:
            diff["attributes"] = [None, sorted(u.attributes)]
        audit.record(
            uow,
            actor=ctx.actor,
            entity="lead",
            entity_id=u.lead.id,
            action="import_merge",
            changes=diff,
            reason=f"import #{ctx.import_id}",
            now=ctx.now,
        )
    bulk.insert(session, t.ImportChange, changes)
