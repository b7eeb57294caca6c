"""The ``Allow`` header of a 405 (RFC 9110): every method the path answers.

Starlette raises the 405 from the first route whose path matches, with that route's methods
only; a path served by several routes (``GET`` and ``POST /api/v1/leads``, one route each)
would then advertise only some of them. The API's JSON errors and the web UI's error pages
both name them all, from the application's routes."""

from __future__ import annotations

from fastapi import Request
from starlette.routing import Match


def allowed_methods(request: Request) -> str:
    """``"GET, HEAD, POST"``: the methods of every route matching the request's path."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        found = getattr(route, "methods", None)
        if not found:
            continue
        match, _ = route.matches({**request.scope, "method": next(iter(found))})
        if match == Match.FULL:
            methods |= set(found)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))
