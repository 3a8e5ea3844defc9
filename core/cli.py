"""`flask users create` and `flask demo load`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import delete, func, select

from core.auth import services
from core.auth.models import Role
from core.errors import DomainError
from core.extensions import db
from core.mail.models import OutboxMessage
from core.signals import demo_loaders

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="The ASCN 2020 demo summit.")


@users_cli.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", "roles", multiple=True, type=click.Choice([role.value for role in Role]), help="Repeatable.")
@click.option("--name", default=None, help="Full name (defaults to the e-mail's local part).")
@click.option("--country", default=None, help="ISO 3166 code, required for focal points.")
def create_user_command(email: str, password: str, roles: tuple[str, ...], name: str | None, country: str | None):
    """Create an account with the given roles."""
    try:
        user = services.create_user(
            email, password, name or email.split("@")[0], roles={Role(r) for r in roles}, country=country
        )
    except DomainError as exc:
        db.session.rollback()
        details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in (exc.fields or {}).items())
        raise click.ClickException(f"{exc.code}: {exc.message} {details}".strip()) from exc
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(sorted(str(r) for r in user.roles))})")


@demo_cli.command("load")
def load_demo_command():
    """Load the ASCN 2020 summit; running it again changes nothing. Its people are fictional: no mail is sent."""
    for name, load in demo_loaders(current_app):
        first_mail = (db.session.scalar(select(func.max(OutboxMessage.id))) or 0) + 1
        load()
        # What the demo's registrations, bookings and invitations would mail stays out of the outbox.
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id >= first_mail))
        db.session.commit()
        click.echo(f"demo: {name} loaded")
