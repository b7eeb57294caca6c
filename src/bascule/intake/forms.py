"""Form keys: each public form of a type has its own key, stored as a SHA-256 hash only.

``bascule forms create demo_request`` shows the key once; the site sends it in ``X-Form-Key``.
Revoking a key closes that form at once, without touching the others.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from bascule.audit import service as audit
from bascule.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from bascule.playbook.schema import Playbook
from bascule.storage import intake as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor, require

KEY_PREFIX = "bfk_"
HEADER = "X-Form-Key"


@dataclass(frozen=True)
class FormRef:
    """The authenticated form a submission came through."""

    id: int
    form_type: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


# Who acts when nobody signed in does: the operator at the command line.
CLI = Actor(user_id=None, role=None, rule="cli", name="cli")


def create(
    uow: UnitOfWork,
    *,
    form_type: str,
    label: str | None,
    playbook: Playbook,
    now: datetime,
    actor: Actor = CLI,
    reason: str | None = None,
) -> tuple[t.IntakeForm, str]:
    """A new key for a form of this type: (the stored form, the key to show once). Audited."""
    require(actor, "form.manage")
    if form_type not in playbook.intake.forms:
        known = ", ".join(playbook.intake.forms)
        raise ValidationFailed(
            f"unknown form type {form_type!r}", fields={"form_type": f"must be one of {known}"}
        )
    label = (label or "").strip() or None
    if label is not None and len(label) > 120:
        raise ValidationFailed("the label is too long", fields={"label": "at most 120 characters"})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    form = t.IntakeForm(form_type=form_type, key_hash=hash_key(key), label=label, created_at=now)
    uow.session.add(form)
    uow.session.flush()
    audit.record(
        uow, actor=actor, entity="form", entity_id=form.id, action="create",
        changes={"form_type": [None, form_type], "label": [None, label]}, reason=reason,
        now=now,
    )  # fmt: skip
    return form, key


def revoke(
    uow: UnitOfWork,
    *,
    key_or_id: str,
    now: datetime,
    actor: Actor = CLI,
    reason: str | None = None,
) -> t.IntakeForm:
    """Close a form, named by its id or by its key. Revoking twice keeps the first date.
    Audited (with the reason, if given)."""
    require(actor, "form.manage")
    text = key_or_id.strip()
    form: t.IntakeForm | None
    if text.isdigit() and len(text) < 10:
        form = uow.session.get(t.IntakeForm, int(text))
    else:
        form = store.form_by_key_hash(uow.session, hash_key(text))
    if form is None:
        raise NotFound("no such form key", fields={"key_or_id": "no form with this id or key"})
    if form.revoked_at is None:
        form.revoked_at = now
        audit.record(
            uow, actor=actor, entity="form", entity_id=form.id, action="revoke",
            changes={"revoked_at": [None, audit.jsonable(now)]}, reason=reason, now=now,
        )  # fmt: skip
    return form


def list_forms(uow: UnitOfWork) -> list[t.IntakeForm]:
    return store.forms(uow.session)


def authenticate(uow: UnitOfWork, *, form_type: str, key: str | None) -> FormRef:
    """The form a key opens: 401 without a valid key, 403 for a revoked one or a key made
    for another form type."""
    if not key or not key.strip():
        raise Unauthorized("this form needs its key", fields={HEADER: "missing"})
    form = store.form_by_key_hash(uow.session, hash_key(key.strip()))
    if form is None:
        raise Unauthorized("unknown form key", fields={HEADER: "invalid"})
    if form.revoked_at is not None:
        raise Forbidden("this form key has been revoked", fields={HEADER: "revoked"})
    if form.form_type != form_type:
        raise Forbidden(
            "this form key is for another form type", fields={HEADER: "not for this form type"}
        )
    return FormRef(form.id, form.form_type)
