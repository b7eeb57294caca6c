"""The ``Allow`` header of a 405 (RFC 9110): every method the path answers.

The router raises the 405 from the first route whose path matches, with that route's methods
only; a path served by several routes (``GET`` and ``POST /api/v1/leads``, one route each)
would then advertise only some of them. The API's JSON errors and the web UI's error pages
both name them all, asking the application's routes which methods they take for this path."""

from __future__ import annotations

from fastapi import Request
from starlette.routing import Match

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """``"GET, POST"``: the methods some route of the application answers on this path."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL
               for route in routes)
    ]  # fmt: skip
    return ", ".join(allowed)
