"""`flask mail send`: drain the outbox once, or keep going with --loop."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from core.mail.services import send_due_mail

mail_cli = AppGroup("mail", help="Deliver queued mail.")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending as mail arrives.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes with --loop.")
def send_command(loop: bool, interval: float) -> None:
    """Send every queued message that is due."""
    while True:
        counts = send_due_mail()
        if counts["sent"] or counts["retrying"] or counts["failed"] or not loop:
            click.echo(f"sent {counts['sent']}, retrying {counts['retrying']}, failed {counts['failed']}")
        if not loop:
            return
        time.sleep(interval)
