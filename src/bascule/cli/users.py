"""``bascule users create`` and ``bascule tokens create``."""

from __future__ import annotations

from typing import Annotated

import typer

from bascule.cli.common import console, now, state
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


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="E-mail of the user the token acts as.")],
    label: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
) -> None:
    """Print a new API token for a user (on the last line; it is shown only once)."""
    with state(ctx).database.uow(write=True) as uow:
        token = users.create_token(uow, email=email, label=label, now=now())
        uow.commit()
    what = f" ({label})" if label else ""
    typer.echo(f"API token for {email.strip().lower()}{what}; it is shown only once:")
    typer.echo(token)
