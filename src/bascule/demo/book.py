"""The demo's address book: companies, accounts and contacts, and who is a customer. Pure."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from bascule.demo import timeline
from bascule.demo.people import Identities
from bascule.demo.records import DemoAccount, DemoBatch, DemoCompany, DemoContact, Refs
from bascule.demo.staff import Staff


class AccountBook:
    def __init__(
        self,
        *,
        rng: random.Random,
        people: Identities,
        staff: Staff,
        refs: Refs,
        now: datetime,
        prospects: int,
    ) -> None:
        self.rng = rng
        self.people = people
        self.staff = staff
        self.refs = refs
        self.now = now
        self.accounts: dict[int, DemoAccount] = {}
        self._all: list[DemoAccount] = []
        self._customers: list[DemoAccount] = []
        # Accounts that became customers after they were written: the writer updates them.
        self.new_customers: list[DemoAccount] = []
        self.prospects = [people.company() for _ in range(prospects)]

    def go_live(self, count: int, batch: DemoBatch) -> None:
        """Accounts and contacts imported from the previous tool, before the 18 months."""
        for k in range(count):
            company = self.people.company()
            created = self.now - timeline.WINDOW - timeline.days(self.rng, 20, 700)
            customer = k < 2 or self.rng.random() < 0.4
            account = DemoAccount(
                ref=self.refs.next("account"),
                company=company,
                created_at=created,
                created_by=self.staff.admin,
                owner=self.staff.next("account_manager" if customer else "sales"),
                is_customer=customer,
                customer_since=created if customer else None,
            )
            self._add(account, batch)
            if customer:
                self._customers.append(account)
            for _ in range(self.rng.randint(1, 3)):
                self.new_contact(account, created, account.owner, batch)

    def pick_company(self, at: datetime) -> DemoCompany:
        """A company a lead works for at ``at``: a known account that was not yet a customer
        (and already existed), or a prospect."""
        rng = self.rng
        for _ in range(10):
            if self._all and rng.random() < 0.35:
                company = rng.choice(self._all).company
            else:
                company = rng.choice(self.prospects)
            if company.account_ref is None:
                return company
            account = self.accounts[company.account_ref]
            since = account.customer_since
            if account.created_at <= at and not (since is not None and since <= at):
                return company
        company = self.people.company()
        self.prospects.append(company)
        return company

    def account_for(
        self, company: DemoCompany, at: datetime, owner: str, batch: DemoBatch
    ) -> DemoAccount:
        """The company's account, created now if it has none (SPEC §5 step 1)."""
        if company.account_ref is not None:
            return self.accounts[company.account_ref]
        account = DemoAccount(self.refs.next("account"), company, at, owner, owner)
        self._add(account, batch)
        return account

    def new_contact(
        self, account: DemoAccount, at: datetime, owner: str | None, batch: DemoBatch
    ) -> DemoContact:
        person = self.people.person()
        contact = DemoContact(
            ref=self.refs.next("contact"),
            account_ref=account.ref,
            first_name=person.first_name,
            last_name=person.last_name,
            email=self.people.email(person, account.company.domain),
            phone=self.people.phone(account.company.country),
            job_title=person.job_title,
            created_at=at,
            owner=owner,
        )
        self.add_contact(contact, account, batch)
        return contact

    def add_contact(self, contact: DemoContact, account: DemoAccount, batch: DemoBatch) -> None:
        account.contact_refs.append(contact.ref)
        batch.contacts.append(contact)

    def customers_since(self, at: datetime) -> list[DemoAccount]:
        """Accounts that were customers a month before ``at`` (ripe for upsell)."""
        cutoff = at - timedelta(days=30)
        return [a for a in self._customers if a.customer_since and a.customer_since <= cutoff]

    def won(self, account: DemoAccount, at: datetime, by: str) -> None:
        """The first won opportunity makes the account a customer (SPEC §1)."""
        if account.is_customer and account.became_customer_by is None:
            return  # a customer since go-live
        if account.customer_since is None:
            self.new_customers.append(account)
            self._customers.append(account)
            account.owner = self.staff.next("account_manager")
        if account.customer_since is None or at < account.customer_since:
            account.is_customer = True
            account.customer_since = at
            account.became_customer_by = by

    def _add(self, account: DemoAccount, batch: DemoBatch) -> None:
        account.company.account_ref = account.ref
        self.accounts[account.ref] = account
        self._all.append(account)
        batch.accounts.append(account)
