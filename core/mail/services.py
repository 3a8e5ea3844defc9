"""Queue mail in the caller's transaction; deliver it later over SMTP with retries."""

from __future__ import annotations

import logging
import smtplib
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from sqlalchemy import or_, select, update

from core.db import utcnow
from core.extensions import db
from core.mail.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 300
# Python 3.11 drops the space between two encoded words when it folds a long non-ASCII header at 78 characters
# ("triển lãm của" arrived as "triển lãmcủa"); folding only at SMTP's own limit keeps Vietnamese subjects whole.
# 7bit: bodies go as quoted-printable or base64, which every SMTP server takes.
MAIL_POLICY = email_policy.default.clone(max_line_length=998, cte_type="7bit")


def enqueue(
    *,
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    to_name: str | None = None,
    calendar_ics: str | None = None,
    calendar_method: str | None = None,
) -> OutboxMessage:
    """Add a message to the outbox; it is sent only if the caller's transaction commits."""
    message = OutboxMessage(
        to_address=to_address,
        to_name=to_name,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        calendar_ics=calendar_ics,
        calendar_method=calendar_method,
        message_id=make_msgid(domain="ascn-summit"),
    )
    db.session.add(message)
    db.session.flush()
    return message


@contextmanager
def mail_context(language: str | None):
    """The recipient's language, and links built on BASE_URL even outside a request (CLI commands, workers)."""
    with ExitStack() as stack:
        if not has_request_context():
            stack.enter_context(current_app.test_request_context(base_url=current_app.config["BASE_URL"]))
        stack.enter_context(force_locale(language or "en"))
        yield


def render_mail(template: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of `templates/email/<template>.{subject.txt,txt,html}`; call inside mail_context()."""
    subject = render_template(f"email/{template}.subject.txt", **context).strip()
    return (
        subject,
        render_template(f"email/{template}.txt", **context),
        render_template(f"email/{template}.html", **context),
    )


def enqueue_template(template: str, *, to_address: str, to_name: str | None, language: str, **context) -> OutboxMessage:
    """Render `templates/email/<template>.{subject,txt,html}` in the recipient's language and queue it."""
    context.setdefault("recipient_name", to_name)
    with mail_context(language):
        subject, body_text, body_html = render_mail(template, **context)
    return enqueue(to_address=to_address, to_name=to_name, subject=subject, body_text=body_text, body_html=body_html)


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage(policy=MAIL_POLICY)
    email["From"] = sender
    email["To"] = formataddr((message.to_name or "", message.to_address))
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if message.calendar_ics:
        # Outlook and Gmail show Accept/Decline for a text/calendar alternative carrying the iTIP method.
        email.add_alternative(
            message.calendar_ics,
            subtype="calendar",
            params={"method": message.calendar_method or "REQUEST"},
        )
    return email


def _claim(message_id: int) -> bool:
    """Take one due message for this sender; false when another sender got it first. The caller commits."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.QUEUED,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=OutboxMessage.attempts + 1)
    )
    return result.rowcount == 1


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    if config["MAIL_USE_TLS"]:
        smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


# Messages read per query: a drain goes through the outbox in batches, so memory stays flat however long it is.
BATCH_SIZE = 500


def send_due_mail() -> dict[str, int]:
    """Deliver every queued message that is due, each tried at most once per call; failures back off and retry.

    Each message is claimed before it is sent, so several senders at once never send one twice.
    """
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    smtp: smtplib.SMTP | None = None
    after_id = 0
    try:
        while True:
            due_ids = _due_ids(after_id)
            for message_id in due_ids:
                # One commit per message, the outcome of the one before with the claim of this one: a durable
                # commit is what a delivery costs most (about 4 ms on this project's machine), not SMTP.
                claimed = _claim(message_id)
                db.session.commit()
                if claimed:
                    smtp = _deliver(db.session.get(OutboxMessage, message_id), smtp, counts)
            db.session.commit()
            if len(due_ids) < BATCH_SIZE:
                return counts
            after_id = due_ids[-1]
    finally:
        _close(smtp)


def _due_ids(after_id: int) -> list[int]:
    """The next batch of due messages in queue order, after `after_id` (a message retried later waits its turn)."""
    now = utcnow()
    due_ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.id > after_id,
            OutboxMessage.status == OutboxStatus.QUEUED,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(BATCH_SIZE)
    ).all()
    db.session.commit()
    return list(due_ids)


def _deliver(message: OutboxMessage, smtp: smtplib.SMTP | None, counts: dict) -> smtplib.SMTP | None:
    """Send one claimed message over `smtp` (connecting first if needed); return the connection to reuse."""
    try:
        if smtp is None:
            smtp = _connect()
        smtp.send_message(build_email(message, current_app.config["MAIL_DEFAULT_SENDER"]))
    except (OSError, smtplib.SMTPException) as exc:
        counts[_record_failure(message, exc)] += 1
        return _close(smtp)
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
    message.claimed_until = None
    message.last_error = None
    counts["sent"] += 1
    return smtp


def _record_failure(message: OutboxMessage, exc: Exception) -> str:
    config = current_app.config
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    message.claimed_until = None
    if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED
        logger.error("Giving up on mail %s to %s: %s", message.id, message.to_address, message.last_error)
        return "failed"
    backoff = config["MAIL_RETRY_BACKOFF_SECONDS"] * 2 ** (message.attempts - 1)
    message.next_attempt_at = utcnow() + timedelta(seconds=min(backoff, 3600))
    logger.warning("Mail %s to %s not sent (attempt %s): %s", message.id, message.to_address, message.attempts, exc)
    return "retrying"


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return None
