"""Admin pages: the audit log with its filters (``/admin/audit``), for admin and sales_ops.
The rows are those of ``GET /api/v1/audit`` (``audit.reading``, the same query and access);
the table is ``admin/_audit_rows.html``, which a record's page includes for its own audit.

A bad filter (a date that is not one, an unknown kind of record) is a message on the page with
the form to correct it, never an error page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from bascule.audit import reading
from bascule.errors import Forbidden, ValidationFailed
from bascule.http.deps import PlaybookDep, ReadUow
from bascule.web.auth import PageActor
from bascule.web.i18n import _
from bascule.web.render import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
Param = Annotated[str | None, Query(max_length=40)]


def _day(text: str, name: str, faults: dict[str, str]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        faults[name] = _("not a date (YYYY-MM-DD)")
        return None


def _number(text: str, name: str, faults: dict[str, str]) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 2_147_483_647:
        faults[name] = _("a record number")
        return None
    return int(text)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    uow: ReadUow,
    actor: PageActor,
    playbook: PlaybookDep,
    entity: Param = None,
    entity_id: Param = None,
    actor_id: Annotated[str | None, Query(alias="actor", max_length=40)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Param = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    if not reading.reads_everything(actor):
        raise Forbidden("the audit page is for admin and sales ops", fields={"role": "admin"})
    asked = {
        "entity": (entity or "").strip(), "entity_id": (entity_id or "").strip(),
        "actor": (actor_id or "").strip(), "from": (from_ or "").strip(), "to": (to or "").strip(),
    }  # fmt: skip
    faults: dict[str, str] = {}
    if asked["entity"] and asked["entity"] not in reading.ENTITIES:
        faults["entity"] = _("unknown kind of record")
    record = _number(asked["entity_id"], "entity_id", faults)
    who = _number(asked["actor"], "actor", faults)
    first, last = _day(asked["from"], "from", faults), _day(asked["to"], "to", faults)
    rows: list[dict[str, object]] = []
    total = 0
    if not faults:
        try:
            since, until = reading.days(playbook, first, last)
            query = reading.AuditQuery(
                asked["entity"] or None, record, who, since, until, page, PAGE_SIZE
            )
            rows, total = reading.search(uow, query, actor=actor, playbook=playbook)
        except ValidationFailed as exc:
            faults |= exc.fields
    return render(
        request, "admin/audit.html", playbook, rows=rows, total=total, page=page,
        page_size=PAGE_SIZE, asked=asked, faults=faults, entities=reading.ENTITIES,
        status_code=422 if faults else 200,
    )  # fmt: skip
