"""Endpoints whose work blocks (database calls) without a second trip to a worker thread.

FastAPI runs a plain ``def`` endpoint in a worker thread, then (being sync) validates its
return value in *another* worker-thread trip. ``in_worker_thread`` makes the endpoint a
coroutine that runs the same function in one worker-thread trip; the response is then
validated and serialised on the event loop, which is pure CPU work and shorter than the
thread hand-over it replaces.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

P = ParamSpec("P")
R = TypeVar("R")


def in_worker_thread(function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    # functools.wraps keeps the signature FastAPI reads the parameters and dependencies from.
    @functools.wraps(function)
    async def endpoint(*args: P.args, **kwargs: P.kwargs) -> R:
        return await run_in_threadpool(function, *args, **kwargs)

    return endpoint
