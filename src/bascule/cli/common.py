"""What every command shares: the settings, a lazily opened database, and error reporting.

SPEC §14: exit status 0 on success, otherwise non-zero with a one-line reason on stderr. The
root group (``BasculeGroup``) catches every error raised by a command and prints that line, so
commands simply raise ``BasculeError`` (or let a file or database error through).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from bascule.config import Settings
from bascule.errors import BasculeError
from bascule.storage.db import utcnow
from bascule.storage.uow import Database

# Set BASCULE_DEBUG=1 to get the Python traceback of an unexpected error.
DEBUG_ENV = "BASCULE_DEBUG"
FAILURE = 1


def console() -> Console:
    """Rich output on stdout. Created per call so CliRunner's captured stdout is honoured."""
    return Console(highlight=False)


def now() -> datetime:
    return utcnow()


@dataclass
class State:
    """Per-invocation state, stored on the click context by the root callback."""

    settings: Settings
    _database: Database | None = field(default=None, repr=False)

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = Database(self.settings.database_url)
        return self._database

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):  # a command invoked without the root callback (tests)
        obj = State(Settings())
        ctx.find_root().obj = obj
    return obj


def read_text(path: Path) -> str:
    """A file's text; a missing or unreadable file is a one-line error, not a traceback."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandFailed(f"file not found: {path}") from None
    except IsADirectoryError:
        raise CommandFailed(f"not a file: {path}") from None
    except UnicodeDecodeError:
        raise CommandFailed(f"not UTF-8 text: {path}") from None
    except OSError as exc:
        raise CommandFailed(f"cannot read {path}: {exc.strerror or exc}") from None


class CommandFailed(Exception):
    """A failure the command has already explained (the message is the one line to print)."""


def one_line(exc: BaseException) -> str:
    """The reason to print for an error, on one line."""
    if isinstance(exc, BasculeError):
        message = exc.message
        extra = [f"{k}: {v}" for k, v in exc.fields.items() if f"{k}: {v}" not in message]
        text = f"{message} ({'; '.join(extra)})" if extra else message
    elif isinstance(exc, CommandFailed):
        text = str(exc)
    elif isinstance(exc, OSError):
        text = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
    else:
        # SQLAlchemy wraps the driver's error in ``orig``: that is the readable part.
        orig = getattr(exc, "orig", None)
        text = str(orig if orig is not None else exc) or type(exc).__name__
        if orig is not None:
            text = f"database error: {text}"
            if "no such table" in text or "does not exist" in text:
                text += " (has `bascule init` been run on this database?)"
        elif not isinstance(exc, ValueError | KeyError):
            text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())


# Usage errors are reported by the framework itself (exit status 2). Found by name because
# recent Typer versions vendor their own copy of click.
_CLICK_EXCEPTION: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
_FRAMEWORK: tuple[type[BaseException], ...] = (typer.Exit, typer.Abort, _CLICK_EXCEPTION)


class BasculeGroup(TyperGroup):
    """The root command group: turns any error into a one-line reason and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _FRAMEWORK:
            raise
        except KeyboardInterrupt:
            typer.echo("error: interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:
            if os.environ.get(DEBUG_ENV) and not isinstance(exc, BasculeError | CommandFailed):
                raise
            typer.echo(f"error: {one_line(exc)}", err=True)
            raise typer.Exit(FAILURE) from None
