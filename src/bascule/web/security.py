"""What every response and every form carries: security headers, the request's language, and
the CSRF check.

CSRF: each form holds a token derived (HMAC with ``BASCULE_SECRET_KEY``) from the browser's
session cookie, or before sign-in from a random "visitor" cookie; a state-changing request
must echo it. A cross-site request cannot read the page, so it cannot know the token. Browsers
also say where a request comes from (``Sec-Fetch-Site``, ``Origin``): a cross-site one is
refused before the token is even looked at."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bascule.users.sessions import COOKIE as SESSION_COOKIE
from bascule.web import i18n

__all__ = [
    "SESSION_COOKIE", "VISITOR_COOKIE", "FormRefused", "WebMiddleware", "check_form",
    "check_token", "checks_own_token",
]  # fmt: skip

VISITOR_COOKIE = "bascule_visitor"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ONE_YEAR = 365 * 24 * 3600

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
# FastAPI's own API explorer loads its script from a CDN and runs inline code: it keeps the
# other headers but not the policy written for our pages.
NO_POLICY_PATHS = ("/docs", "/redoc")


class FormRefused(Exception):
    """A state-changing browser request without a valid CSRF token, or from another site."""


class WebMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware, which would buffer the alerts' event stream): sets the
    request's language, keeps ``?lang=`` in a cookie, adds the security headers."""

    def __init__(self, app: ASGIApp, default_language: str) -> None:
        self.app = app
        self.default_language = default_language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        secure = scope.get("scheme") == "https"
        asked = None
        # The API speaks JSON in its own words: only pages need the reader's language.
        if not path.startswith("/api/"):
            request = Request(scope)
            asked = i18n.supported(request.query_params.get("lang"))
            language = i18n.choose(
                asked,
                request.cookies.get(i18n.LANG_COOKIE),
                request.headers.get("accept-language"),
                self.default_language,
            )
            scope.setdefault("state", {})["language"] = language
            i18n.set_language(language)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if not path.startswith(NO_POLICY_PATHS):
                    headers.setdefault("content-security-policy", CONTENT_SECURITY_POLICY)
                if headers.get("content-type", "").startswith("text/html"):
                    # Pages show personal data: no copy in shared caches or after sign-out.
                    headers.setdefault("cache-control", "no-store")
                if asked:
                    cookie = f"{i18n.LANG_COOKIE}={asked}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax"
                    headers.append("set-cookie", cookie + ("; Secure" if secure else ""))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def language_of(request: Request) -> str:
    found: Any = getattr(request.state, "language", None)
    return str(found) if found else i18n.language()


# --- CSRF ------------------------------------------------------------------------------------


def _secret(request: Request) -> bytes:
    return str(request.app.state.settings.secret_key).encode()


def binding(request: Request) -> str | None:
    """What the token is tied to: the session cookie when signed in, else the visitor cookie
    (a visitor cookie made for this response counts, see ``ensure_visitor``)."""
    return (
        request.cookies.get(SESSION_COOKIE)
        or request.cookies.get(VISITOR_COOKIE)
        or getattr(request.state, "new_visitor", None)
    )


def ensure_visitor(request: Request) -> str | None:
    """A visitor id for a browser that has neither cookie yet; the caller sets the cookie."""
    if request.cookies.get(SESSION_COOKIE) or request.cookies.get(VISITOR_COOKIE):
        return None
    value = getattr(request.state, "new_visitor", None) or secrets.token_urlsafe(24)
    request.state.new_visitor = value
    return str(value)


def csrf_token(request: Request) -> str:
    bound = binding(request) or ""
    return hmac.new(_secret(request), b"csrf:" + bound.encode(), hashlib.sha256).hexdigest()


def is_cross_site(request: Request) -> bool:
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") != host


async def check_form(request: Request) -> None:
    """Router dependency of every page: a state-changing request must come from our own pages
    and carry the token of this browser."""
    if request.method not in UNSAFE_METHODS:
        return
    if is_cross_site(request):
        raise FormRefused("cross-site request")
    if binding(request) is None:
        raise FormRefused("no session or visitor cookie")
    if getattr(request.scope.get("endpoint"), _CHECKS_OWN_TOKEN, False):
        # An upload: reading the whole form here would take in a file of any size; the route
        # reads it within its cap, then calls ``check_token`` before doing anything.
        return
    form = await request.form()
    check_token(request, form.get(CSRF_FIELD))


def check_token(request: Request, sent: object) -> None:
    """FormRefused unless ``sent`` is this browser's CSRF token."""
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(request)):
        raise FormRefused("missing or wrong CSRF token")


_CHECKS_OWN_TOKEN = "_bascule_checks_own_csrf_token"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def checks_own_token(endpoint: Endpoint) -> Endpoint:
    """Mark a page route that reads its own (multipart) body and calls ``check_token`` on the
    token it finds there; ``check_form`` still refuses a cross-site request first."""
    setattr(endpoint, _CHECKS_OWN_TOKEN, True)
    return endpoint
