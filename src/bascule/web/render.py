"""What every page shares: the signed-in user (cookie), the templates, the locale, numbers and
times as the reader expects them, and the error page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bascule.errors import Unauthorized
from bascule.http.deps import COOKIE, database
from bascule.users import service as users
from bascule.users.model import Actor
from bascule.web.i18n import labels

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class LoginRequired(Exception):
    """Raised by page dependencies; the app turns it into a redirect to /login."""


def page_actor(request: Request) -> Actor:
    with database(request).uow() as uow:
        try:
            return users.actor_for(users.authenticate(uow, request.cookies.get(COOKIE)))
        except Unauthorized:
            raise LoginRequired() from None


PageActor = Annotated[Actor, Depends(page_actor)]


def locale_of(request: Request) -> str:
    """``?lang=en`` on any page, else the server's locale."""
    locale: str = request.query_params.get("lang") or request.app.state.settings.locale
    return locale


def number(value: float | int | None, locale: str, digits: int = 0) -> str:
    """``1 234,5`` in French, ``1,234.5`` in English; a dash for a figure that does not exist
    (a median without any response)."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    if locale.startswith("fr"):
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def in_zone(value: datetime | None, zone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) instant as the wall-clock time of ``zone`` (the calendar's)."""
    return "" if value is None else value.astimezone(ZoneInfo(zone)).strftime(fmt)


templates.env.filters["number"] = number
templates.env.filters["in_zone"] = in_zone


def render(
    request: Request, name: str, playbook: Any, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    locale = locale_of(request)
    context |= {"t": labels(locale), "locale": locale, "playbook": playbook}
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    locale = request.app.state.settings.locale
    context = {"t": labels(locale), "locale": locale, "status": status, "message": message}
    return templates.TemplateResponse(request, "error.html", context, status_code=status)
