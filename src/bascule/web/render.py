"""What every page shares: the templates (Jinja2 with the gettext extension), the reader's
language and formats, the CSRF token of its forms, and the signed-in user for the header."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from bascule.access import service as access
from bascule.web import formats, i18n, labels
from bascule.web.security import VISITOR_COOKIE, csrf_token, ensure_visitor, language_of

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
# The language is the request's (a context variable set by ``web.security.WebMiddleware``):
# one environment serves every language, concurrent requests included.
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    gettext=i18n._, ngettext=i18n.ngettext, newstyle=True
)


@pass_context
def _money(context: Context, value: Any, currency: str) -> str:
    # SPEC §18: a role the playbook hides opportunity amounts from (marketing by default) reads
    # every page that shows one; each amount, and what is computed from it, says "hidden" instead.
    if not context.get("sees_amounts", True):
        return i18n._("hidden")
    return formats.money(value, currency)


def sees_amounts(actor: Any, playbook: Any) -> bool:
    # Pages without a signed-in user (sign-in, errors) show no amount to hide.
    if actor is None or playbook is None:
        return True
    return access.amounts_visible(actor, playbook)


templates.env.filters |= {
    "date": formats.date,
    "datetime": formats.datetime,
    "number": formats.number,
    "money": _money,
    "percent": formats.percent,
    "items": formats.items,
    "business_time": formats.business_time,
}
templates.env.globals |= {
    "label": labels.label,
    "system_reason": labels.reason,
    "LANGUAGE_NAMES": i18n.LANGUAGE_NAMES,
}


def locale_of(request: Request) -> str:
    """The request's language (``fr`` or ``en``)."""
    return language_of(request)


def switch_language_url(request: Request, language: str) -> str:
    url = request.url.include_query_params(lang=language)
    return f"{url.path}?{url.query}"


def render(
    request: Request, name: str, playbook: Any, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    language = locale_of(request)
    visitor = ensure_visitor(request)
    actor = getattr(request.state, "actor", None)
    context |= {
        "locale": language,
        "playbook": playbook,
        "actor": actor,
        "sees_amounts": sees_amounts(actor, playbook),
        "csrf_token": csrf_token(request),
        "languages": {code: switch_language_url(request, code) for code in i18n.LANGUAGES},
    }
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    if visitor:
        response.set_cookie(
            VISITOR_COOKIE, visitor, httponly=True, samesite="lax", path="/",
            secure=request.url.scheme == "https",
        )  # fmt: skip
    return response
