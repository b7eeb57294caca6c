"""Writing demo batches: bulk inserts, one transaction per batch.

Users go through the real service. Everything else is inserted in bulk for speed (100,000
leads in a few minutes), with the rows the services would have written alongside: status and
stage history (owners and conversion flags included), audit trail, conversion records,
activities, first-response clocks. Records arrive with refs; the writer maps them to database
ids as it goes.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from bascule.audit.service import jsonable
from bascule.conversion.service import request_fingerprint
from bascule.demo.records import (
    Assignment,
    DemoAccount,
    DemoBatch,
    DemoContact,
    DemoLead,
    DemoUser,
    Overdue,
    Step,
)
from bascule.demo.rows import (
    Ids,
    Row,
    account_row,
    activity_row,
    clock_row,
    contact_row,
    lead_row,
    opportunity_row,
)
from bascule.leads.assignment import KIND as ASSIGNMENT
from bascule.playbook.schema import Playbook
from bascule.sla.conversion_overdue import RULE as CONVERSION_DEADLINE
from bascule.sla.followup import HISTORY_KIND as CONVERSION_OVERDUE
from bascule.storage import repositories as repo
from bascule.storage import tables as t
from bascule.storage.uow import Database, UnitOfWork
from bascule.users import service as users_service


class DemoWriter:
    def __init__(self, database: Database, playbook: Playbook) -> None:
        self.database = database
        self.currency = playbook.general.currency
        self.ids = Ids()
        self.counts: Counter[str] = Counter()
        self._audit: list[Row] = []

    # --- users --------------------------------------------------------------------------------

    def users(self, users: list[DemoUser], *, now: datetime) -> None:
        """Create the demo team through the users service (reusing accounts that exist)."""
        with self.database.uow(write=True) as uow:
            for user in users:
                row = repo.user_by_email(uow.session, user.email)
                if row is None:
                    row = users_service.create_user(
                        uow,
                        email=user.email,
                        role=user.role,
                        name=user.name,
                        team=user.team,
                        manager_email=user.manager,
                        now=now,
                    )
                    self.counts["users created"] += 1
                self.ids.users[user.email] = row.id
            uow.commit()
        self.counts["teams"] = len({u.team for u in users if u.team})

    # --- one batch, one transaction -----------------------------------------------------------

    def write(self, batch: DemoBatch) -> None:
        with self.database.uow(write=True) as uow:
            ids = self.ids
            accounts = [account_row(a, ids) for a in batch.accounts]
            insert_rows(uow, t.Account, accounts, with_ids=True)
            for account, row in zip(batch.accounts, accounts, strict=True):
                ids.accounts[account.ref] = row["id"]
                self._audit_create("account", row, account.created_by, account.created_at)

            leads = [lead_row(lead, ids) for lead in batch.leads]
            insert_rows(uow, t.Lead, leads, with_ids=True)
            ids.leads = {lead.ref: row["id"] for lead, row in zip(batch.leads, leads, strict=True)}

            contacts = [contact_row(c, ids) for c in batch.contacts]
            insert_rows(uow, t.Contact, contacts, with_ids=True)
            for contact, row in zip(batch.contacts, contacts, strict=True):
                ids.contacts[contact.ref] = row["id"]
                self._audit_contact(contact, row)

            opportunities = [opportunity_row(o, ids, self.currency) for o in batch.opportunities]
            insert_rows(uow, t.Opportunity, opportunities, with_ids=True)
            ids.opportunities = {
                o.ref: row["id"] for o, row in zip(batch.opportunities, opportunities, strict=True)
            }

            links, conversions = self._conversions(batch)
            if links:
                uow.session.bulk_update_mappings(t.Lead.__mapper__, links)
            insert_rows(uow, t.LeadConversion, conversions)
            insert_rows(uow, t.LeadStatusHistory, self._lead_history(batch.leads))
            insert_rows(uow, t.LeadTag, self._lead_tags(uow, batch.leads))
            insert_rows(uow, t.OpportunityContact, self._opportunity_contacts(batch))
            insert_rows(uow, t.OpportunityStageHistory, self._stage_history(batch))
            # Only the activities that answered a clock need their ids back (RETURNING costs
            # a fifth of the demo's time on PostgreSQL when every activity asks for its id).
            answers = {
                c.activity_ref
                for lead in batch.leads
                for c in lead.clocks
                if c.activity_ref is not None
            }
            answering = [a for a in batch.activities if a.ref in answers]
            answer_rows = [activity_row(a, ids) for a in answering]
            insert_rows(uow, t.Activity, answer_rows, with_ids=True)
            ids.activities = {}
            for activity, row in zip(answering, answer_rows, strict=True):
                assert activity.ref is not None
                ids.activities[activity.ref] = row["id"]
            others = [a for a in batch.activities if a.ref not in answers]
            insert_rows(uow, t.Activity, [activity_row(a, ids) for a in others])
            insert_rows(uow, t.SlaClock, self._clocks(batch.leads))
            insert_rows(uow, t.AuditLog, self._audit)
            uow.commit()
        self.counts["audit rows"] += len(self._audit)
        self._audit = []
        self.counts["accounts"] += len(batch.accounts)
        self.counts["contacts"] += len(batch.contacts)
        self.counts["activities"] += len(batch.activities)
        for lead in batch.leads:
            self.counts[f"lead:{lead.status}"] += 1
        for opp in batch.opportunities:
            self.counts[f"stage:{opp.stage}"] += 1
            self.counts[f"type:{opp.type}"] += 1
        self.counts["customers"] += sum(
            1 for a in batch.accounts if a.is_customer and a.became_customer_by is None
        )

    def finish(self, new_customers: list[DemoAccount]) -> None:
        """Accounts that became customers (first won opportunity) after they were written."""
        rows: list[Row] = [
            {
                "id": self.ids.accounts[a.ref],
                "is_customer": True,
                "customer_since": a.customer_since,
                "owner_id": self.ids.user(a.owner),
                "updated_at": a.customer_since,
            }
            for a in new_customers
        ]
        for account, row in zip(new_customers, rows, strict=True):
            self._log(
                account.became_customer_by,
                "account",
                row["id"],
                "became_customer",
                {"is_customer": [False, True]},
                account.customer_since,
            )
        with self.database.uow(write=True) as uow:
            if rows:
                uow.session.bulk_update_mappings(t.Account.__mapper__, rows)
            insert_rows(uow, t.AuditLog, self._audit)
            uow.commit()
        self.counts["audit rows"] += len(self._audit)
        self._audit = []
        self.counts["customers"] += len(new_customers)

    # --- rows ---------------------------------------------------------------------------------

    def _conversions(self, batch: DemoBatch) -> tuple[list[Row], list[Row]]:
        links: list[Row] = []
        conversions: list[Row] = []
        requests = {o.ref: o.conversion_request for o in batch.opportunities}
        for lead in batch.leads:
            if lead.opportunity_ref is None:
                continue
            assert lead.account_ref is not None and lead.contact_ref is not None
            row = {
                "lead_id": self.ids.leads[lead.ref],
                "account_id": self.ids.accounts[lead.account_ref],
                "contact_id": self.ids.contacts[lead.contact_ref],
                "opportunity_id": self.ids.opportunities[lead.opportunity_ref],
            }
            links.append({"id": row["lead_id"], **{k: v for k, v in row.items() if k != "lead_id"}})
            conversions.append(
                {
                    **row,
                    "request_hash": request_fingerprint(requests[lead.opportunity_ref] or {}),
                    "converted_at": lead.converted_at,
                    "actor_user_id": self.ids.user(lead.history[-1].actor),
                }
            )
        self.counts["conversions"] += len(conversions)
        return links, conversions

    def _lead_history(self, leads: list[DemoLead]) -> list[Row]:
        rows: list[Row] = []
        for lead in leads:
            lead_id = self.ids.leads[lead.ref]
            for step in _in_order(lead):
                if isinstance(step, Assignment):
                    rows.append(self._assignment(lead_id, step))
                    continue
                if isinstance(step, Overdue):
                    rows.append(self._overdue(lead_id, step))
                    continue
                actor = self.ids.user(step.actor)
                rows.append(
                    {
                        "lead_id": lead_id,
                        "from_status": step.from_status,
                        "to_status": step.to_status,
                        "changed_at": step.at,
                        "actor_user_id": actor,
                        "actor_rule": step.rule,
                        "kind": step.kind,
                        "reason": step.reason,
                    }
                )
                if step.from_status is None:
                    # The first owner in the creation row's audit (its history row of kind
                    # assignment tells who gave it and when), the later ones in their own.
                    first = lead.assignments[0].owner if lead.assignments else None
                    created = {
                        "email": lead.email,
                        "company": lead.company,
                        "source": lead.source,
                        "campaign": lead.campaign,
                        "owner_id": self.ids.user(first),
                    }
                    changes = {k: [None, v] for k, v in created.items() if v is not None}
                    self._log(step.actor, "lead", lead_id, "create", changes, step.at, step.rule)
                else:
                    self._log(
                        step.actor,
                        "lead",
                        lead_id,
                        f"status:{step.kind}",
                        {"status": [step.from_status, step.to_status]},
                        step.at,
                        step.rule,
                        step.reason,
                    )
            if lead.qualification is not None and lead.qualified_at is not None:
                self._log(
                    lead.qualified_by,
                    "lead",
                    lead_id,
                    "qualify",
                    {"qualification": [None, lead.qualification]},
                    lead.qualified_at,
                )
        self.counts["lead history rows"] += len(rows)
        return rows

    def _assignment(self, lead_id: int, a: Assignment) -> Row:
        """The history row ``leads.assignment.assign`` writes (status kept), and its audit row
        for a change of owner (the first owner is in the creation's: a row less per lead)."""
        if a.previous is not None:
            owners = [self.ids.user(a.previous), self.ids.user(a.owner)]
            changes = {"owner_id": owners}
            self._log(a.actor, "lead", lead_id, "assign", changes, a.at, None, a.reason)
        self.counts["assignments"] += 1
        return {
            "lead_id": lead_id,
            "from_status": a.status,
            "to_status": a.status,
            "changed_at": a.at,
            "actor_user_id": self.ids.user(a.actor),
            "actor_rule": None,
            "kind": ASSIGNMENT,
            "reason": a.reason,
        }

    def _overdue(self, lead_id: int, o: Overdue) -> Row:
        """The rows ``sla.followup.flag_overdue`` writes: history (status kept) and audit."""
        changes = {"conversion_overdue": [False, True]}
        self._log(
            None, "lead", lead_id, "conversion_overdue", changes, o.at, CONVERSION_DEADLINE,
            o.reason,
        )  # fmt: skip
        self.counts["conversions overdue"] += 1
        return {
            "lead_id": lead_id,
            "from_status": o.status,
            "to_status": o.status,
            "changed_at": o.at,
            "actor_user_id": None,
            "actor_rule": CONVERSION_DEADLINE,
            "kind": CONVERSION_OVERDUE,
            "reason": o.reason,
        }

    def _clocks(self, leads: list[DemoLead]) -> list[Row]:
        rows = [
            clock_row(clock, self.ids.leads[lead.ref], self.ids)
            for lead in leads
            for clock in lead.clocks
        ]
        self.counts["sla clocks"] += len(rows)
        return rows

    def _lead_tags(self, uow: UnitOfWork, leads: list[DemoLead]) -> list[Row]:
        names = sorted(
            {tag.strip().lower() for lead in leads for tag in lead.tags} - set(self.ids.tags)
        )
        if names:
            rows: list[Row] = [{"name": name} for name in names]
            insert_rows(uow, t.Tag, rows, with_ids=True)
            self.ids.tags.update({row["name"]: row["id"] for row in rows})
            self.counts["tags"] += len(rows)
        return [
            {"lead_id": self.ids.leads[lead.ref], "tag_id": self.ids.tags[name]}
            for lead in leads
            for name in sorted({tag.strip().lower() for tag in lead.tags})
        ]

    def _opportunity_contacts(self, batch: DemoBatch) -> list[Row]:
        return [
            {
                "opportunity_id": self.ids.opportunities[o.ref],
                "contact_id": self.ids.contacts[contact_ref],
                "role": role,
                "is_primary": primary,
            }
            for o in batch.opportunities
            for contact_ref, role, primary in o.contacts
        ]

    def _stage_history(self, batch: DemoBatch) -> list[Row]:
        rows: list[Row] = []
        for o in batch.opportunities:
            opp_id = self.ids.opportunities[o.ref]
            for step in o.history:
                rows.append(
                    {
                        "opportunity_id": opp_id,
                        "from_stage": step.from_stage,
                        "to_stage": step.to_stage,
                        "probability": step.probability,
                        "amount": step.amount,
                        "changed_at": step.at,
                        "actor_user_id": self.ids.user(step.actor),
                        "reason": step.reason,
                    }
                )
                if step.from_stage is None:
                    changes = {
                        "name": [None, o.name],
                        "account_id": [None, self.ids.accounts[o.account_ref]],
                        "amount": [None, str(step.amount)],
                        "stage": [None, step.to_stage],
                        "type": [None, o.type],
                    }
                    self._log(step.actor, "opportunity", opp_id, "create", changes, step.at)
                else:
                    changes = {"stage": [step.from_stage, step.to_stage]}
                    self._log(
                        step.actor,
                        "opportunity",
                        opp_id,
                        "stage",
                        changes,
                        step.at,
                        None,
                        step.reason,
                    )
        self.counts["stage history rows"] += len(rows)
        return rows

    # --- audit --------------------------------------------------------------------------------

    def _log(
        self,
        actor: str | None,
        entity: str,
        entity_id: int,
        action: str,
        changes: dict[str, Any],
        at: datetime | None,
        rule: str | None = None,
        reason: str | None = None,
    ) -> None:
        self._audit.append(
            {
                "at": at,
                "actor_user_id": self.ids.user(actor),
                "actor_rule": rule if actor is None else None,
                "entity": entity,
                "entity_id": entity_id,
                "action": action,
                "changes": changes,
                "reason": reason,
            }
        )

    def _audit_create(self, entity: str, row: Row, actor: str | None, at: datetime) -> None:
        keys = ("name", "domain", "sector", "employees", "country", "owner_id")
        changes = {k: [None, jsonable(row[k])] for k in keys if row.get(k) is not None}
        self._log(actor, entity, row["id"], "create", changes, at, None if actor else "import")

    def _audit_contact(self, c: DemoContact, row: Row) -> None:
        if c.from_lead_ref is not None:
            changes: dict[str, Any] = {"from_lead": [None, self.ids.leads[c.from_lead_ref]]}
        else:
            changes = {
                k: [None, row[k]] for k in ("first_name", "last_name", "email", "account_id")
            }
        self._log(c.owner, "contact", row["id"], "create", changes, c.created_at)


def _in_order(lead: DemoLead) -> list[Step | Assignment | Overdue]:
    """The lead's history rows in time order: status changes, owners, the conversion flag
    (at one instant, the status change comes first)."""
    rows: list[Step | Assignment | Overdue] = [*lead.history, *lead.assignments]
    if lead.overdue is not None:
        rows.append(lead.overdue)
    if lead.assignments or lead.overdue is not None:
        rows.sort(key=lambda row: row.at)  # stable: status changes first at one instant
    return rows


def insert_rows(uow: UnitOfWork, model: Any, rows: list[Row], *, with_ids: bool = False) -> None:
    """One multi-row INSERT of ``rows``; with ``with_ids``, each row gets its new ``id``."""
    if not rows:
        return
    session = uow.session
    table = t.Base.metadata.tables[model.__tablename__]
    if with_ids and uow.is_sqlite:
        # SQLite numbers new rows max(id) + 1, + 2...; the write lock taken at BEGIN keeps
        # that true for the whole transaction. Much faster than RETURNING, which SQLAlchemy
        # has to run one row at a time on SQLite to keep the rows in order.
        query = f'SELECT max(id) FROM "{table.name}"'
        last = session.connection().exec_driver_sql(query).scalar() or 0
        for n, row in enumerate(rows, start=1):
            row["id"] = last + n
    elif with_ids:
        statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        new_ids = session.execute(statement, rows).scalars()
        for row, new_id in zip(rows, new_ids, strict=True):
            row["id"] = new_id
        return
    session.execute(table.insert(), rows)
