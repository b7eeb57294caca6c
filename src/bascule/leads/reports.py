"""Lead reports: requalifications, the leads sales handed back to marketing (SPEC §2, §10).
Fetch the period's hand-backs, summarize with ``leads.requalifications``, name the owners."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bascule.leads.requalifications import Handback, summarize
from bascule.playbook.schema import Playbook
from bascule.storage import requalifications as store
from bascule.storage.uow import UnitOfWork


def requalifications(
    uow: UnitOfWork,
    *,
    start: date,
    end: date,
    group_by: tuple[str, ...],
    playbook: Playbook,
    readable: Any = None,
) -> dict[str, Any]:
    """Hand-backs from ``start`` to ``end`` (both included, days of the calendar's time zone),
    grouped by owner, reason and/or source; of the leads ``readable`` when given."""
    zone = ZoneInfo(playbook.calendar.timezone)
    since = datetime.combine(start, time(), zone)
    until = datetime.combine(end + timedelta(days=1), time(), zone)
    rows = store.handbacks(uow.session, since, until, readable)
    lines, total = summarize((Handback(*row) for row in rows), group_by=group_by)
    if "owner" in group_by:
        names = store.user_names(uow.session, [n["owner_id"] for n in lines if n["owner_id"]])
        for line in lines:
            line["owner_name"] = names.get(line["owner_id"])
    return {"from": start, "to": end, "group_by": list(group_by), "rows": lines, "total": total}
