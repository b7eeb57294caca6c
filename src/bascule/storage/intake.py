"""Intake queries: form keys, idempotency records, upsell suggestions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bascule.storage import tables as t


def form_by_key_hash(session: Session, key_hash: str) -> t.IntakeForm | None:
    return session.execute(
        select(t.IntakeForm).where(t.IntakeForm.key_hash == key_hash)
    ).scalar_one_or_none()


def forms(session: Session) -> list[t.IntakeForm]:
    return list(session.scalars(select(t.IntakeForm).order_by(t.IntakeForm.id)))


def idempotency_record(session: Session, scope: str, key: str) -> t.IdempotencyRecord | None:
    return session.execute(
        select(t.IdempotencyRecord).where(
            t.IdempotencyRecord.scope == scope, t.IdempotencyRecord.key == key
        )
    ).scalar_one_or_none()


def open_upsell_suggestion(
    session: Session, account_id: int, contact_id: int | None, intent: str
) -> t.UpsellSuggestion | None:
    query = select(t.UpsellSuggestion).where(
        t.UpsellSuggestion.account_id == account_id,
        t.UpsellSuggestion.intent == intent,
        t.UpsellSuggestion.status == "open",
    )
    if contact_id is None:
        query = query.where(t.UpsellSuggestion.contact_id.is_(None))
    else:
        query = query.where(t.UpsellSuggestion.contact_id == contact_id)
    return session.execute(query.order_by(t.UpsellSuggestion.id).limit(1)).scalar_one_or_none()
