"""What the worker decides about an alert, as pure functions: who and what receives it, and what
happens after an attempt (delivered, retried later with exponential backoff, or dead letter).

No I/O, no clock: ``now`` and the playbook's rules are passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bascule.playbook.schema import Alerts, Webhook


class Channel(StrEnum):
    """``Outbox.channel``: who an alert is for. Deliveries: ``AlertDelivery.channel``."""

    IN_APP = "in_app"  # an internal alert: in-app, e-mail to the user, subscribed webhooks
    PERSON_EMAIL = "person_email"  # a message to a lead or contact: do-not-contact applies
    EMAIL = "email"  # a delivery: e-mail to the user an internal alert is for
    WEBHOOK = "webhook"  # a delivery: POST to a webhook of the playbook


class Status(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    SKIPPED = "skipped"


DO_NOT_CONTACT = "do_not_contact: the person asked not to be contacted"


@dataclass(frozen=True)
class Planned:
    channel: Channel
    target: str
    status: Status = Status.PENDING
    reason: str | None = None


@dataclass(frozen=True)
class Person:
    """The lead or contact a message is for, as the database has it now."""

    email: str | None
    do_not_contact: bool


def plan_internal(
    kind: str,
    *,
    recipient_email: str | None,
    email_on: bool,
    webhooks: Sequence[Webhook],
    about_do_not_contact: bool = False,
) -> list[Planned]:
    """An internal alert: e-mail to its recipient, and every webhook subscribed to its kind.
    The e-mail goes to a user, never to the person, whatever their wishes; a webhook hands
    the person's data to another system (which may contact them), so an alert about someone
    marked do-not-contact (``about_do_not_contact``) reaches no webhook: skipped, logged."""
    planned = []
    if email_on and recipient_email:
        planned.append(Planned(Channel.EMAIL, recipient_email))
    for hook in webhooks:
        if hook.wants(kind):
            skip = (Status.SKIPPED, DO_NOT_CONTACT) if about_do_not_contact else ()
            planned.append(Planned(Channel.WEBHOOK, hook.name, *skip))
    return planned


def plan_person(person: Person | None, *, email_on: bool) -> list[Planned]:
    """A message to a lead or contact: an e-mail, unless they asked not to be contacted."""
    if person is None or not person.email:
        return [Planned(Channel.PERSON_EMAIL, "-", Status.SKIPPED, "no e-mail address")]
    if person.do_not_contact:
        return [Planned(Channel.PERSON_EMAIL, person.email, Status.SKIPPED, DO_NOT_CONTACT)]
    if not email_on:
        return [Planned(Channel.PERSON_EMAIL, person.email, Status.SKIPPED, "e-mail is off")]
    return [Planned(Channel.PERSON_EMAIL, person.email)]


def backoff(failures: int, *, base: float, maximum: float) -> timedelta:
    """Wait before the next try after ``failures`` failed attempts (1, 2, ...): base, 2 x base,
    4 x base..., never more than ``maximum``."""
    exponent = min(max(failures - 1, 0), 32)
    return timedelta(seconds=min(base * 2**exponent, maximum))


@dataclass(frozen=True)
class Result:
    """One attempt at one channel delivery."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int | None = None
    # Not sent on purpose (do-not-contact, webhook removed from the playbook): never retried.
    skipped: bool = False


@dataclass(frozen=True)
class After:
    status: Status
    outcome: str  # the delivery log's word: delivered, failed, dead, skipped
    next_attempt_at: datetime | None = None


def after_attempt(result: Result, *, attempt: int, rules: Alerts, now: datetime) -> After:
    """``attempt`` is the number of this attempt (1 for the first)."""
    if result.ok:
        return After(Status.DELIVERED, "delivered")
    if result.skipped:
        return After(Status.SKIPPED, "skipped")
    if attempt >= rules.max_attempts:
        return After(Status.DEAD, "dead")
    wait = backoff(attempt, base=rules.backoff_seconds, maximum=rules.backoff_max_seconds)
    return After(Status.PENDING, "failed", now + wait)


def alert_key(kind: str, lead_id: int, trigger: str, day: date) -> str:
    """One alert of ``kind`` per lead, trigger (a form type, a signal type) and (local) day:
    the outbox's idempotency key for "opportunity suggested"."""
    return f"{kind}:lead:{lead_id}:{trigger}:{day.isoformat()}"
