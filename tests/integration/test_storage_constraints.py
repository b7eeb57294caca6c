"""The database itself refuses duplicates and impossible amounts, on SQLite and PostgreSQL.

Services check these rules too; the constraints are the last line when two requests race.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bascule.storage.tables import (
    Account,
    Base,
    Contact,
    Lead,
    LeadConversion,
    Opportunity,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
# What each database names in its error: PostgreSQL the index, SQLite the columns.
OPEN_LEAD_EMAIL = r"uq_lead_open_email|lead\.email_key"
OPEN_PROJECT = r"uq_opportunity_open_project|opportunity\.account_id, opportunity\.name_key"
ONE_CONVERSION = r"pk_lead_conversion|lead_conversion\.lead_id"


def insert(db: Engine, *rows: Base) -> list[int]:
    """Insert rows in one write transaction; return their ids (in order)."""
    with Session(db.execution_options(write=True), expire_on_commit=False) as session:
        session.add_all(rows)
        session.commit()
    return [row.id for row in rows if hasattr(row, "id")]


def count(db: Engine, model: type[Base]) -> int:
    with Session(db) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def lead(**fields: Any) -> Lead:
    values: dict[str, Any] = {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@acier-durand.fr",
        "email_key": "camille.martin@acier-durand.fr",
        "company": "Aciers Durand",
        "source": "web_form",
        "status": "new",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Lead(**values)


def account(name: str = "Aciers Durand") -> Account:
    return Account(name=name, name_key=name.lower(), created_at=NOW, updated_at=NOW)


def opportunity(account_id: int, **fields: Any) -> Opportunity:
    values: dict[str, Any] = {
        "name": "Ligne de découpe laser",
        "name_key": "ligne de decoupe laser",
        "account_id": account_id,
        "amount": Decimal("48000.00"),
        "expected_close_date": date(2025, 6, 30),
        "stage": "qualification",
        "probability": 10,
        "type": "new_business",
        "lead_source": "web_form",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Opportunity(**values)


# (1) one open lead per e-mail ----------------------------------------------------------------


def test_a_second_open_lead_with_the_same_email_key_is_refused(db: Engine) -> None:
    insert(db, lead(status="new"))

    with pytest.raises(IntegrityError, match=OPEN_LEAD_EMAIL):
        insert(db, lead(status="working", first_name="Camille B."))

    assert count(db, Lead) == 1


def test_closed_leads_do_not_block_an_open_lead_with_the_same_email_key(db: Engine) -> None:
    insert(
        db,
        lead(status="converted", converted_at=NOW),
        lead(status="disqualified", disqualification_reason="no_budget"),
    )

    insert(db, lead(status="new"))

    assert count(db, Lead) == 3


def test_an_open_lead_cannot_reopen_onto_an_email_key_already_open(db: Engine) -> None:
    insert(db, lead(status="new"))
    [closed_id] = insert(db, lead(status="disqualified", disqualification_reason="duplicate"))

    with (
        pytest.raises(IntegrityError, match=OPEN_LEAD_EMAIL),
        Session(db.execution_options(write=True)) as session,
    ):
        closed = session.get_one(Lead, closed_id)
        closed.status = "working"
        session.commit()

    with Session(db) as session:
        assert session.get_one(Lead, closed_id).status == "disqualified"


# (2) one open opportunity per project on an account ------------------------------------------


def test_a_second_open_opportunity_for_one_project_on_one_account_is_refused(
    db: Engine,
) -> None:
    [account_id] = insert(db, account())
    insert(db, opportunity(account_id))

    with pytest.raises(IntegrityError, match=OPEN_PROJECT):
        insert(db, opportunity(account_id, name="Ligne de découpe LASER", amount=Decimal("1")))

    assert count(db, Opportunity) == 1


def test_a_closed_opportunity_does_not_block_a_new_one_for_the_same_project(db: Engine) -> None:
    [account_id] = insert(db, account())
    insert(
        db,
        opportunity(
            account_id,
            stage="closed_lost",
            probability=0,
            is_closed=True,
            closed_at=NOW,
            loss_reason="price",
        ),
    )

    insert(db, opportunity(account_id))

    assert count(db, Opportunity) == 2


def test_the_same_project_may_be_open_on_two_accounts(db: Engine) -> None:
    first_id, second_id = insert(db, account("Aciers Durand"), account("Métallerie Roux"))

    insert(db, opportunity(first_id), opportunity(second_id))

    assert count(db, Opportunity) == 2


# (3) a lead is converted once -----------------------------------------------------------------


def test_a_second_conversion_row_for_one_lead_is_refused(db: Engine) -> None:
    [account_id] = insert(db, account())
    contact_id, lead_id = insert(
        db,
        Contact(
            first_name="Camille",
            last_name="Martin",
            email_key="camille.martin@acier-durand.fr",
            account_id=account_id,
            created_at=NOW,
            updated_at=NOW,
        ),
        lead(status="converted", converted_at=NOW),
    )
    first_opportunity_id, second_opportunity_id = insert(
        db,
        opportunity(account_id, lead_id=lead_id),
        opportunity(account_id, lead_id=lead_id, name="Presse plieuse", name_key="presse plieuse"),
    )

    def conversion(opportunity_id: int, request_hash: str) -> LeadConversion:
        return LeadConversion(
            lead_id=lead_id,
            account_id=account_id,
            contact_id=contact_id,
            opportunity_id=opportunity_id,
            request_hash=request_hash,
            converted_at=NOW,
        )

    insert(db, conversion(first_opportunity_id, "a" * 64))

    with pytest.raises(IntegrityError, match=ONE_CONVERSION):
        insert(db, conversion(second_opportunity_id, "b" * 64))

    with Session(db) as session:
        rows = session.scalars(select(LeadConversion)).all()
        assert [(row.lead_id, row.opportunity_id) for row in rows] == [
            (lead_id, first_opportunity_id)
        ]


# (4) an opportunity is never worth less than nothing -------------------------------------------
# (0 is stored since migration 0011: exports hold lost deals worth 0; the API still asks > 0)


def test_an_opportunity_with_a_negative_amount_is_refused(db: Engine) -> None:
    [account_id] = insert(db, account())
    amount = Decimal("-1500.00")

    with pytest.raises(IntegrityError, match="amount_positive"):
        insert(db, opportunity(account_id, amount=amount))

    assert count(db, Opportunity) == 0


def test_an_amount_of_zero_is_accepted(db: Engine) -> None:
    [account_id] = insert(db, account())

    insert(db, opportunity(account_id, amount=Decimal("0")))

    with Session(db) as session:
        assert session.scalars(select(Opportunity.amount)).all() == [Decimal("0")]
