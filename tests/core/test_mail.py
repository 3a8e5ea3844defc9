"""The outbox: mail queued in the same transaction, delivered once, nothing lost while SMTP is down."""

from sqlalchemy import func, select

from core.extensions import db
from core.mail.models import OutboxMessage, OutboxStatus
from core.mail.services import enqueue, send_due_mail


def _queue_one(to="nguyen.van@example.org"):
    message = enqueue(
        to_address=to,
        to_name="Nguyễn Tường Văn",
        subject="Chào mừng",
        body_text="Xin chào",
        body_html="<p>Xin chào</p>",
    )
    db.session.commit()
    return message


def test_mail_waits_while_the_smtp_server_is_down_and_is_delivered_once_after(mail_app, smtp_server):
    smtp_server.stop()
    message = _queue_one()
    runner = mail_app.test_cli_runner()

    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert message.status is OutboxStatus.QUEUED
    assert message.attempts == 1
    assert message.last_error
    assert smtp_server.messages == []

    smtp_server.start()
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    assert runner.invoke(args=["mail", "send"]).exit_code == 0  # a second pass must not send it again

    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["To"] == "Nguyễn Tường Văn <nguyen.van@example.org>"
    assert received["Subject"] == "Chào mừng"
    assert received.get_body(("plain",)).get_content().strip() == "Xin chào"
    assert received.get_body(("html",)).get_content().strip() == "<p>Xin chào</p>"
    db.session.expire_all()
    assert message.status is OutboxStatus.SENT
    assert message.sent_at is not None


def test_one_send_drains_an_outbox_longer_than_a_batch(mail_app, smtp_server, monkeypatch):
    """`flask mail send` delivers every due message, not only the first batch (it stopped at 500)."""
    from core.mail import services

    monkeypatch.setattr(services, "BATCH_SIZE", 3)
    for number in range(8):
        _queue_one(to=f"delegate{number}@example.org")

    result = mail_app.test_cli_runner().invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "sent 8," in result.output
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(
        f"Nguyễn Tường Văn <delegate{number}@example.org>" for number in range(8)
    )


def test_mail_is_not_queued_when_the_change_that_caused_it_rolls_back(mail_app, smtp_server):
    enqueue(to_address="a@example.org", subject="Lost", body_text="never")
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    send_due_mail()
    assert smtp_server.messages == []


def test_failed_delivery_backs_off_before_the_next_attempt(make_app, smtp_server):
    app = make_app(MAIL_PORT=smtp_server.port, MAIL_RETRY_BACKOFF_SECONDS=600)
    with app.app_context():
        smtp_server.stop()
        message = _queue_one()
        assert send_due_mail() == {"sent": 0, "retrying": 1, "failed": 0}
        smtp_server.start()
        # Still inside its back-off window: not attempted yet.
        assert send_due_mail() == {"sent": 0, "retrying": 0, "failed": 0}
        db.session.expire_all()
        assert message.status is OutboxStatus.QUEUED
        assert message.attempts == 1
    assert smtp_server.messages == []


def test_delivery_gives_up_after_the_last_attempt(make_app, smtp_server):
    app = make_app(MAIL_PORT=smtp_server.port, MAIL_MAX_ATTEMPTS=2)
    with app.app_context():
        smtp_server.stop()
        message = _queue_one()
        assert send_due_mail()["retrying"] == 1
        assert send_due_mail()["failed"] == 1
        db.session.expire_all()
        assert message.status is OutboxStatus.FAILED


def test_calendar_part_travels_as_an_itip_alternative(mail_app, smtp_server):
    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    enqueue(
        to_address="a@example.org",
        subject="Invitation",
        body_text="text",
        body_html="<p>html</p>",
        calendar_ics=ics,
        calendar_method="REQUEST",
    )
    db.session.commit()
    send_due_mail()
    (received,) = smtp_server.messages
    calendar = next(part for part in received.walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in calendar.get_content()
