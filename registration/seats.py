"""Seats and waiting lists, kept by conditional updates so that capacity holds across processes and hosts.

Each function is one UPDATE on the counted row (the event, or the session). On PostgreSQL the UPDATE takes the
row lock, which orders concurrent callers, and re-checks its WHERE after the wait; on SQLite writes are serialised.
Locks are taken in one order, so that no two requests wait for each other in a circle: the event's row before
registrations, a registration's row before the rows of its sessions, a session's row before its sign-ups.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update

from core.extensions import db
from events.models import Event


def _counted(model):
    return model.seats_taken if model is Event else model.signups_count


def take_seat(model, row_id: int) -> bool:
    """Take one seat if one is left; false when full."""
    seats = _counted(model)
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, or_(model.capacity.is_(None), seats < model.capacity))
        .values({seats: seats + 1})
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_seat(model, row_id: int) -> None:
    seats = _counted(model)
    db.session.execute(
        update(model)
        .where(model.id == row_id, seats > 0)
        .values({seats: seats - 1})
        .execution_options(synchronize_session=False)
    )


def join_waitlist(model, row_id: int) -> int:
    """Add one to the waiting list and return the new entry's position (1 = next in line)."""
    db.session.execute(
        update(model)
        .where(model.id == row_id)
        .values(waitlist_count=model.waitlist_count + 1)
        .execution_options(synchronize_session=False)
    )
    # Our UPDATE holds the row lock until commit, so this read sees our own increment and no one else's.
    return db.session.execute(select(model.waitlist_count).where(model.id == row_id)).scalar_one()


def leave_waitlist(model, row_id: int) -> None:
    db.session.execute(
        update(model)
        .where(model.id == row_id, model.waitlist_count > 0)
        .values(waitlist_count=model.waitlist_count - 1)
        .execution_options(synchronize_session=False)
    )


def lock(model, row_id: int) -> None:
    """Lock the counted row for this transaction (PostgreSQL; SQLite serialises writers anyway)."""
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


def refresh(obj) -> None:
    """Re-read counters changed behind the ORM's back."""
    db.session.refresh(obj, attribute_names=["waitlist_count", _counted(type(obj)).key])
