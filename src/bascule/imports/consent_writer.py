"""Writing the consents of one chunk of a lead file (SPEC §18): one INSERT for the answers of
its people, one audit row for the chunk. Their source is ``import:<id>``, so that an undo
finds them (``undo_source``).

An import fills blanks and replaces nothing (``enrich``): a lead that already holds an answer
for a purpose keeps it, whatever the file says; the change of a person's mind comes through
the API, the forms or the page, with its date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bascule.audit import service as audit
from bascule.imports.consent_columns import ANSWER, WHEN
from bascule.imports.plan import Candidate, id_ranges
from bascule.playbook.schema import Playbook
from bascule.storage import bulk
from bascule.storage import privacy as store
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork
from bascule.users.model import Actor

# A clock a little ahead (a spreadsheet's "now") is not the future.
FUTURE_SLACK = timedelta(minutes=5)
Problem = tuple[int, str, str, bool]


def source_of(import_id: int) -> str:
    return f"import:{import_id}"


def zone_of(playbook: Playbook | None) -> tzinfo:
    """Where the file's dates without a zone were written: the company's calendar."""
    return ZoneInfo(playbook.calendar.timezone) if playbook is not None else UTC


def check_dates(
    candidates: list[Candidate], *, now: datetime, zone: tzinfo, problems: list[Problem]
) -> None:
    """Place each answer's date in time (a date without a zone is the company's) and refuse
    one in the future: that answer is left out, the row says why, the rest of it is kept."""
    for c in candidates:
        for purpose, (granted, at) in list(c.consents.items()):
            if at is None:
                continue
            when = at if at.tzinfo is not None else at.replace(tzinfo=zone)
            if when > now + FUTURE_SLACK:
                field = ANSWER + purpose + WHEN
                problems.append((c.number, field, f"{when:%Y-%m-%d} is in the future", False))
                del c.consents[purpose]
            else:
                c.consents[purpose] = (granted, when)


def write(
    uow: UnitOfWork,
    people: list[tuple[int, Candidate]],
    *,
    import_id: int,
    actor: Actor,
    now: datetime,
) -> int:
    """The answers of these (lead id, candidate) pairs that their leads do not hold yet;
    returns how many were written."""
    wanted = [(lead_id, c) for lead_id, c in people if c.consents]
    if not wanted:
        return 0
    session = uow.session
    held = store.held_purposes(session, [lead_id for lead_id, _ in wanted])
    source = source_of(import_id)
    rows: list[dict[str, object]] = []
    written: set[int] = set()
    for lead_id, c in wanted:
        for purpose, (granted, at) in c.consents.items():
            if (lead_id, purpose) in held:
                continue
            held.add((lead_id, purpose))
            written.add(lead_id)
            rows.append({
                "lead_id": lead_id, "contact_id": None, "purpose": purpose, "granted": granted,
                "at": at or now, "source": source, "recorded_at": now,
            })  # fmt: skip
    if not rows:
        return 0
    bulk.insert(session, t.Consent, rows)
    audit.record(
        uow, actor=actor, entity="import", entity_id=import_id, action="consents",
        changes={"consents": len(rows),
                 "lead_ids": id_ranges(written)},
        reason=f"import #{import_id}", now=now,
    )  # fmt: skip
    return len(rows)


def undo(uow: UnitOfWork, import_id: int) -> int:
    """Undo: the answers the import wrote and nobody has changed since (a later answer has
    its own source) go."""
    return store.delete_from_source(uow.session, source_of(import_id))
