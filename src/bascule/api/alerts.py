"""The caller's alerts (SPEC §8, §13): list, mark read, and a live Server-Sent Events stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from bascule.alerts import service as alerts
from bascule.alerts.stream import AlertHub
from bascule.api.errors import ACTION, ONE, SIGNED_IN
from bascule.api.schemas.alerts import AlertPage, AlertRead
from bascule.errors import NotFound, Unauthorized
from bascule.http.deps import (
    CurrentActor,
    Now,
    PathId,
    ReadUow,
    WriteUow,
    bearer,
    database,
)
from bascule.users import service as users
from bascule.users import sessions


@asynccontextmanager
async def _lifespan(app: Any) -> AsyncIterator[None]:
    yield
    hub: AlertHub | None = getattr(app.state, "alert_hub", None)
    if hub is not None:  # its LISTEN connection or polling thread ends with the app
        app.state.alert_hub = None
        await run_in_threadpool(hub.close)


router = APIRouter(
    prefix="/api/v1/alerts", tags=["alerts"], lifespan=_lifespan, responses=SIGNED_IN
)


def _locale(request: Request) -> str:
    return str(request.app.state.settings.locale)


@router.get("", response_model=AlertPage)
def list_alerts(
    request: Request,
    uow: ReadUow,
    actor: CurrentActor,
    unread: bool | None = None,
    kind: Annotated[str | None, Query(max_length=60)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """The caller's alerts delivered in-app, newest first; ``unread=true`` for unread only."""
    return alerts.list_for_user(
        uow, user_id=_user_id(actor), unread=unread, kind=kind, page=page, page_size=page_size,
        locale=_locale(request),
    )  # fmt: skip


@router.post("/{alert_id}/read", response_model=AlertRead, responses=ONE | ACTION)
def mark_read(
    alert_id: PathId, request: Request, uow: WriteUow, actor: CurrentActor, now: Now
) -> dict[str, Any]:
    alert = alerts.mark_read(uow, user_id=_user_id(actor), alert_id=alert_id, now=now)
    result = alerts.to_read(alert, _locale(request))
    uow.commit()
    return result


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Server-Sent Events: an ``alert`` event (id = alert id, data = the alert as in the list)
    for each alert delivered to the caller from now on; a comment every few seconds keeps the
    connection open. Reconnecting with ``Last-Event-ID`` first sends the alerts missed since.
    Authenticated by bearer token, or by the web UI's session cookie."""
    user_id = await run_in_threadpool(_stream_user, request)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    return StreamingResponse(
        _events(request, user_id, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(request: Request, user_id: int, after: int | None) -> AsyncIterator[str]:
    settings = request.app.state.settings
    hub = _hub(request)
    await run_in_threadpool(hub.start)
    sub = hub.subscribe(user_id)  # before the backlog is read: nothing falls in between
    sent: set[int] = set()
    try:
        yield f"retry: 3000\n: connected as user {user_id}\n\n"
        if after is not None:
            for alert in await run_in_threadpool(_backlog, request, user_id, after):
                sent.add(alert["id"])
                yield _event(alert)
        while True:
            try:
                alert_id = await asyncio.wait_for(
                    sub.queue.get(), timeout=settings.alerts_stream_keepalive_seconds
                )
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if alert_id in sent or (after is not None and alert_id <= after):
                continue
            found = await run_in_threadpool(_one, request, user_id, alert_id)
            if found:
                sent.add(alert_id)
                yield _event(found[0])
    finally:
        hub.unsubscribe(sub)


def _event(alert: dict[str, Any]) -> str:
    data = json.dumps(jsonable_encoder(AlertRead.model_validate(alert)), ensure_ascii=False)
    return f"id: {alert['id']}\nevent: alert\ndata: {data}\n\n"


def _hub(request: Request) -> AlertHub:
    state = request.app.state
    hub: AlertHub | None = getattr(state, "alert_hub", None)
    if hub is None:
        hub = AlertHub(database(request), poll_seconds=state.settings.alerts_stream_poll_seconds)
        state.alert_hub = hub
    return hub


def _stream_user(request: Request) -> int:
    """A bearer token (integrations), else the web session cookie (the pages' EventSource)."""
    token = bearer(request)
    if token or sessions.COOKIE not in request.cookies:
        with database(request).uow() as uow:
            return int(users.authenticate(uow, token).id)
    user = sessions.current_user(
        database(request),
        request.cookies.get(sessions.COOKIE),
        now=datetime.now(UTC),
        policy=sessions.SessionPolicy.of(request.app.state.settings),
    )
    if user is None:
        raise Unauthorized("the web session has ended", fields={"session": "sign in again"})
    return int(user.id)


def _backlog(request: Request, user_id: int, after: int) -> list[dict[str, Any]]:
    with database(request).uow() as uow:
        found = alerts.after(uow, user_id=user_id, after_id=after)
        return [alerts.to_read(a, _locale(request)) for a in found]


def _one(request: Request, user_id: int, alert_id: int) -> list[dict[str, Any]]:
    with database(request).uow() as uow:
        try:
            alert = alerts.get_for_user(uow, user_id=user_id, alert_id=alert_id)
        except NotFound:
            return []
        return [alerts.to_read(alert, _locale(request))]


def _user_id(actor: CurrentActor) -> int:
    if actor.user_id is None:
        raise Unauthorized("alerts belong to users")
    return actor.user_id
