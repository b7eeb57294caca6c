"""Signing in and out of the web UI, and the signed-in user of a page (``PageActor``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bascule.http.client import client_address
from bascule.http.deps import database
from bascule.users import service as users
from bascule.users import sessions, sign_in
from bascule.users.model import Actor
from bascule.users.sessions import SessionPolicy
from bascule.web.render import render
from bascule.web.security import SESSION_COOKIE, VISITOR_COOKIE

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    """Raised by page dependencies; ``web.errors`` turns it into a redirect to /login."""


def policy(request: Request) -> SessionPolicy:
    return SessionPolicy.of(request.app.state.settings)


def session_clock() -> datetime:
    """Sessions expire by the wall clock, not by the business clock tests move through
    November (``api.deps.clock``): a test of expiry overrides this one."""
    return datetime.now(UTC)


SessionNow = Annotated[datetime, Depends(session_clock)]


def page_actor(request: Request, now: SessionNow) -> Actor:
    user = sessions.current_user(
        database(request), request.cookies.get(SESSION_COOKIE), now=now, policy=policy(request)
    )
    if user is None:
        raise LoginRequired()
    actor = users.actor_for(user)
    request.state.actor = actor
    return actor


PageActor = Annotated[Actor, Depends(page_actor)]


def safe_next(target: str | None) -> str:
    """Only a path of this site: never ``//elsewhere`` or ``https://elsewhere``."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target[:500]
    return "/"


@router.get("/login", response_model=None)
def login_form(request: Request, now: SessionNow, next: str | None = None) -> Response:
    # Someone already signed in (a bookmark, the back button) goes where they were heading
    # instead of being asked again for a password they just typed.
    user = sessions.current_user(
        database(request), request.cookies.get(SESSION_COOKIE), now=now, policy=policy(request)
    )
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", None, failed=False, email="", next=safe_next(next))


@router.post("/login", response_model=None)
def login(
    request: Request,
    now: SessionNow,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    address = client_address(request)
    attempt = sign_in.attempt(
        database(request), email=email, password=password, address=address, now=now,
        policy=policy(request),
    )  # fmt: skip
    if not attempt.accepted:
        page = render(request, "login.html", None, failed=True, email=email, next=safe_next(next))
        page.status_code = 401
        return page
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, attempt.session_id or "", httponly=True, samesite="lax",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    response.delete_cookie(VISITOR_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    with database(request).uow(write=True) as uow:
        sessions.end(uow, request.cookies.get(SESSION_COOKIE))
        uow.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
