"""uvicorn factory for ``bench_http.py``: the app on ``BASCULE_DATABASE_URL``.

python -m uvicorn --factory _support.asgi:app --app-dir bench
"""

from __future__ import annotations

from fastapi import FastAPI

from bascule.app import create_app
from bascule.config import Settings


def app() -> FastAPI:
    return create_app(Settings())
