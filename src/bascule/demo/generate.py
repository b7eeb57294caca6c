"""The demo data generator: a seeded, deterministic stream of batches. Pure (no I/O, no clock).

``DemoGenerator(leads=N, seed=S, now=..., playbook=...)`` yields ``DemoBatch`` records: first
the accounts imported at go-live, then leads in creation order with what they led to
(conversions into accounts, contacts and opportunities), plus RFP and account-manager deals.
Business hours, SLA rules, failed attempts and conversion deadlines are the playbook's, applied
by the product's own rules (``bascule.sla``; see ``demo.clocks``). The same seed, ``now`` and
playbook always give the same data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bascule.demo import clocks, people, scores, timeline
from bascule.demo import leads as life
from bascule.demo import vocabulary as v
from bascule.demo.book import AccountBook
from bascule.demo.records import (
    Assignment,
    DemoAccount,
    DemoBatch,
    DemoCompany,
    DemoContact,
    DemoLead,
    Refs,
)
from bascule.demo.sales import DealMaker
from bascule.demo.staff import Staff
from bascule.leads.model import CLOSED_STATUSES, LeadStatus
from bascule.playbook.schema import Playbook
from bascule.playbook.sla import SlaRule
from bascule.sla import rules as sla_rules
from bascule.sla.calendar import BusinessCalendar

SOURCE_WEIGHTS = {
    "web_form": 14,
    "content_download": 22,
    "demo_request": 9,
    "purchased_list": 6,
    "referral": 6,
    "paid_campaign": 14,
    "inbound_call": 5,
    "freemium_signup": 10,
    "other": 3,
}
CAMPAIGNS = {"demo_request": "Page démo", "freemium_signup": "Offre gratuite"}
# Scenarios (named by the status they end in) a support request may follow: never qualified
# by marketing or accepted by sales.
_SUPPORT_ENDINGS = frozenset(LeadStatus) - {LeadStatus.MQL, LeadStatus.SQL}


class DemoGenerator:
    def __init__(
        self, *, leads: int, seed: int, now: datetime, playbook: Playbook, batch_size: int = 2000
    ) -> None:
        self.total = leads
        self.now = now
        self.playbook = playbook
        self.batch_size = batch_size
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(playbook.general.timezone)
        self.calendar = BusinessCalendar.of(playbook.calendar)
        self.people = people.Identities(self.rng)
        self.staff = Staff()
        self.users = self.staff.users
        self.admin = self.staff.admin
        names = {u.email: u.name for u in self.users}
        self._owners = clocks.Owners(
            marketer=self.staff.marketer, dispatcher=self.staff.dispatcher, names=names
        )
        self._managers = {u.email: u.manager for u in self.users}
        self._rules: dict[tuple[str | None, str, str | None], SlaRule | None] = {}
        # The public forms that create a lead, by the lead's source and kind (SPEC §7).
        self._forms: dict[tuple[str, str], list[str]] = {}
        for form_type, form in playbook.intake.forms.items():
            if form.creates == "lead":
                self._forms.setdefault((form.source, form.kind), []).append(form_type)
        refs = Refs()
        self.refs = refs
        self.book = AccountBook(
            rng=self.rng,
            people=self.people,
            staff=self.staff,
            refs=refs,
            now=now,
            prospects=max(20, leads // 25),
        )
        self.deals = DealMaker(
            rng=self.rng,
            playbook=playbook,
            now=now,
            refs=refs,
            staff=self.staff,
            book=self.book,
            office=self._office,
        )
        forced = life.required_scenarios(playbook)[:leads]
        span = min(leads, max(int(leads * 0.7), len(forced)))
        self._forced = dict(zip(self.rng.sample(range(span), len(forced)), forced, strict=True))
        # The latest few leads are requests for contact that just came in, so that a fresh
        # demo has first-response clocks still running.
        self._fresh_forms = [
            form_type
            for form_type, form in playbook.intake.forms.items()
            if form.creates == "lead"
            and form.kind == "sales"
            and sla_rules.rule_for(
                playbook.sla, sla_rules.Request(form_type, form.source, form.temperature)
            )
        ]
        fresh = range(max(0, leads - max(2, leads // 250)), leads)
        self._fresh = {i for i in fresh if i not in self._forced} if self._fresh_forms else set()
        self.shows = []
        for name, months_ago in v.TRADE_SHOWS:
            when = now - timedelta(days=30.4 * months_ago)
            self.shows.append((f"{name} {when.astimezone(self.tz).year}", when))

    # --- the stream ---------------------------------------------------------------------------

    @property
    def new_customers(self) -> list[DemoAccount]:
        """Accounts that became customers during the stream (see ``DemoWriter.finish``)."""
        return self.book.new_customers

    def batches(self) -> Iterator[DemoBatch]:
        first = DemoBatch()
        self.book.go_live(max(6, self.total // 40), first)
        yield first
        for start in range(0, self.total, self.batch_size):
            yield self._lead_batch(start, min(start + self.batch_size, self.total))

    def _office(self, moment: datetime, limit: datetime) -> datetime:
        return timeline.office_hours(moment, limit, self.calendar, self.rng)

    def _lead_batch(self, start: int, stop: int) -> DemoBatch:
        batch = DemoBatch()
        for index in range(start, stop):
            self._lead(index, batch)
        first, last = batch.leads[0].created_at, batch.leads[-1].created_at
        latest = self.now - timedelta(hours=2)

        def moment() -> datetime:
            return min(first + (last - first) * self.rng.random(), latest)

        size = stop - start
        for _ in range(max(1, round(size / 150))):
            self.deals.rfp(moment(), batch)
        for _ in range(max(round(size / 60), 4 if start == 0 else 1)):
            self.deals.customer_deal(moment(), batch)
        return batch

    # --- leads --------------------------------------------------------------------------------

    def _lead(self, index: int, batch: DemoBatch) -> None:
        rng, pb = self.rng, self.playbook
        created = timeline.created_at(index, self.total, rng, self.now, self.tz)
        scenario = self._forced.get(index) or life.random_scenario(rng, self.now - created, pb)
        fresh = index in self._fresh
        if fresh:  # a request for contact that came in minutes ago, nobody has called yet
            created = self.now - timedelta(minutes=15 * (self.total - index) + rng.uniform(0, 10))
            scenario = "new"
        name = scenario.partition(":")[0]
        support = scenario == "converted_support" or (
            name in _SUPPORT_ENDINGS and not fresh and rng.random() < 0.04
        )
        kind = "support_service" if support else "sales"
        form_type: str | None
        if fresh:
            form_type = rng.choice(self._fresh_forms)
            source = pb.intake.forms[form_type].source
            campaign = CAMPAIGNS.get(source)
        else:
            source, campaign = self._source(created, support)
            forms = self._forms.get((source, kind))
            form_type = rng.choice(forms) if forms else None
        form = pb.intake.forms[form_type] if form_type else None
        company = self.book.pick_company(created)
        person = self.people.person(support=support)
        domain = self.people.free_mail_domain() if rng.random() < 0.08 else company.domain
        cast = life.Cast(self.staff.next("sdr"), self.staff.next("sales"), self.staff.marketer)
        # The SLA rule the lead falls under when it is assigned (SPEC §9): the form, the source
        # and the temperature it arrived with.
        rule = self._rule(form_type, source, form.temperature if form else None)
        old = self.now - created > timedelta(days=7)
        if rule is not None and name == "new" and old and index not in self._forced:
            scenario = name = "contacted"  # a request for contact is seldom left for weeks
        unrouted = (
            name == "new"
            and not fresh
            and source in ("content_download", "freemium_signup")
            and rng.random() < 0.3
        )  # still in the marketing pool, nobody assigned yet
        assigned = min(created + timedelta(minutes=rng.randint(1, 10)), self.now)
        allowance = (
            sla_rules.allowance(rule, self.calendar) if rule is not None and not unrouted else None
        )
        first_contact = life.first_contact_at(
            rng, created if allowance is None else assigned, allowance, self.calendar.add
        )
        steps = life.timed_steps(
            life.plan_moves(scenario, rng, pb),
            rng=rng,
            created=created,
            first_contact=first_contact,
            now=self.now,
            cast=cast,
            source=source,
            playbook=pb,
            office=self._office,
        )
        status = steps[-1].to_status
        q = life.qualification_for(scenario, rng, pb, support=support)
        score, explanation = scores.score_for(
            status, rng, employees=company.employees, seniority=person.seniority, source=source
        )
        ref = self.refs.next("lead")
        activities = life.activities_for(
            steps,
            rng=rng,
            lead_ref=ref,
            source=source,
            campaign=campaign,
            form_type=form_type,
            cast=cast,
            office=self._office,
            sla=pb.sla,
            now=self.now,
        )
        for activity in activities:
            activity.ref = self.refs.next("activity")
        owners: list[Assignment] = []
        if not unrouted:
            owners = self._owners.chain(steps, sdr=cast.sdr, sales=cast.sales, first_at=assigned)
        replayed = clocks.first_response(
            rule=rule,
            owners=owners,
            steps=steps,
            activities=activities,
            sla=pb.sla,
            calendar=self.calendar,
            now=self.now,
            manager_of=self._managers.get,
        )
        temperature = self._temperature(score, source)
        if form is not None and form.temperature is not None:
            temperature = scores.warmest(temperature, form.temperature)
        lead = DemoLead(
            ref=ref,
            first_name=person.first_name,
            last_name=person.last_name,
            email=self.people.email(person, domain),
            phone=self.people.phone(company.country),
            company=company.name,
            job_title=person.job_title,
            employees=company.employees,
            sector=company.sector,
            country=company.country,
            technology=rng.choice(v.TECHNOLOGIES) if rng.random() < 0.85 else None,
            source=source,
            campaign=campaign,
            kind=kind,
            temperature=temperature,
            owner=owners[-1].owner if owners else None,
            score=score,
            score_explanation=explanation,
            qualification=q.to_dict() if q else None,
            ready_to_convert=life.is_ready(q, pb),
            do_not_contact=rng.random() < 0.015,
            created_at=created,
            assigned_at=owners[-1].at if owners else None,
            first_response_due_at=replayed.due_at,
            first_response_at=replayed.answered_at,
            history=steps,
            tags=self._tags(source, campaign),
            form_type=form_type,
            assignments=owners,
            clocks=replayed.clocks,
            failed_attempts=clocks.failed_attempts(activities, steps, pb.sla),
        )
        if q is not None:
            self._qualified(lead, cast)
        if lead.ready_to_convert and LeadStatus(status) not in CLOSED_STATUSES:
            deadline = clocks.conversion_deadline(
                lead.qualified_at or steps[-1].at,
                steps,
                calendar=self.calendar,
                conversion=pb.conversion,
                now=self.now,
            )
            lead.ready_since, lead.conversion_due_at = deadline.ready_since, deadline.due_at
            lead.overdue = deadline.overdue
        batch.leads.append(lead)
        batch.activities.extend(activities)
        if status == "converted":
            self._convert(lead, company, cast.sales, batch, support=support)

    def _rule(self, form_type: str | None, source: str, temperature: str | None) -> SlaRule | None:
        """The SLA rule a lead falls under (None: no deadline), looked up once per request."""
        key = (form_type, source, temperature)
        if key not in self._rules:
            request = sla_rules.Request(form_type, source, temperature)
            self._rules[key] = sla_rules.rule_for(self.playbook.sla, request)
        return self._rules[key]

    def _source(self, created: datetime, support: bool) -> tuple[str, str | None]:
        rng, keys = self.rng, self.playbook.lead_source_keys
        if support:
            return rng.choice([k for k in ("inbound_call", "web_form") if k in keys] or keys), None
        for show, when in self.shows:
            just_after = timedelta(0) <= created - when <= timedelta(days=7)
            if just_after and "trade_show" in keys and rng.random() < 0.8:
                return "trade_show", show
        choices = [k for k in SOURCE_WEIGHTS if k in keys] or list(keys)
        source = rng.choices(choices, weights=[SOURCE_WEIGHTS.get(k, 1) for k in choices])[0]
        if source == "content_download":
            return source, rng.choice(v.WHITE_PAPERS)
        if source == "paid_campaign":
            return source, rng.choice(v.PAID_CAMPAIGNS)
        return source, CAMPAIGNS.get(source)

    def _tags(self, source: str, campaign: str | None) -> list[str]:
        tags = []
        if campaign and source in ("trade_show", "paid_campaign", "content_download"):
            tags.append(people.slug(campaign, "-")[:80])
        if self.rng.random() < 0.08:
            tags.append(self.rng.choice(v.OTHER_TAGS))
        return tags

    def _temperature(self, score: int, source: str) -> str:
        if source == "demo_request":
            return "hot"
        if source == "trade_show":  # noted on the business card at the stand
            return self.rng.choices(("hot", "warm", "cold"), weights=(20, 50, 30))[0]
        return scores.temperature_for(score)

    def _qualified(self, lead: DemoLead, cast: life.Cast) -> None:
        steps = lead.history
        accepted = next((s for s in steps if s.to_status in ("sql", "mql")), steps[-1])
        if steps[-1].kind == "conversion":
            lead.qualified_at = accepted.at + (steps[-1].at - accepted.at) * 0.5
        else:
            lead.qualified_at = accepted.at
        lead.qualified_by = cast.sales if accepted.to_status == "sql" else cast.sdr

    def _convert(
        self, lead: DemoLead, company: DemoCompany, sales: str, batch: DemoBatch, *, support: bool
    ) -> None:
        """SPEC §5: account (linked or created), contact from the lead, opportunity, links."""
        at = lead.history[-1].at
        account = self.book.account_for(company, at, sales, batch)
        contact = DemoContact(
            ref=self.refs.next("contact"),
            account_ref=account.ref,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            job_title=lead.job_title,
            created_at=at,
            owner=lead.owner,
            from_lead_ref=lead.ref,
        )
        self.book.add_contact(contact, account, batch)
        opp_type = "service" if support else self.playbook.conversion.default_type
        role = self.rng.choice(("decision_maker", "champion", "it", "business"))
        if role not in self.playbook.contact_role_keys:
            role = self.playbook.conversion.default_contact_role
        opp = self.deals.opportunity(
            batch,
            account,
            created=at,
            opp_type=opp_type,
            template="service" if support else "new_business",
            lead_source=lead.source,
            campaign=lead.campaign,
            lead_ref=lead.ref,
            owner=sales,
            qualification=lead.qualification,
            contacts=[(contact.ref, role, True)],
        )
        first = opp.history[0]
        opp.conversion_request = {
            "opportunity": {
                "name": opp.name,
                "amount": str(first.amount),
                "expected_close_date": opp.expected_close_date.isoformat(),
                "stage": first.to_stage,
                "type": opp_type,
            }
        }
        lead.account_ref, lead.contact_ref, lead.opportunity_ref = account.ref, contact.ref, opp.ref
