"""Owners named in a history file (SPEC §16): found by e-mail or full name among the users;
with `create_owners`, an unknown one becomes an inactive user of role sales (who cannot sign
in: no password) so that the past keeps its names, matched again by a later file.

Users are read once per import (a company has hundreds, not millions) and the ones created
are remembered, so each chunk resolves its owners without a query per row.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bascule.accounts.model import normalise_email
from bascule.imports import fastcheck
from bascule.storage import tables as t
from bascule.users.model import Role

# Where the e-mail of an owner known by name only points: a reserved domain (RFC 2606) that
# no mail is ever sent to.
PLACEHOLDER_DOMAIN = "imported.invalid"
UNKNOWN = (
    "{owner!r} is not a user of Bascule (by e-mail or full name): add them, or import with "
    "--create-owners (create_owners=true)"
)


def name_key(text: str) -> str:
    """ "  Moses  FRASE " -> "moses frase": full names compared without case or accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class Owners:
    """Who each owner of a file is: `resolve(text)` -> (user id or None, problem or None)."""

    def __init__(self, *, create: bool, import_id: int, now: datetime, dry_run: bool) -> None:
        self.create = create
        self.import_id = import_id
        self.now = now
        self.dry_run = dry_run
        self.by_email: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.loaded = False
        self.created = 0

    def _load(self, session: Session) -> None:
        rows = session.execute(
            select(t.User.id, t.User.email, t.User.name, t.User.is_active).order_by(
                t.User.is_active.desc(), t.User.id
            )
        )
        for user_id, email, name, _ in rows:
            self.by_email.setdefault(email.casefold(), user_id)
            self.by_name.setdefault(name_key(name), user_id)
        self.loaded = True

    def resolve(self, session: Session, text: str) -> tuple[int | None, str | None]:
        if not self.loaded:
            self._load(session)
        email = normalise_email(text) if "@" in text else None
        found = self.by_email.get(email) if email else self.by_name.get(name_key(text))
        if found is not None:
            return found, None
        if not self.create:
            return None, UNKNOWN.format(owner=text)
        if email and fastcheck.email(text)[0] is None:
            return None, f"{text!r} is not an e-mail address"
        if self.dry_run:
            return None, None  # would be created
        return self._create(session, text, email), None

    def _create(self, session: Session, text: str, email: str | None) -> int:
        name = " ".join(text.split())
        if email is None:
            local = re.sub(r"[^a-z0-9]+", ".", name_key(name)).strip(".") or "owner"
            email, n = f"{local}@{PLACEHOLDER_DOMAIN}", 1
            while email in self.by_email:
                n += 1
                email = f"{local}.{n}@{PLACEHOLDER_DOMAIN}"
        else:
            name = email.split("@")[0].replace(".", " ").title()
        user = t.User(
            email=email,
            name=name[:200],
            role=Role.SALES.value,
            is_active=False,
            password_hash=None,
            created_at=self.now,
            import_id=self.import_id,
        )
        session.add(user)
        session.flush()
        self.by_email[email] = user.id
        self.by_name.setdefault(name_key(name), user.id)
        self.created += 1
        return user.id
