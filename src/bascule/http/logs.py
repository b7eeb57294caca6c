"""No personal data in the access log (issue 12): uvicorn logs each request's path with its
query string, where e-mails (``/privacy/export?email=``) and search terms (``q=``) travel. The
filter keeps the parameters' names and drops their values, and masks anything shaped like an
e-mail address left in the path."""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, quote

ACCESS_LOGGER = "uvicorn.access"
_EMAIL = re.compile(r"[^/\s?&=]+(@|%40)[^/\s?&=]+")


def redact(path: str) -> str:
    """``/api/v1/leads?q=dupont&page=2`` → ``/api/v1/leads?q=…&page=…``."""
    base, _, query = path.partition("?")
    base = _EMAIL.sub("…", base)
    if not query:
        return base
    names = [quote(name, safe="") for name, _value in parse_qsl(query, keep_blank_values=True)]
    return f"{base}?{'&'.join(f'{n}=…' for n in names)}" if names else base


class RedactQuery(logging.Filter):
    """uvicorn's access records carry (client, method, path, version, status) as ``args``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact(args[2]), args[3], args[4])
        return True


def install() -> None:
    """Once per process, whatever the number of apps created."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactQuery) for f in logger.filters):
        logger.addFilter(RedactQuery())
