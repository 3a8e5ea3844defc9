"""On-site check-in: checkpoints, and the verdict on a scanned badge. They flush; the caller commits.

Exactly one `accepted` per badge, checkpoint and period, however many devices scan at once: the unique constraint
of `checkins` decides (INSERT ... ON CONFLICT DO NOTHING), and the losers answer `already_checked_in`. A device's
retry of a scan (same device and nonce) gets the first answer back: the scan's log row is written first, under the
unique (device_id, nonce), so a concurrent retry waits for the first to commit and then reads its verdict.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from functools import cache

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import TextClause, bindparam, exists, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from core.db import utcnow
from core.errors import DomainError, NotFound, ValidationFailed
from core.extensions import db
from events.models import Event, ProgrammeSession, SessionStatus
from registration.badge_codes import BadCode, read_code
from registration.checkin_models import CheckIn, Checkpoint, CheckpointKind, Scan, ScanResult
from registration.models import Attendance, Registration, RegistrationStatus, Signup, SignupStatus

logger = logging.getLogger(__name__)

MAX_STORED_CODE = 200
NOT_APPROVED = (RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED, RegistrationStatus.REJECTED)


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("validation_failed", _("Some fields are not valid."), fields={field: [message]})


# Checkpoints ----------------------------------------------------------------------------------------------------


def create_checkpoint(event: Event, data: dict) -> Checkpoint:
    """Add a checkpoint to the event. Raises ValidationFailed, DomainError `checkpoint_name_taken`."""
    kind = CheckpointKind(data.get("kind") or CheckpointKind.VENUE)
    name = (data.get("name") or "").strip()
    session_id, day = data.get("session_id"), data.get("day")
    session = None
    if kind is CheckpointKind.SESSION:
        session = db.session.get(ProgrammeSession, session_id) if session_id is not None else None
        if session is None or session.event_id != event.id:
            raise invalid("session_id", _("Choose a session of this event."))
        if day is not None:
            raise invalid("day", _("A session's door is valid on the session's day; leave the day empty."))
        name = name or session.title[:120]
    else:
        if session_id is not None:
            raise invalid("session_id", _("A venue checkpoint has no session."))
        if day is not None and not event.starts_on <= day <= event.ends_on:
            raise invalid("day", _("Choose a day of the event, or none for every day."))
    if not name:
        raise invalid("name", _("A checkpoint needs a name."))
    checkpoint = Checkpoint(event=event, name=name, kind=kind, session=session, day=day)
    try:
        with db.session.begin_nested():
            db.session.add(checkpoint)
    except IntegrityError as exc:
        message = _("This event already has a checkpoint called “%(name)s”.", name=name)
        raise DomainError("checkpoint_name_taken", message) from exc
    return checkpoint


def checkpoints_query(event: Event):
    return select(Checkpoint).where(Checkpoint.event_id == event.id).order_by(Checkpoint.day, Checkpoint.name)


def get_checkpoint(checkpoint_id: int) -> Checkpoint:
    # With its event in the same query: every scan needs it (its zone, whether the caller may see it).
    checkpoint = db.session.get(Checkpoint, checkpoint_id, options=[joinedload(Checkpoint.event)])
    if checkpoint is None:
        raise NotFound()
    return checkpoint


# Scanning -------------------------------------------------------------------------------------------------------


def perform_checkin(
    checkpoint: Checkpoint,
    code: str,
    actor,
    *,
    scanned_at: datetime | None = None,
    device_id: str | None = None,
    nonce: str | None = None,
) -> dict:
    """Decide on a scanned badge at a checkpoint, log the scan, and return the verdict of API.md.

    `scanned_at` is the device's time (an offline scan sent later); naive means the event's time zone. A repeated
    (device_id, nonce) returns the first verdict unchanged.
    """
    event = checkpoint.event
    received_at = utcnow()
    if scanned_at is not None and scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=event.zone)
    # No scan happens after we receive it: a device whose clock runs fast is held to our time.
    scanned_at = min(scanned_at or received_at, received_at)
    device_id = (device_id or "").strip() or f"user-{actor.id}"
    code = (code or "").strip()
    row = {
        "checkpoint_id": checkpoint.id,
        "code": code[:MAX_STORED_CODE],
        "device_id": device_id,
        "nonce": nonce or None,
        "user_id": actor.id,
        "scanned_at": scanned_at,
        "received_at": received_at,
    }
    scan_id = None
    if nonce:
        scan_id = _claim_nonce(row)
        if scan_id is None:
            return _first_verdict(device_id, nonce)
    verdict, registration = _decide(checkpoint, code, scanned_at, device_id)
    outcome = {"result": ScanResult(verdict["result"]), "verdict": verdict, "registration_id": registration}
    if scan_id is None:
        db.session.execute(insert(Scan), {**row, **outcome})
    else:
        # The table, not the model: no loaded Scan to keep in step, so the ORM's bookkeeping would be wasted here.
        scans = Scan.__table__
        db.session.execute(update(scans).where(scans.c.id == scan_id).values(**outcome))
    return verdict


@cache
def _insert_unless_taken(table_name: str, columns: tuple[str, ...], unique: tuple[str, ...]) -> TextClause:
    """INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING id, typed by the table's columns, built once.

    The same SQL runs on PostgreSQL and SQLite. Not SQLAlchemy's dialect inserts: their on_conflict_do_nothing()
    has no cache key in SQLAlchemy 2.0, so every scan compiled its two inserts afresh, a fifth of the check-in's
    own CPU time (bench/bench_checkin.py); a text() statement is compiled once and then cached like any other.
    """
    table = db.metadata.tables[table_name]
    names, keys = [table.c[name].name for name in columns], [table.c[name].name for name in unique]
    # Every name is a column of the model's table (KeyError otherwise); the values are bound parameters.
    statement = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join(':' + name for name in names)}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO NOTHING RETURNING id"
    )
    typed = [bindparam(name, type_=table.c[name].type) for name in names]
    return text(statement).bindparams(*typed).columns(table.c.id)


def _claim_nonce(row: dict) -> int | None:
    """Write the scan's log row, holding its nonce; None when the device sent this nonce before."""
    statement = _insert_unless_taken(Scan.__tablename__, tuple(row), ("device_id", "nonce"))
    return db.session.execute(statement, row).scalar()


def _first_verdict(device_id: str, nonce: str) -> dict:
    verdict = db.session.scalar(select(Scan.verdict).where(Scan.device_id == device_id, Scan.nonce == nonce))
    return dict(verdict or {})


def _decide(checkpoint: Checkpoint, code: str, scanned_at: datetime, device_id: str) -> tuple[dict, int | None]:
    event = checkpoint.event
    try:
        claim = read_code(code)
    except BadCode:
        return _verdict(event, ScanResult.UNKNOWN_CODE), None
    registration = db.session.get(Registration, claim.registration_id)
    if registration is None or registration.event_id != claim.event_id or claim.version > registration.badge_version:
        registration = None
    if claim.event_id != checkpoint.event_id:
        return _verdict(event, ScanResult.WRONG_EVENT, registration), registration.id if registration else None
    if registration is None:
        return _verdict(event, ScanResult.UNKNOWN_CODE), None
    refusal = _refusal(checkpoint, registration, claim.version, scanned_at)
    if refusal is not None:
        result, message = refusal
        return _verdict(event, result, registration, message=message), registration.id
    period = _period(checkpoint, scanned_at)
    admitted, first_at = admit(checkpoint, registration, period, scanned_at, device_id)
    if admitted:
        return _verdict(
            event, ScanResult.ACCEPTED, registration, checked_in_at=first_at, first=first_at
        ), registration.id
    return _verdict(event, ScanResult.ALREADY_CHECKED_IN, registration, first=first_at), registration.id


def _refusal(
    checkpoint: Checkpoint, registration: Registration, version: int, scanned_at: datetime
) -> tuple[ScanResult, str | None] | None:
    """Why this badge may not pass this checkpoint now, or None."""
    if version < registration.badge_version:
        return ScanResult.REVOKED, None
    if registration.status is RegistrationStatus.CANCELLED:
        return ScanResult.CANCELLED, None
    if registration.status in NOT_APPROVED:
        message = _("This registration is not approved (%(state)s).", state=registration.status.label.lower())
        return ScanResult.NOT_APPROVED, message
    if checkpoint.kind is CheckpointKind.VENUE:
        if registration.attendance is Attendance.ONLINE:
            return ScanResult.NOT_ALLOWED_HERE, _("This delegate takes part online and has no place at the venue.")
        local_day = scanned_at.astimezone(checkpoint.event.zone).date()
        if checkpoint.day is not None and local_day != checkpoint.day:
            message = _("This entrance is for %(day)s only.", day=format_date(checkpoint.day, "full"))
            return ScanResult.NOT_ALLOWED_HERE, message
        return None
    session = checkpoint.session
    if session.status is SessionStatus.CANCELLED:
        return ScanResult.NOT_ALLOWED_HERE, _("This session is cancelled.")
    signed_up = db.session.scalar(
        select(
            exists().where(
                Signup.session_id == session.id,
                Signup.registration_id == registration.id,
                Signup.status == SignupStatus.CONFIRMED,
            )
        )
    )
    if not signed_up:
        return ScanResult.NOT_ALLOWED_HERE, _("This delegate has no confirmed seat in this session.")
    return None


def _period(checkpoint: Checkpoint, scanned_at: datetime) -> date:
    """The day an admission counts for (see CheckIn.period)."""
    zone = checkpoint.event.zone
    if checkpoint.kind is CheckpointKind.SESSION:
        return checkpoint.session.starts_at.astimezone(zone).date()
    return checkpoint.day or scanned_at.astimezone(zone).date()


def admit(
    checkpoint: Checkpoint, registration: Registration, period: date, at: datetime, device_id: str
) -> tuple[bool, datetime]:
    """Record the admission unless one exists for this badge, checkpoint and period; say whether this one won.

    Returns (accepted, first time). When a queued offline scan arrives after a later live one, the stored time
    moves back to the earlier scan by a conditional UPDATE, so the first scan's time is kept, whoever came first.
    """
    table = CheckIn.__table__
    key = (
        (table.c.checkpoint_id == checkpoint.id)
        & (table.c.registration_id == registration.id)
        & (table.c.period == period)
    )
    row = {
        "event_id": checkpoint.event_id,
        "checkpoint_id": checkpoint.id,
        "registration_id": registration.id,
        "period": period,
        "checked_in_at": at,
        "device_id": device_id,
        "created_at": utcnow(),
    }
    unique = ("checkpoint_id", "registration_id", "period")
    inserted = db.session.execute(_insert_unless_taken(table.name, tuple(row), unique), row).scalar()
    if inserted is not None:
        return True, at
    db.session.execute(
        update(table).where(key, table.c.checked_in_at > at).values(checked_in_at=at, device_id=device_id)
    )
    return False, db.session.execute(select(table.c.checked_in_at).where(key)).scalar_one()


# The verdict ----------------------------------------------------------------------------------------------------


def _default_message(result: ScanResult, registration: Registration | None, first: datetime | None, zone) -> str:
    if result is ScanResult.ACCEPTED:
        return _("Welcome, %(name)s.", name=registration.full_name)
    if result is ScanResult.ALREADY_CHECKED_IN:
        return _("Already checked in here at %(time)s.", time=format_time(first.astimezone(zone), "HH:mm"))
    return {
        ScanResult.UNKNOWN_CODE: _("Not a badge of this system. Send the person to the registration desk."),
        ScanResult.REVOKED: _("This badge was replaced by a newer one and is no longer valid."),
        ScanResult.NOT_APPROVED: _("This registration is not approved."),
        ScanResult.CANCELLED: _("This registration is cancelled."),
        ScanResult.WRONG_EVENT: _("This badge is for another event."),
        ScanResult.NOT_ALLOWED_HERE: _("This badge does not give entry here."),
    }[result]


def person(registration: Registration | None) -> dict | None:
    if registration is None:
        return None
    return {
        "id": registration.id,
        "full_name": registration.full_name,
        "organisation": registration.organisation,
        "country": registration.country,
        "category": registration.category.value,
        "category_label": registration.category.label,
    }


def _verdict(
    event: Event,
    result: ScanResult,
    registration: Registration | None = None,
    *,
    message: str | None = None,
    checked_in_at: datetime | None = None,
    first: datetime | None = None,
) -> dict:
    zone = event.zone
    return {
        "result": result.value,
        "admitted": result.admitted,
        "message": message or _default_message(result, registration, first, zone),
        "registration": person(registration),
        "checked_in_at": checked_in_at.astimezone(zone).isoformat() if checked_in_at else None,
        "first_checked_in_at": first.astimezone(zone).isoformat() if first else None,
    }
