"""``bascule users create | password | away | activate | deactivate`` and ``bascule tokens
create | revoke | list``."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bascule.cli.common import CommandFailed, console, now, state
from bascule.playbook import service as playbooks
from bascule.storage import repositories as repo
from bascule.users import availability, sign_in, tokens
from bascule.users import service as users
from bascule.users.model import Role

users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role)


@users_app.command("create")
def create_user(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail (their login).")],
    role: Annotated[str, typer.Option(help=f"One of: {ROLES}.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    team: Annotated[str | None, typer.Option(help="Team name (created if new).")] = None,
    manager: Annotated[str | None, typer.Option(help="E-mail of the user's manager.")] = None,
) -> None:
    """Create a user with a role, optionally in a team and under a manager."""
    with state(ctx).database.uow(write=True) as uow:
        user = users.create_user(
            uow,
            email=email,
            role=role,
            name=name,
            team=team,
            manager_email=manager,
            now=now(),
        )
        uow.commit()
        details = [f"role {user.role}"]
        if team:
            details.append(f"team {team}")
        if manager:
            details.append(f"manager {manager}")
        console().print(
            f"Created user #{user.id} {user.email} ({user.name}): {', '.join(details)}",
            markup=False,
        )


@users_app.command("password")
def password(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The user's e-mail.")]
) -> None:
    """Set the password a user signs in to the web UI with, read from standard input (asked
    twice on a terminal). Their open web sessions end."""
    secret = _read_password()
    with state(ctx).database.uow(write=True) as uow:
        user = sign_in.set_password(uow, email=email, password=secret)
        uow.commit()
    console().print(f"Password set for {user.email}; their web sessions were ended", markup=False)


def _read_password() -> str:
    if sys.stdin.isatty():
        typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return typed
    # Piped: the first line, without its line ending (a password may hold inner spaces).
    line = sys.stdin.readline()
    if not line:
        raise CommandFailed("no password on standard input")
    return line.rstrip("\r\n")


@users_app.command("away")
def away(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    from_: Annotated[
        str | None,
        typer.Option("--from", help="First day (or time) away; default: now."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="Last day away (included), or the time they are back; default: open."),
    ] = None,
    back: Annotated[bool, typer.Option("--back", help="They are back: clear the absence.")] = False,
) -> None:
    """Mark a user out of office (routing gives them no new lead meanwhile), or back."""
    if back and (from_ or until):
        raise CommandFailed("--back takes neither --from nor --until")
    start = availability.parse_when(from_, "--from")
    end = availability.parse_when(until, "--until")
    database = state(ctx).database
    playbook = playbooks.active(database, max_age=0)
    actor = availability.CLI
    with database.uow(write=True) as uow:
        user = availability.find(uow, actor=availability.CLI, email=email)
        if back:
            availability.set_back(uow, user=user, actor=actor, now=now())
            text = f"{user.email} is back: routing gives them leads again"
        else:
            availability.set_away(
                uow, user=user, start=start, end=end, actor=actor, playbook=playbook, now=now()
            )
            assert user.absent_from is not None
            until_text = (
                f"until {user.absent_until.isoformat(timespec='minutes')} (excluded)"
                if user.absent_until
                else "until `bascule users away --back`"
            )
            text = (
                f"{user.email} is out of office from "
                f"{user.absent_from.isoformat(timespec='minutes')} {until_text}: routing skips them"
            )
        uow.commit()
    console().print(text, markup=False, soft_wrap=True)


@users_app.command("activate")
def activate(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The user's e-mail.")]
) -> None:
    """Let a deactivated user sign in and receive leads again."""
    with state(ctx).database.uow(write=True) as uow:
        user = availability.find(uow, actor=availability.CLI, email=email)
        availability.activate(uow, user=user, actor=availability.CLI, now=now())
        uow.commit()
    console().print(f"{user.email} is active", markup=False)


@users_app.command("deactivate")
def deactivate(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The user's e-mail.")]
) -> None:
    """Deactivate a user and route their open leads again by the playbook's rules (a lead no
    rule places goes to the fallback owner, else stays unassigned)."""
    database = state(ctx).database
    playbook = playbooks.active(database, max_age=0)
    out = console()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with (
        database.uow(write=True) as uow,
        Progress(*columns, TimeElapsedColumn(), console=out) as bar,
    ):
        user = availability.find(uow, actor=availability.CLI, email=email)
        task = bar.add_task(f"reassigning the open leads of {user.email}", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        done = availability.deactivate(
            uow, user=user, actor=availability.CLI, playbook=playbook, now=now(), progress=advance
        )
        uow.commit()
    _report_deactivation(done)


def _report_deactivation(done: availability.Deactivation) -> None:
    out = console()
    state_text = "deactivated" if done.was_active else "was already inactive"
    placed = Counter(email for _, owner, email, _ in done.reassigned if owner is not None)
    unassigned = done.unassigned
    lines = [f"{done.user.email} {state_text}: {len(done.reassigned)} open leads reassigned"]
    lines += [f"  {count} to {email}" for email, count in sorted(placed.items())]
    if unassigned:
        shown = ", ".join(f"#{i}" for i in unassigned[:20]) + (
            " ..." if len(unassigned) > 20 else ""
        )
        lines.append(
            f"  {len(unassigned)} left unassigned (no rule places them and no active fallback "
            f"owner): {shown}"
        )
    for where, message in done.named_in.items():
        lines.append(f"warning: the playbook still names them at {where} ({message})")
    for line in lines:
        out.print(line, markup=False, soft_wrap=True)


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="E-mail of the user the token acts as.")],
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
    expires_in: Annotated[
        str | None,
        typer.Option(
            "--expires-in", help="How long it works: 90d, 12h, 2w (default: until revoked)."
        ),
    ] = None,
) -> None:
    """Print a new API token for a user (on the last line; it is shown only once)."""
    at = now()
    expires_at = at + tokens.parse_duration(expires_in) if expires_in else None
    with state(ctx).database.uow(write=True) as uow:
        token = users.create_token(uow, email=email, label=label, now=at, expires_at=expires_at)
        uow.commit()
    what = f" ({label})" if label else ""
    until = f", until {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    typer.echo(f"API token for {email.strip().lower()}{what}{until}; it is shown only once:")
    typer.echo(token)


@tokens_app.command("revoke")
def revoke_token(
    ctx: typer.Context,
    prefix: Annotated[
        str | None, typer.Argument(help="The token's first 12 characters (bascule tokens list).")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", metavar="EMAIL", help="Revoke every token of a user.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (kept in the audit log).")] = None,
) -> None:
    """Revoke one token (by its prefix) or every token of a user: they stop working at once."""
    if (prefix is None) == (user is None):
        raise CommandFailed("give a token prefix or --user EMAIL (one of them)")
    with state(ctx).database.uow(write=True) as uow:
        done = tokens.revoke(
            uow, actor=users.CLI, now=now(), prefix=prefix, user_email=user, reason=reason
        )
        uow.commit()
        names = [tok.prefix or f"#{tok.id}" for tok in done]
    typer.echo(f"Revoked {len(names)} token(s): {', '.join(names) or 'none was live'}")


@tokens_app.command("list")
def list_tokens(
    ctx: typer.Context,
    email: Annotated[str | None, typer.Argument(help="One user's tokens (default: all).")] = None,
) -> None:
    """Tokens with their prefix, user, label, creation, expiry, last use and state."""
    at = now()
    with state(ctx).database.uow() as uow:
        user_id = None
        if email:
            found = repo.user_by_email(uow.session, email.strip().lower())
            if found is None:
                raise CommandFailed(f"no user {email}")
            user_id = found.id
        rows = [tokens.to_read(tok, mail, at) for tok, mail in tokens.listed(uow, user_id=user_id)]
    table = Table(title=f"API tokens ({len(rows)})")
    table.add_column("prefix", no_wrap=True, min_width=12)
    for column in ("user", "label", "created", "expires", "last used", "state"):
        table.add_column(column)

    def day(value: Any) -> str:
        return f"{value:%Y-%m-%d %H:%M}" if value else "-"

    for row in rows:
        table.add_row(
            row["prefix"] or f"#{row['id']}", row["user_email"], row["label"] or "",
            day(row["created_at"]), day(row["expires_at"]), day(row["last_used_at"]), row["state"],
        )  # fmt: skip
    console().print(table)
