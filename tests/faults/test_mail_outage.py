"""The SMTP relay is down while organisers approve: nothing is lost, and every mail goes out once it is back."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from core.extensions import db
from core.mail.models import OutboxMessage, OutboxStatus


@pytest.fixture
def mail_app(app, mail_app):
    return mail_app


def send_mail(app) -> None:
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output


def test_approvals_during_an_smtp_outage_are_all_mailed_once_later(
    mail_app, smtp_server, make_event, make_user, enrol, token_for
):
    event = make_event(name="Hội nghị ASCN")
    organiser = token_for(make_user("organiser@ascn.org", roles=["organiser"]))
    people = [make_user(f"delegate{n}@example.org", full_name=f"Nguyễn Văn {n}") for n in range(20)]
    registrations = [enrol(event, person) for person in people]
    send_mail(mail_app)  # the "received" mails, while the relay is up
    assert len(smtp_server.messages) == 20
    smtp_server.messages.clear()

    smtp_server.stop()
    client = mail_app.test_client()
    for registration in registrations:
        assert client.post(f"/api/v1/registrations/{registration.id}/approve", headers=organiser).status_code == 200
    send_mail(mail_app)  # fails: the relay is down
    db.session.expire_all()
    waiting = db.session.scalars(select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)).all()
    assert len(waiting) == 20
    assert all(message.attempts == 1 and message.last_error for message in waiting)

    smtp_server.start()
    send_mail(mail_app)
    send_mail(mail_app)  # a second pass sends nothing again
    received = Counter(message["To"] for message in smtp_server.messages)
    assert received == Counter({f"Nguyễn Văn {n} <delegate{n}@example.org>": 1 for n in range(20)})
    assert {message["Subject"] for message in smtp_server.messages} == {
        "Your registration for Hội nghị ASCN is approved"
    }
