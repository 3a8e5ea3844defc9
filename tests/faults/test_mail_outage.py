"""The SMTP relay is down while organisers approve: nothing is lost, and every mail goes out once it is back."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.mail.models import OutboxMessage, OutboxStatus
from tests.fixtures.app import BACKEND
from tests.fixtures.crowd import NAMES
from tests.fixtures.served import drive


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


APPROVALS = 60


@pytest.mark.skipif(BACKEND != "postgres", reason="gunicorn and the mail worker share a PostgreSQL database")
def test_approvals_under_load_while_smtp_is_down_reach_everyone_once_when_it_is_back(
    app, serve, flask_process, smtp_server, make_event, make_crowd, make_delegates
):
    """Organisers approve 60 delegates at once through gunicorn while the relay is down and the mail worker keeps
    trying (`flask mail send --loop`): every approval succeeds, every mail waits, and each is delivered once."""
    event = make_event(name="Hội nghị ASCN 2020")
    pending = [registration.id for _person, registration in make_delegates(event, APPROVALS, status="pending")]
    organiser = make_crowd(1, prefix="organiser", roles=["organiser"])[0]
    smtp_server.stop()
    served = serve(workers=4, threads=2)
    worker = flask_process(
        ["mail", "send", "--loop", "--interval", "0.2"], MAIL_PORT=smtp_server.port, MAIL_RETRY_BACKOFF_SECONDS=1
    )
    answers = []

    def approve(registration_id):
        async def job(connection):
            path = f"/api/v1/registrations/{registration_id}/approve"
            answers.append((await connection.request("POST", path, token=organiser.token)).status)

        return job

    drive(served.port, [approve(registration_id) for registration_id in pending], clients=8)
    assert answers == [200] * APPROVALS

    # The worker tries each mail while the relay is down; all stay queued, none is given up.
    _wait_for(lambda: _outbox(OutboxMessage.attempts > 0) == APPROVALS, "every mail tried while the relay is down")
    assert _outbox(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.last_error.is_not(None)) == APPROVALS
    assert smtp_server.messages == []

    smtp_server.start()
    _wait_for(lambda: _outbox(OutboxMessage.status == OutboxStatus.SENT) == APPROVALS, "every mail sent")
    worker.terminate()
    worker.communicate()
    received = Counter(message["To"] for message in smtp_server.messages)
    assert received == Counter(
        {f"{NAMES[n % len(NAMES)]} {n} <delegate{n}@crowd.example.org>": 1 for n in range(APPROVALS)}
    )
    queued_ids = set(db.session.scalars(select(OutboxMessage.message_id)))
    assert {message["Message-ID"] for message in smtp_server.messages} == queued_ids
    assert {message["Subject"] for message in smtp_server.messages} == {
        "Your registration for Hội nghị ASCN 2020 is approved"
    }


def _outbox(*conditions) -> int:
    count = db.session.scalar(select(func.count(OutboxMessage.id)).where(*conditions))
    db.session.commit()  # the next read sees the worker's later commits
    return count


def _wait_for(condition, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not in {seconds} s: {what}"
        time.sleep(0.1)
