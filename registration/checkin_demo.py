"""Check-in's part of the demo: the venue entrance for each day of the summit and a door for each workshop."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from events.cli import SUMMIT_SLUG
from events.models import Event, ProgrammeSession, SessionKind
from registration.checkin import create_checkpoint
from registration.checkin_models import Checkpoint, CheckpointKind


def load_demo_checkpoints() -> None:
    """Create the demo summit's checkpoints that are missing; renamed or added ones are left alone."""
    event = db.session.scalar(select(Event).where(Event.slug == SUMMIT_SLUG))
    if event is None:
        return
    existing = db.session.scalars(select(Checkpoint).where(Checkpoint.event_id == event.id)).all()
    names = {checkpoint.name for checkpoint in existing}
    days = {checkpoint.day for checkpoint in existing if checkpoint.kind is CheckpointKind.VENUE}
    doors = {checkpoint.session_id for checkpoint in existing if checkpoint.kind is CheckpointKind.SESSION}
    for offset in range((event.ends_on - event.starts_on).days + 1):
        day = event.starts_on + timedelta(days=offset)
        name = f"Main entrance, {day:%d %b %Y}"
        if day not in days and name not in names:
            create_checkpoint(event, {"kind": CheckpointKind.VENUE, "name": name, "day": day})
    workshops = db.session.scalars(
        select(ProgrammeSession)
        .where(ProgrammeSession.event_id == event.id, ProgrammeSession.kind == SessionKind.WORKSHOP)
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.title)
    )
    for workshop in workshops:
        room = workshop.room.name if workshop.room else ""
        name = f"{room}: {workshop.title}"[:120] if room else workshop.title[:120]
        if workshop.id not in doors and name not in names:
            create_checkpoint(event, {"kind": CheckpointKind.SESSION, "session_id": workshop.id, "name": name})
