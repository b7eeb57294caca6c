"""The demo's opportunities: from conversions, RFPs and account managers. Pure.

Outcomes listed by ``deals.required_outcomes`` (every stage, every loss reason) come first,
each given to the first opportunity old or young enough for it; then outcomes are drawn by age.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from bascule.demo import deals
from bascule.demo.book import AccountBook
from bascule.demo.records import DemoAccount, DemoActivity, DemoBatch, DemoOpportunity, Refs
from bascule.demo.staff import Staff
from bascule.demo.timeline import Office
from bascule.opportunities.model import normalise_project_name
from bascule.playbook.schema import Playbook

# What made an account manager open each kind of customer deal (SPEC §6, §12.6-7).
CUSTOMER_SIGNALS = {
    "upsell": "Limite de licences atteinte et demande de tarifs",
    "extension": "Revue trimestrielle : nouvelle filiale et équipe support évoquées",
    "renewal": "Échéance du contrat dans 90 jours",
    "cross_sell": "Intérêt exprimé pour un module complémentaire",
}
STAGE_ACTIVITIES = {
    "discovery": ("meeting", "Démonstration de la plateforme et cadrage du périmètre"),
    "proposal": ("email", "Envoi de la proposition commerciale"),
    "negotiation": ("call", "Point de négociation : remise et conditions de paiement"),
}


class DealMaker:
    def __init__(
        self,
        *,
        rng: random.Random,
        playbook: Playbook,
        now: datetime,
        refs: Refs,
        staff: Staff,
        book: AccountBook,
        office: Office,
    ) -> None:
        self.rng = rng
        self.playbook = playbook
        self.now = now
        self.refs = refs
        self.staff = staff
        self.book = book
        self.office = office
        self._outcomes = deals.required_outcomes(playbook)
        self._customer_types = [t for t in deals.AM_TYPES if t in playbook.type_keys]
        self._customer_types_due = list(self._customer_types)  # each kind at least once
        self._open_projects: set[tuple[int, str]] = set()

    def opportunity(
        self,
        batch: DemoBatch,
        account: DemoAccount,
        *,
        created: datetime,
        opp_type: str,
        template: str,
        lead_source: str,
        campaign: str | None,
        lead_ref: int | None,
        owner: str,
        qualification: dict[str, Any] | None,
        contacts: list[tuple[int, str, bool]],
        description: str | None = None,
    ) -> DemoOpportunity:
        rng, company = self.rng, account.company
        outcome = self._outcome(self.now - created)
        steps, loss_reason = deals.stage_path(
            rng,
            self.playbook,
            outcome=outcome,
            created=created,
            now=self.now,
            amount=deals.amount_for(rng, opp_type, company.employees),
            actor=owner,
            office=self.office,
        )
        closed = not outcome.startswith("open:")
        year = created.year + (1 if opp_type == "renewal" else 0)
        name = deals.name_for(rng, template, company=company.name, city=company.city, year=year)
        if not closed:  # one open opportunity per project on an account (SPEC §3)
            base, n = name, 1
            while (account.ref, normalise_project_name(name)) in self._open_projects:
                n += 1
                name = f"{base} – lot {n}"
            self._open_projects.add((account.ref, normalise_project_name(name)))
        opp = DemoOpportunity(
            ref=self.refs.next("opportunity"),
            name=name,
            account_ref=account.ref,
            type=opp_type,
            lead_source=lead_source,
            campaign=campaign,
            lead_ref=lead_ref,
            owner=owner,
            expected_close_date=deals.expected_close(rng, steps, closed=closed, now=self.now),
            qualification=qualification,
            description=description,
            history=steps,
            contacts=contacts,
            loss_reason=loss_reason,
            is_won=outcome == "won",
            is_closed=closed,
        )
        batch.opportunities.append(opp)
        for step in steps[1:]:
            kind, summary = self._stage_activity(step.to_stage, loss_reason)
            self._activity(batch, opp, kind, None if kind == "note" else "out", summary, step.at)
        if outcome == "won":
            self.book.won(account, steps[-1].at, owner)
        return opp

    def rfp(self, at: datetime, batch: DemoBatch) -> None:
        """SPEC §7: an RFP creates an opportunity directly, with every contact it names."""
        sales = self.staff.next("sales")
        account = self.book.account_for(self.book.pick_company(at), at, sales, batch)
        known_roles = self.playbook.contact_role_keys
        roles = [r for r in ("it", "business", "purchasing") if r in known_roles]
        contacts = [
            (self.book.new_contact(account, at, sales, batch).ref, role, i == 0)
            for i, role in enumerate(roles[: self.rng.randint(2, 3)] or [known_roles[0]])
        ]
        sources = self.playbook.lead_source_keys
        opp = self.opportunity(
            batch,
            account,
            created=at,
            opp_type=self.playbook.conversion.default_type,
            template="rfp",
            lead_source="rfp" if "rfp" in sources else sources[-1],
            campaign=None,
            lead_ref=None,
            owner=sales,
            qualification=None,
            contacts=contacts,
            description="Cahier des charges reçu : budget, calendrier et exigences fonctionnelles",
        )
        self._activity(batch, opp, "signal", "in", "Appel d'offres reçu par le formulaire RFP", at)

    def customer_deal(self, at: datetime, batch: DemoBatch) -> None:
        """SPEC §6: upsell, renewal, extension on a customer account, never through a lead."""
        rng = self.rng
        ready = self.book.customers_since(at)
        if not ready or not self._customer_types:
            return
        account = rng.choice(ready)
        if self._customer_types_due:
            opp_type = self._customer_types_due.pop(0)
        else:
            weights = [deals.AM_TYPES[t] for t in self._customer_types]
            opp_type = rng.choices(self._customer_types, weights=weights)[0]
        owner = account.owner or self.staff.next("account_manager")
        if account.contact_refs and rng.random() < 0.8:
            contact_ref = rng.choice(account.contact_refs)
        else:
            contact_ref = self.book.new_contact(account, at, owner, batch).ref
        sources = self.playbook.lead_source_keys
        role = self.playbook.conversion.default_contact_role
        opp = self.opportunity(
            batch,
            account,
            created=at,
            opp_type=opp_type,
            template=opp_type,
            lead_source="other" if "other" in sources else sources[-1],
            campaign=None,
            lead_ref=None,
            owner=owner,
            qualification=None,
            contacts=[(contact_ref, role, True)],
        )
        signal = CUSTOMER_SIGNALS.get(opp_type, "Besoin exprimé par le client")
        kind = "meeting" if opp_type == "extension" else "signal"
        self._activity(batch, opp, kind, "in", signal, at - timedelta(days=2), owner)

    def _outcome(self, age: timedelta) -> str:
        for i, outcome in enumerate(self._outcomes):
            if deals.fits(outcome, age):
                return self._outcomes.pop(i)
        return deals.random_outcome(self.rng, age, self.playbook)

    def _stage_activity(self, stage: str, loss_reason: str | None) -> tuple[str, str]:
        pb = self.playbook
        if stage == pb.won_stage:
            return "note", "Bon de commande signé"
        if stage == pb.lost_stage:
            return "note", f"Opportunité perdue : {loss_reason}"
        return STAGE_ACTIVITIES.get(stage, ("meeting", f"Étape : {pb.stage(stage).label.fr}"))

    def _activity(
        self,
        batch: DemoBatch,
        opp: DemoOpportunity,
        kind: str,
        direction: str | None,
        summary: str,
        at: datetime,
        user: str | None = None,
    ) -> None:
        batch.activities.append(
            DemoActivity(
                kind,
                direction,
                None,
                summary,
                at,
                user or opp.owner,
                contact_ref=opp.contacts[0][0] if opp.contacts else None,
                account_ref=opp.account_ref,
                opportunity_ref=opp.ref,
            )
        )
