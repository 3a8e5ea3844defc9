"""Booths and their bookings. Operations flush; the caller commits once.

A booth is held or booked by one exhibitor at a time, whatever the number of concurrent requests. Two guards, each
enough alone (tests/concurrency/test_booking_under_load.py proves both, and that the race is real without them):
- the booth's status moves only by conditional UPDATEs (`... WHERE status = 'available'`): on PostgreSQL the second
  of two concurrent requests waits for the first's row lock, re-checks the condition and finds the booth taken;
- the partial unique index uq_bookings_booth_id_active allows one held or confirmed booking per booth.

Held bookings lapse by themselves: every read or booking of booths first expires the holds past their time, by a
conditional UPDATE in the same transaction, so no booth stays held after its time and no step needs a person or a
cron (`flask exhibitors expire-holds` does the same for the mails to leave on time when nobody looks).
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, select, update
from sqlalchemy.exc import IntegrityError

from core.db import utcnow
from core.errors import DomainError, NotFound
from core.extensions import db
from events.models import Event
from exhibitors.models import (
    ACTIVE_BOOKING_STATES,
    Booking,
    BookingStatus,
    Booth,
    BoothStatus,
    Exhibitor,
    ExhibitorStatus,
)
from exhibitors.services import invalid, tell_exhibitor

logger = logging.getLogger(__name__)

BOOTH_FIELDS = ("code", "hall", "x", "y", "width", "depth", "price", "currency", "zone", "staff_badge_quota")
# Statuses an organiser sets by hand; held and booked follow from bookings only.
MANUAL_STATUSES = (BoothStatus.AVAILABLE, BoothStatus.BLOCKED)
SQM_PER_BADGE_PAIR = 9  # two staff badges for every 9 m² started


def quota_for_area(area_sqm: Decimal) -> int:
    """Staff badges that come with a booth of this area: two for every 9 m² started (a 3 × 3 m booth: 2)."""
    return max(1, math.ceil(Decimal(area_sqm) / SQM_PER_BADGE_PAIR)) * 2


# Booths ----------------------------------------------------------------------------------------------------------


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError) as exc:
        raise invalid(field, _("Give a number.")) from exc
    if not number.is_finite():
        raise invalid(field, _("Give a number."))
    return number.quantize(Decimal("0.01"))


def _apply_booth(booth: Booth, data: dict) -> None:
    explicit_quota = data.get("staff_badge_quota")
    for key in BOOTH_FIELDS:
        if key in data and key != "staff_badge_quota":
            value = data[key]
            setattr(booth, key, value.strip() if isinstance(value, str) else value)
    booth.code = (booth.code or "").upper()
    booth.currency = (booth.currency or "USD").upper()
    booth.zone = booth.zone or ""
    if not booth.code or len(booth.code) > 20 or not all(c.isalnum() or c in "-." for c in booth.code):
        raise invalid("code", _("Use letters, digits and hyphens, such as A-01."))
    if not booth.hall:
        raise invalid("hall", _("Name the hall."))
    for field in ("x", "y", "width", "depth", "price"):
        if getattr(booth, field) is None:
            raise invalid(field, _("This field is required."))
        setattr(booth, field, _decimal(getattr(booth, field), field))
    if booth.x < 0 or booth.y < 0:
        raise invalid("x" if booth.x < 0 else "y", _("The position is measured from the hall's corner: 0 or more."))
    for field in ("width", "depth"):
        if getattr(booth, field) <= 0 or getattr(booth, field) > 200:
            raise invalid(field, _("Give a size in metres, more than 0 and at most 200."))
    if booth.price < 0:
        raise invalid("price", _("The price cannot be negative."))
    if len(booth.currency) != 3 or not booth.currency.isalpha():
        raise invalid("currency", _("Use a three-letter currency code, such as USD or VND."))
    booth.area_sqm = (booth.width * booth.depth).quantize(Decimal("0.01"))
    if explicit_quota is not None:
        if int(explicit_quota) < 0:
            raise invalid("staff_badge_quota", _("The quota cannot be negative."))
        booth.staff_badge_quota = int(explicit_quota)
    elif "staff_badge_quota" in data or booth.id is None or {"width", "depth"} & set(data):
        booth.staff_badge_quota = quota_for_area(booth.area_sqm)


def _check_place(booth: Booth) -> None:
    """Raises DomainError `booth_code_taken`, `booth_overlap`."""
    others = db.session.scalars(
        select(Booth).where(Booth.event_id == booth.event_id, Booth.id != (booth.id or 0))
    ).all()
    for other in others:
        if other.code == booth.code:
            message = _("Booth %(code)s already exists at this event.", code=booth.code)
            raise DomainError("booth_code_taken", message, fields={"code": [message]})
    for other in others:
        if other.hall == booth.hall and _overlap(booth, other):
            message = _("This booth would overlap booth %(code)s in %(hall)s.", code=other.code, hall=other.hall)
            raise DomainError("booth_overlap", message, fields={"x": [message]})


def _overlap(a: Booth, b: Booth) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.depth and b.y < a.y + a.depth


def create_booth(event: Event, data: dict) -> Booth:
    """Add a booth. Raises DomainError `booth_code_taken`, `booth_overlap`; ValidationFailed."""
    booth = Booth(event=event, event_id=event.id, status=BoothStatus.AVAILABLE)
    _apply_booth(booth, data)
    _check_place(booth)
    _save_booth(booth)
    if data.get("status") is not None:
        set_booth_status(booth, data["status"])
    return booth


def update_booth(booth: Booth, data: dict) -> Booth:
    """Change a booth; `status` only between available and blocked. Raises as create_booth, and `booth_taken`."""
    with db.session.no_autoflush:
        _apply_booth(booth, data)
        _check_place(booth)
    _save_booth(booth)
    if data.get("status") is not None and data["status"] is not booth.status:
        set_booth_status(booth, data["status"])
    return booth


def _save_booth(booth: Booth) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(booth)
    except IntegrityError as exc:  # the same code at once from another request
        message = _("Booth %(code)s already exists at this event.", code=booth.code)
        raise DomainError("booth_code_taken", message, fields={"code": [message]}) from exc


def set_booth_status(booth: Booth, status: BoothStatus) -> Booth:
    """Block a free booth or free a blocked one. Raises DomainError `booth_taken` for a held or booked booth."""
    status = BoothStatus(status)
    if status not in MANUAL_STATUSES:
        raise invalid("status", _("Booths become held or booked through a booking."))
    lapse_expired_holds(booth.event_id)
    if booth.status is status:
        return booth
    other = BoothStatus.BLOCKED if status is BoothStatus.AVAILABLE else BoothStatus.AVAILABLE
    if not _move_booth(booth.id, other, status):
        raise DomainError(
            "booth_taken", _("Booth %(code)s is held or booked: cancel its booking first.", code=booth.code)
        )
    db.session.refresh(booth)
    return booth


def booths_of(event: Event, *, status: BoothStatus | None = None) -> Select:
    """The event's booths by hall and code, after lapsing expired holds."""
    lapse_expired_holds(event.id)
    statement = select(Booth).where(Booth.event_id == event.id).order_by(Booth.hall, Booth.code)
    if status is not None:
        statement = statement.where(Booth.status == status)
    return statement


def get_booth(booth_id: int, *, event: Event | None = None) -> Booth:
    """The booth, fresh after lapsing expired holds. Raises NotFound (also for a booth of another event)."""
    booth = db.session.get(Booth, booth_id)
    if booth is None or (event is not None and booth.event_id != event.id):
        raise NotFound()
    if lapse_expired_holds(booth.event_id):
        db.session.refresh(booth)
    return booth


# Bookings --------------------------------------------------------------------------------------------------------


def _move_booth(booth_id: int, from_status: BoothStatus | tuple, to_status: BoothStatus) -> bool:
    """Move the booth's status only if it is still `from_status`: the one conditional UPDATE that decides."""
    states = from_status if isinstance(from_status, tuple) else (from_status,)
    result = db.session.execute(
        update(Booth)
        .where(Booth.id == booth_id, Booth.status.in_(states))
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def claim_booth(booth_id: int) -> bool:
    """Hold a free booth; false when another request has it (held, booked or blocked)."""
    return _move_booth(booth_id, BoothStatus.AVAILABLE, BoothStatus.HELD)


def booth_taken(booth: Booth) -> DomainError:
    return DomainError("booth_taken", _("Booth %(code)s is no longer available.", code=booth.code))


def book_booth(booth: Booth, exhibitor: Exhibitor, actor) -> Booking:
    """Hold the booth for an approved exhibitor for BOOTH_HOLD_HOURS, until an organiser confirms it.

    Raises DomainError `booth_taken` (held, booked or blocked, also when another request won the race),
    `exhibitor_not_approved`; NotFound when the exhibitor is of another event.
    """
    if exhibitor.event_id != booth.event_id:
        raise NotFound()
    if exhibitor.status is not ExhibitorStatus.APPROVED:
        raise DomainError(
            "exhibitor_not_approved", _("Only approved exhibitors book booths; this application is not approved.")
        )
    lapse_expired_holds(booth.event_id)
    if not claim_booth(booth.id):
        raise booth_taken(booth)
    now = utcnow()
    booking = Booking(
        booth_id=booth.id,
        exhibitor_id=exhibitor.id,
        status=BookingStatus.HELD,
        held_until=now + timedelta(hours=current_app.config["BOOTH_HOLD_HOURS"]),
        booked_by_id=actor.id if actor is not None and actor.is_authenticated else None,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError as exc:  # the partial unique index: another active booking of this booth
        raise booth_taken(booth) from exc
    db.session.refresh(booth)
    tell_exhibitor(exhibitor, "booking_held", booking=booking, booth=booth)
    return booking


def confirm_booking(booking: Booking, actor) -> Booking:
    """An organiser confirms a held booking: the booth is booked. Raises DomainError `booking_not_held`."""
    lapse_expired_holds(booking.booth.event_id)
    now = utcnow()
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status == BookingStatus.HELD, Booking.held_until > now)
        .values(status=BookingStatus.CONFIRMED, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(booking)
    if result.rowcount != 1:
        raise DomainError(
            "booking_not_held",
            _("Only a held booking can be confirmed; this one is %(status)s.", status=booking.status.label.lower()),
        )
    _move_booth(booking.booth_id, BoothStatus.HELD, BoothStatus.BOOKED)
    db.session.refresh(booking.booth)
    tell_exhibitor(booking.exhibitor, "booking_confirmed", booking=booking, booth=booking.booth)
    return booking


def cancel_booking(booking: Booking, actor, *, notify: bool = True) -> Booking:
    """Cancel a held or confirmed booking; the booth is free again. Raises DomainError `booking_not_active`."""
    lapse_expired_holds(booking.booth.event_id)
    result = db.session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_(ACTIVE_BOOKING_STATES))
        .values(status=BookingStatus.CANCELLED, ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(booking)
    if result.rowcount != 1:
        raise DomainError(
            "booking_not_active",
            _("This booking is %(status)s already: there is nothing to cancel.", status=booking.status.label.lower()),
        )
    _move_booth(booking.booth_id, (BoothStatus.HELD, BoothStatus.BOOKED), BoothStatus.AVAILABLE)
    db.session.refresh(booking.booth)
    if notify:
        tell_exhibitor(booking.exhibitor, "booking_cancelled", booking=booking, booth=booking.booth)
    return booking


def lapse_expired_holds(event_id: int | None = None) -> list[Booking]:
    """Expire held bookings past their time and free their booths; each lapses once, with its mail.

    Rows another transaction is lapsing at this moment are skipped rather than waited for (PostgreSQL), so
    concurrent readers never deadlock; the conditional UPDATE is what decides, on every backend.
    """
    now = utcnow()
    due = (
        select(Booking.id)
        .where(Booking.status == BookingStatus.HELD, Booking.held_until <= now)
        .order_by(Booking.id)
        .with_for_update(skip_locked=True)
    )
    if event_id is not None:
        due = due.where(Booking.booth_id.in_(select(Booth.id).where(Booth.event_id == event_id)))
    due_ids = list(db.session.scalars(due))
    if not due_ids:
        return []
    lapsed = db.session.execute(
        update(Booking)
        .where(and_(Booking.id.in_(due_ids), Booking.status == BookingStatus.HELD, Booking.held_until <= now))
        .values(status=BookingStatus.EXPIRED, ended_at=now)
        .returning(Booking.id, Booking.booth_id)
        .execution_options(synchronize_session=False)
    ).all()
    if not lapsed:
        return []
    db.session.execute(
        update(Booth)
        .where(Booth.id.in_([row.booth_id for row in lapsed]), Booth.status == BoothStatus.HELD)
        .values(status=BoothStatus.AVAILABLE)
        .execution_options(synchronize_session=False)
    )
    bookings = list(
        db.session.scalars(
            select(Booking).where(Booking.id.in_([row.id for row in lapsed])).execution_options(populate_existing=True)
        )
    )
    for booking in bookings:
        db.session.refresh(booking.booth)
        tell_exhibitor(booking.exhibitor, "booking_expired", booking=booking, booth=booking.booth)
        logger.info("Hold of booth %s by exhibitor %s lapsed", booking.booth.code, booking.exhibitor_id)
    return bookings


def active_bookings_of(exhibitor: Exhibitor) -> list[Booking]:
    """The exhibitor's held and confirmed bookings, after lapsing expired holds."""
    lapse_expired_holds(exhibitor.event_id)
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.exhibitor_id == exhibitor.id, Booking.status.in_(ACTIVE_BOOKING_STATES))
            .order_by(Booking.id)
        )
    )


def bookings_query(*, event: Event | None = None, exhibitor: Exhibitor | None = None, status=None) -> Select:
    """Bookings of an event or an exhibitor, newest first."""
    statement = select(Booking).join(Booth, Booth.id == Booking.booth_id).order_by(Booking.id.desc())
    if event is not None:
        statement = statement.where(Booth.event_id == event.id)
    if exhibitor is not None:
        statement = statement.where(Booking.exhibitor_id == exhibitor.id)
    if status is not None:
        statement = statement.where(Booking.status == status)
    return statement


def get_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound()
    return booking


def occupants(event: Event) -> dict[int, Exhibitor]:
    """Booth id -> the exhibitor holding or booking it, after lapsing expired holds."""
    lapse_expired_holds(event.id)
    rows = db.session.execute(
        select(Booking.booth_id, Exhibitor)
        .join(Exhibitor, Exhibitor.id == Booking.exhibitor_id)
        .where(Exhibitor.event_id == event.id, Booking.status.in_(ACTIVE_BOOKING_STATES))
    ).all()
    return {booth_id: exhibitor for booth_id, exhibitor in rows}
